// Writing Native Instruments Stems files (.stem.mp4) in Node: AAC encoding by the ffmpeg shipped in npm,
// then the NI manifest and track flags put in by the pure box rewrite of stems-mp4.ts.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Audio } from './audio.js';
import { lengthOf } from './audio.js';
import { toStereo } from './channels.js';
import { writeFileAtomic } from './atomic.js';
import { startFfmpeg } from './ffmpeg.js';
import { DemixError } from '../errors.js';
import { makeStemMp4, NI_STEM_ORDER, stemManifest, type NiStem } from './stems-mp4.js';

export interface StemFileContent {
  master: Audio; // the original mix
  stems: Record<NiStem, Audio>;
}

export interface StemFileOptions {
  bitrate?: number; // AAC bit rate per stream, bits/s (default 256000)
  names?: readonly string[]; // 4 display names, NI order (drums, bass, other, vocals)
  colors?: readonly string[]; // 4 colours '#RRGGBB', NI order
  overwrite?: boolean; // replace an existing file (default: refuse with OUTPUT_EXISTS)
}

const STEM_RATE = 44100; // Hz, what NI's format prescribes

/** Interleaved little-endian float32 stereo bytes of `audio` (any channels) padded/cut to `length` frames. */
function interleavedStereo(audio: Audio, length: number): Uint8Array {
  const out = new Float32Array(length * 2);
  const [left, right] = toStereo(audio).channels;
  const n = Math.min(length, left.length);
  for (let i = 0; i < n; i++) {
    out[2 * i] = left[i];
    out[2 * i + 1] = right[i];
  }
  return new Uint8Array(out.buffer);
}

/** Runs ffmpeg to encode `file`; a failure becomes one ENCODER line with ffmpeg's last message. */
async function runEncoder(args: string[], file: string, seconds: number): Promise<void> {
  const { child, done } = startFfmpeg(args, { timeoutMs: 120_000 + seconds * 1000, file });
  child.stdout?.resume();
  const r = await done;
  if (r.code === 0) return;
  const reason = r.timedOut ? 'timed out' : (r.stderr.trim().split('\n').pop() ?? `exit ${r.code}`);
  throw new DemixError('ENCODER', `${file}: ffmpeg failed to encode the stems (${reason})`, file);
}

/**
 * Writes an NI stem file: five AAC streams at 44.1 kHz (the master first, default and enabled; then
 * drums, bass, other, vocals) and the `stem` manifest with the given names and colours. Atomic.
 * All parts must share one sample rate; the stems are padded or cut to the master's length.
 */
export async function writeStemFile(path: string, content: StemFileContent, opts: StemFileOptions = {}): Promise<void> {
  const manifest = stemManifest(opts.names, opts.colors);
  const bitrate = opts.bitrate ?? 256000;
  if (!(bitrate >= 32000 && bitrate <= 512000)) throw new DemixError('usage', `AAC bit rate must be 32-512 kb/s, got ${Math.round(bitrate / 1000)} kb/s`);
  const parts: Audio[] = [content.master, ...NI_STEM_ORDER.map((s) => content.stems[s])];
  const rate = content.master.sampleRate;
  for (const [i, a] of parts.entries()) {
    if (!a || a.channels.length === 0) throw new DemixError('usage', `${path}: stem file part "${['master', ...NI_STEM_ORDER][i]}" has no audio`, path);
    if (a.sampleRate !== rate) throw new DemixError('usage', `${path}: all stem file parts must share one sample rate (${rate} Hz vs ${a.sampleRate} Hz)`, path);
  }
  const length = lengthOf(content.master);

  const dir = await mkdtemp(join(tmpdir(), 'demix-stem-'));
  try {
    const args = ['-v', 'error', '-y'];
    for (const [i, a] of parts.entries()) {
      const raw = join(dir, `${i}.f32`);
      await writeFile(raw, interleavedStereo(a, length));
      args.push('-f', 'f32le', '-ar', String(rate), '-ac', '2', '-i', raw);
    }
    for (let i = 0; i < parts.length; i++) args.push('-map', `${i}:a`);
    args.push('-c:a', 'aac', '-b:a', String(bitrate), '-ar', String(STEM_RATE), '-ac', '2');
    for (let i = 0; i < parts.length; i++) args.push(`-disposition:a:${i}`, i === 0 ? 'default' : '0');
    const encoded = join(dir, 'encoded.mp4');
    args.push('-f', 'mp4', encoded);
    await runEncoder(args, path, length / rate);
    const stemFile = makeStemMp4(new Uint8Array(await readFile(encoded)), manifest, path);
    await writeFileAtomic(path, stemFile, { overwrite: opts.overwrite });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
