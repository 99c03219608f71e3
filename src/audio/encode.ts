// Writing audio files (Node) block by block: WAV in pure TypeScript (the header patched at the end), FLAC
// and MP3 by piping f32le into ffmpeg's stdin. writeAudio writes a whole Audio atomically through the same.
import { open } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import { DemixError } from '../errors.js';
import { writeFileAtomic } from './atomic.js';
import type { Audio, AudioSink } from './audio.js';
import { lengthOf } from './audio.js';
import { startFfmpeg } from './ffmpeg.js';
import { wavHeader, wavSamples, type WavSpec } from './wav.js';

export type OutputFormat = 'wav' | 'flac' | 'mp3';

export interface WriteOptions {
  format: OutputFormat;
  bitDepth?: 16 | 24 | 32; // wav: 16/24-bit PCM or 32 = float (default 24); flac: 16 or 24 (default 24)
  bitrate?: number; // mp3, kbit/s (default 320)
  overwrite?: boolean; // replace an existing file (default false: OUTPUT_EXISTS)
}

/** An audio file being written: write() blocks of its channel count at its rate, then end() to complete it. */
export interface AudioFileWriter extends AudioSink {
  write(channels: Float32Array[]): Promise<void>; // [ch] of (frames), the next frames
  end(): Promise<void>; // completes the file; ENCODE_FAILED / TOO_LARGE / fs errors
  abort(): Promise<void>; // stops writing (the encoder is killed); the partial file is the caller's to remove
}

/** Frames per block written to a file or an encoder's stdin. */
const BLOCK_FRAMES = 65536;
/** How long an encoder may make us wait (for its stdin to drain, or to finish after its input ended), ms. */
const ENCODER_WAIT_MS = 120_000;

/** Interleaves `channels` ([ch][frame]) as little-endian float32 bytes. */
function interleave(channels: Float32Array[]): Buffer {
  const nCh = channels.length;
  const block = new Float32Array(channels[0].length * nCh);
  channels.forEach((x, c) => {
    for (let i = 0, j = c; i < x.length; i++, j += nCh) block[j] = x[i];
  });
  return Buffer.from(block.buffer);
}

/** The frames [pos, pos + BLOCK_FRAMES) of each of `channels`, for every pos: bounded pieces of a long block. */
function* blocks(channels: Float32Array[]): Generator<Float32Array[]> {
  for (let pos = 0; pos < channels[0].length; pos += BLOCK_FRAMES) yield channels.map((x) => x.subarray(pos, pos + BLOCK_FRAMES));
}

/** Resolves when `w` can take more data again, or has closed (listeners removed either way). */
function drained(w: Writable): Promise<void> {
  return new Promise((resolve) => {
    if (w.destroyed) return resolve();
    const done = (): void => {
      w.off('drain', done);
      w.off('close', done);
      resolve();
    };
    w.on('drain', done);
    w.on('close', done);
  });
}

/** ffmpeg codec arguments for a FLAC or MP3 output of `nChannels`. */
function codecArgs(nChannels: number, opts: WriteOptions, path: string): string[] {
  if (opts.format === 'flac') {
    const depth = opts.bitDepth ?? 24;
    if (depth !== 16 && depth !== 24) throw new DemixError('USAGE', `${path}: FLAC is 16- or 24-bit, not ${depth}`, path);
    return ['-c:a', 'flac', '-sample_fmt', depth === 16 ? 's16' : 's32', ...(depth === 24 ? ['-bits_per_raw_sample', '24'] : []), '-f', 'flac'];
  }
  const kbps = opts.bitrate ?? 320;
  if (!(kbps >= 32 && kbps <= 320)) throw new DemixError('USAGE', `${path}: MP3 bit rate ${kbps} kbit/s is outside 32..320`, path);
  if (nChannels > 2) throw new DemixError('USAGE', `${path}: MP3 holds at most 2 channels, not ${nChannels}`, path);
  return ['-c:a', 'libmp3lame', '-b:a', `${Math.round(kbps)}k`, '-f', 'mp3'];
}

/** A WAV file written as blocks arrive; the header's sizes are filled in by end(). Creates `path`, which must not exist. */
async function openWavWriter(path: string, spec: WavSpec): Promise<AudioFileWriter> {
  const placeholder = wavHeader(spec, 0); // validates the spec; same length as the final header
  const file = await open(path, 'wx');
  let frames = 0;
  let at = placeholder.length; // byte offset of the next sample
  await file.write(placeholder, 0, placeholder.length, 0).catch(async (err: unknown) => {
    await file.close();
    throw err;
  });
  return {
    async write(channels) {
      wavHeader(spec, frames + channels[0].length); // TOO_LARGE before the file passes 4 GB
      for (const piece of blocks(channels)) {
        const bytes = wavSamples(piece, spec.bitDepth);
        await file.write(bytes, 0, bytes.length, at);
        at += bytes.length;
      }
      frames += channels[0].length;
    },
    async end() {
      try {
        if ((at - placeholder.length) & 1) await file.write(new Uint8Array(1), 0, 1, at); // RIFF pads odd chunks
        const header = wavHeader(spec, frames);
        await file.write(header, 0, header.length, 0);
      } finally {
        await file.close();
      }
    },
    async abort() {
      await file.close().catch(() => undefined);
    },
  };
}

