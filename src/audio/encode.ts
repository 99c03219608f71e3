// Writing audio files (Node), always atomically: WAV in pure TypeScript, FLAC and MP3 by piping f32le into ffmpeg.
import type { Writable } from 'node:stream';
import { DemixError } from '../errors.js';
import { writeFileAtomic } from './atomic.js';
import type { Audio } from './audio.js';
import { lengthOf } from './audio.js';
import { startFfmpeg } from './ffmpeg.js';
import { encodeWav } from './wav.js';

export type OutputFormat = 'wav' | 'flac' | 'mp3';

export interface WriteOptions {
  format: OutputFormat;
  bitDepth?: 16 | 24 | 32; // wav: 16/24-bit PCM or 32 = float (default 24); flac: 16 or 24 (default 24)
  bitrate?: number; // mp3, kbit/s (default 320)
  overwrite?: boolean; // replace an existing file (default false: OUTPUT_EXISTS)
}

/** Frames per block written to the encoder's stdin. */
const BLOCK_FRAMES = 65536;

/** Interleaves frames [start, start+n) of `audio` ([ch][frame]) as little-endian float32 bytes. */
function interleave(audio: Audio, start: number, n: number): Buffer {
  const nCh = audio.channels.length;
  const block = new Float32Array(n * nCh);
  for (let c = 0; c < nCh; c++) {
    const x = audio.channels[c];
    for (let i = 0, j = c; i < n; i++, j += nCh) block[j] = x[start + i];
  }
  return Buffer.from(block.buffer);
}

/** Resolves when `w` can take more data again, or has closed (listeners removed either way). */
function drained(w: Writable): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      w.off('drain', done);
      w.off('close', done);
      resolve();
    };
    w.on('drain', done);
    w.on('close', done);
  });
}

/** ffmpeg codec arguments for a FLAC or MP3 output. */
function codecArgs(audio: Audio, opts: WriteOptions, path: string): string[] {
  if (opts.format === 'flac') {
    const depth = opts.bitDepth ?? 24;
    if (depth !== 16 && depth !== 24) throw new DemixError('USAGE', `${path}: FLAC is 16- or 24-bit, not ${depth}`, path);
    return ['-c:a', 'flac', '-sample_fmt', depth === 16 ? 's16' : 's32', ...(depth === 24 ? ['-bits_per_raw_sample', '24'] : []), '-f', 'flac'];
  }
  const kbps = opts.bitrate ?? 320;
  if (!(kbps >= 32 && kbps <= 320)) throw new DemixError('USAGE', `${path}: MP3 bit rate ${kbps} kbit/s is outside 32..320`, path);
  if (audio.channels.length > 2) throw new DemixError('USAGE', `${path}: MP3 holds at most 2 channels, not ${audio.channels.length}`, path);
  return ['-c:a', 'libmp3lame', '-b:a', `${Math.round(kbps)}k`, '-f', 'mp3'];
}

/** Runs ffmpeg to encode `audio` into the file `tmp`. ENCODE_FAILED with ffmpeg's reason when it fails. */
async function encodeWithFfmpeg(audio: Audio, codec: string[], tmp: string, path: string): Promise<void> {
  const nCh = audio.channels.length;
  const frames = lengthOf(audio);
  const args = ['-v', 'error', '-f', 'f32le', '-ar', String(audio.sampleRate), '-ac', String(nCh), '-i', 'pipe:0', ...codec, '-y', `file:${tmp}`];
  const run = startFfmpeg(args, { timeoutMs: 120_000 + (frames * nCh) / 2000, file: path, stdin: true });
  const stdin = run.child.stdin!;
  let broken = false;
  stdin.on('error', () => (broken = true)); // ffmpeg exited early: its exit status tells why
  run.child.stdout!.resume();
  for (let pos = 0; pos < frames && !broken; pos += BLOCK_FRAMES) {
    if (!stdin.write(interleave(audio, pos, Math.min(BLOCK_FRAMES, frames - pos)))) {
      await drained(stdin);
    }
  }
  stdin.end();
  const res = await run.done;
  if (res.code !== 0 || res.timedOut) {
    const reason = res.timedOut ? 'timed out' : res.stderr.trim().split('\n').pop() ?? `exit ${res.code}`;
    throw new DemixError('ENCODE_FAILED', `${path}: encoding ${codec[codec.length - 1]} failed (${reason.slice(0, 200)})`, path);
  }
}

/**
 * Writes `audio` to `path` as WAV, FLAC or MP3, atomically (temp file + rename). Errors: OUTPUT_EXISTS,
 * OUTPUT_NOT_WRITABLE, NO_SPACE, USAGE (bad bit depth / bit rate / channel count), ENCODE_FAILED, BAD_AUDIO, TOO_LARGE.
 */
export async function writeAudio(path: string, audio: Audio, opts: WriteOptions): Promise<void> {
  const atomic = { overwrite: opts.overwrite };
  if (opts.format === 'wav') {
    const depth = opts.bitDepth ?? 24;
    if (depth !== 16 && depth !== 24 && depth !== 32) throw new DemixError('USAGE', `${path}: WAV bit depth must be 16, 24 or 32, not ${depth}`, path);
    await writeFileAtomic(path, encodeWav(audio, depth), atomic);
    return;
  }
  if (opts.format !== 'flac' && opts.format !== 'mp3') throw new DemixError('USAGE', `${path}: unknown output format "${String(opts.format)}"`, path);
  if (audio.channels.length === 0 || lengthOf(audio) === 0) throw new DemixError('BAD_AUDIO', `${path}: nothing to write (no samples)`, path);
  const codec = codecArgs(audio, opts, path);
  await writeFileAtomic(path, (tmp) => encodeWithFfmpeg(audio, codec, tmp, path), atomic);
}