/** A FLAC or MP3 file encoded by ffmpeg from f32le on its stdin as blocks arrive. */
function openFfmpegWriter(path: string, spec: { sampleRate: number; channels: number }, opts: WriteOptions, file: string): AudioFileWriter {
  const codec = codecArgs(spec.channels, opts, file);
  const args = ['-v', 'error', '-f', 'f32le', '-ar', String(spec.sampleRate), '-ac', String(spec.channels), '-i', 'pipe:0', ...codec, '-y', `file:${path}`];
  const run = startFfmpeg(args, { file, stdin: true });
  const stdin = run.child.stdin!;
  let broken = false;
  let timedOut = false;
  // ffmpeg exited early (its exit status tells why): stdin errors, or closes before a write even tries
  stdin.on('error', () => (broken = true));
  stdin.on('close', () => (broken = true));
  run.child.stdout!.resume();
  /** Waits for `p`, killing ffmpeg if that takes longer than ENCODER_WAIT_MS (then `p` settles as it exits). */
  const patiently = async <T>(p: Promise<T>): Promise<T> => {
    const timer = setTimeout(() => {
      timedOut = true;
      run.child.kill('SIGKILL');
    }, ENCODER_WAIT_MS);
    try {
      return await p;
    } finally {
      clearTimeout(timer);
    }
  };
  return {
    async write(channels) {
      for (const piece of blocks(channels)) {
        if (broken) return;
        if (!stdin.write(interleave(piece))) await patiently(drained(stdin));
      }
    },
    async end() {
      stdin.end();
      const res = await patiently(run.done);
      if (res.code !== 0 || timedOut) {
        const reason = timedOut ? 'timed out' : res.stderr.trim().split('\n').pop() ?? `exit ${res.code}`;
        throw new DemixError('ENCODE_FAILED', `${file}: encoding ${codec[codec.length - 1]} failed (${reason.slice(0, 200)})`, file);
      }
    },
    async abort() {
      run.child.kill('SIGKILL');
      await run.done.catch(() => undefined);
    },
  };
}

/**
 * Starts writing audio of `spec` to `path` (a fresh temp file: WAV refuses an existing one) as WAV, FLAC or
 * MP3, block by block; `file` names the output in errors (default `path`). Errors: USAGE (bad bit depth /
 * bit rate / channel count), BAD_AUDIO, FFMPEG_MISSING (from end()), and fs errors as they are.
 */
export async function openAudioWriter(path: string, spec: { sampleRate: number; channels: number }, opts: WriteOptions, file = path): Promise<AudioFileWriter> {
  if (opts.format === 'wav') {
    const depth = opts.bitDepth ?? 24;
    if (depth !== 16 && depth !== 24 && depth !== 32) throw new DemixError('USAGE', `${file}: WAV bit depth must be 16, 24 or 32, not ${depth}`, file);
    return openWavWriter(path, { ...spec, bitDepth: depth });
  }
  if (opts.format !== 'flac' && opts.format !== 'mp3') throw new DemixError('USAGE', `${file}: unknown output format "${String(opts.format)}"`, file);
  return openFfmpegWriter(path, spec, opts, file);
}

/**
 * Writes `audio` to `path` as WAV, FLAC or MP3, atomically (temp file + rename). Errors: OUTPUT_EXISTS,
 * OUTPUT_NOT_WRITABLE, NO_SPACE, USAGE (bad bit depth / bit rate / channel count), ENCODE_FAILED, BAD_AUDIO, TOO_LARGE.
 */
export async function writeAudio(path: string, audio: Audio, opts: WriteOptions): Promise<void> {
  if (opts.format !== 'wav' && (audio.channels.length === 0 || lengthOf(audio) === 0)) {
    throw new DemixError('BAD_AUDIO', `${path}: nothing to write (no samples)`, path);
  }
  if (audio.channels.some((ch) => ch.length !== lengthOf(audio))) throw new DemixError('BAD_AUDIO', `${path}: channels differ in length`, path);
  const spec = { sampleRate: audio.sampleRate, channels: audio.channels.length };
  await writeFileAtomic(path, async (tmp) => {
    const writer = await openAudioWriter(tmp, spec, opts, path);
    try {
      await writer.write(audio.channels);
      await writer.end();
    } catch (err) {
      await writer.abort();
      throw err;
    }
  }, { overwrite: opts.overwrite });
}
