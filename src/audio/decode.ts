// Reading any audio file into planar float Audio (Node): WAV in pure TypeScript, everything else (FLAC, MP3,
// Ogg Vorbis, Opus, AAC/M4A, the five streams of a .stem.mp4) through ffmpeg decoding to f32le on pipes.
import { open, readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { DemixError, isDemixError } from '../errors.js';
import type { Audio } from './audio.js';
import { pathError } from './discover.js';
import { decodeError, startFfmpeg } from './ffmpeg.js';
import { PcmSink } from './pcm-sink.js';
import { probeFile, type AudioStreamInfo, type ProbeInfo } from './probe.js';
import { NI_STEM_ORDER, readStemManifest, type NiStem } from './stems-mp4.js';
import { readWavFile } from './wav-file.js';
import { looksLikeWav } from './wav.js';

export { AUDIO_EXTENSIONS } from './discover.js';

export interface DecodeOptions {
  stream?: number; // which audio stream (0 = first; a .stem.mp4 has the mixture at 0, then NI_STEM_ORDER)
  timeoutMs?: number; // kill ffmpeg after this long (default: 60 s + 4 s per MB of file)
  maxSeconds?: number; // refuse audio longer than this (TOO_LONG; default 4 hours)
  signal?: AbortSignal; // aborting kills the decoder and rejects with the signal's reason
}

const DEFAULT_MAX_SECONDS = 4 * 3600;
/** Decoded frames per byte of file that a first allocation assumes (128 kbit/s MP3 ≈ 2.8, 32 kbit/s Opus ≈ 12). */
const FRAMES_PER_BYTE = 16;
/** Past 10 minutes, more frames per byte than this is a decompression bomb (FLAC of pure silence stays below). */
const MAX_FRAMES_PER_BYTE = 4096;

/** Checks that `path` is a non-empty file; returns its size in bytes. NOT_FOUND, IS_DIRECTORY, EMPTY_FILE. */
async function checkFile(path: string): Promise<number> {
  let size: number;
  try {
    const s = await stat(path);
    if (s.isDirectory()) throw new DemixError('IS_DIRECTORY', `${path}: is a folder, not an audio file`, path);
    size = s.size;
  } catch (err) {
    throw pathError(err, path);
  }
  if (size === 0) throw new DemixError('EMPTY_FILE', `${path}: file is empty (0 bytes)`, path);
  return size;
}

async function readHead(path: string, n: number): Promise<Uint8Array> {
  const fh = await open(path, 'r').catch((err: unknown) => {
    throw pathError(err, path);
  });
  try {
    const buf = new Uint8Array(n);
    const { bytesRead } = await fh.read(buf, 0, n, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

function defaultTimeout(size: number): number {
  return 60_000 + (4_000 * size) / 1e6;
}

/**
 * Decodes audio streams `indices` of `path` in one ffmpeg run, each at its own native rate and channel count.
 * The first goes to stdout, the others to pipes 3, 4, ... Returns one Audio per index.
 */
async function decodeStreams(path: string, probe: ProbeInfo, indices: number[], size: number, opts: DecodeOptions): Promise<Audio[]> {
  const timeoutMs = opts.timeoutMs ?? defaultTimeout(size);
  const maxSeconds = opts.maxSeconds ?? DEFAULT_MAX_SECONDS;
  const infos: AudioStreamInfo[] = indices.map((i) => {
    const s = probe.streams[i];
    if (!s) throw new DemixError('NO_SUCH_STREAM', `${path}: has ${probe.streams.length} audio stream(s), no stream ${i}`, path);
    if (s.sampleRate <= 0 || s.channels <= 0) {
      throw new DemixError('UNSUPPORTED_CODEC', `${path}: cannot tell the sample rate or channel count of audio stream ${i} (${s.codec})`, path);
    }
    return s;
  });
  opts.signal?.throwIfAborted(); // it may have fired while probing
  const args = ['-protocol_whitelist', 'file', '-i', `file:${resolve(path)}`, '-v', 'error'];
  infos.forEach((s, k) => {
    const out = k === 0 ? 'pipe:1' : `pipe:${k + 2}`;
    args.push('-map', `0:a:${indices[k]}`, '-vn', '-sn', '-dn', '-f', 'f32le', '-acodec', 'pcm_f32le', '-ac', String(s.channels), '-ar', String(s.sampleRate), out);
  });
  const run = startFfmpeg(args, { timeoutMs, file: path, extraOutputs: indices.length - 1 });
  const sinks = infos.map((s) => {
    // Neither the container's duration nor the decoder's output is trusted beyond what the file size makes plausible.
    const plausible = size * FRAMES_PER_BYTE + s.sampleRate * 10;
    const hint = Math.min(plausible, probe.duration !== undefined ? Math.ceil((probe.duration + 1) * s.sampleRate) : s.sampleRate * 60);
    const limit = Math.min(maxSeconds * s.sampleRate, Math.max(600 * s.sampleRate, size * MAX_FRAMES_PER_BYTE));
    return new PcmSink(s.sampleRate, s.channels, hint, Math.ceil(limit), path);
  });
  let failure: unknown;
  const abort = (): void => {
    failure ??= opts.signal!.reason;
    run.child.kill('SIGKILL');
  };
  opts.signal?.addEventListener('abort', abort, { once: true });
  sinks.forEach((sink, k) => {
    const pipe = run.child.stdio[k === 0 ? 1 : k + 2] as NodeJS.ReadableStream;
    pipe.on('data', (chunk: Buffer) => {
      if (failure !== undefined) return;
      try {
        sink.add(chunk);
      } catch (err) {
        failure = err;
        run.child.kill('SIGKILL');
      }
    });
  });
  const res = await run.done.finally(() => opts.signal?.removeEventListener('abort', abort));
  if (failure !== undefined) throw failure;
  if (res.timedOut) throw new DemixError('TIMEOUT', `${path}: decoding took longer than ${Math.round(timeoutMs / 1000)} s`, path);
  if (res.code !== 0) throw decodeError(res.stderr, path);
  return sinks.map((sink, k) => {
    if (sink.length === 0) throw new DemixError('ZERO_LENGTH', `${path}: contains no audio samples (zero length)`, path);
    checkComplete(path, probe, sink.length / infos[k].sampleRate);
    return sink.finish();
  });
}

/**
 * A decode that ends well short of the duration the container declares means a truncated file. Durations that
 * ffmpeg only estimated from the bit rate (MP3 without a Xing header) are not trusted.
 */
function checkComplete(path: string, probe: ProbeInfo, seconds: number): void {
  if (probe.duration === undefined || probe.durationEstimated) return;
  if (seconds < 0.95 * probe.duration - 0.1) {
    throw new DemixError('TRUNCATED', `${path}: file is truncated or corrupt (decoded ${seconds.toFixed(1)} s of ${probe.duration.toFixed(1)} s)`, path);
  }
}

async function probeChecked(path: string, opts: DecodeOptions): Promise<ProbeInfo> {
  const probe = await probeFile(resolve(path), path, Math.min(opts.timeoutMs ?? 30_000, 30_000));
  if (probe.streams.length === 0) throw new DemixError('NOT_AUDIO', `${path}: contains no audio stream`, path);
  // Keep the container duration only when it is plausible, so a corrupt header cannot trigger a huge pre-allocation.
  if (probe.duration !== undefined && !(probe.duration < (opts.maxSeconds ?? DEFAULT_MAX_SECONDS))) delete probe.duration;
  return probe;
}

/**
 * Decodes one audio stream of a file at its native sample rate and channel count.
 * Errors (DemixError codes): NOT_FOUND, IS_DIRECTORY, NOT_READABLE, EMPTY_FILE, NOT_AUDIO, TRUNCATED, CORRUPT,
 * UNSUPPORTED_CODEC, ZERO_LENGTH, NO_SUCH_STREAM, TOO_LONG, TIMEOUT, FFMPEG_MISSING.
 */
export async function decodeFile(path: string, opts: DecodeOptions = {}): Promise<Audio> {
  opts.signal?.throwIfAborted();
  const size = await checkFile(path);
  const stream = opts.stream ?? 0;
  if (stream === 0 && looksLikeWav(await readHead(path, 12))) {
    try {
      return await readWavFile(path);
    } catch (err) {
      if (!isDemixError(err, 'UNSUPPORTED_CODEC')) throw pathError(err, path); // ADPCM, A-law...: let ffmpeg try
    }
  }
  const probe = await probeChecked(path, opts);
  const [audio] = await decodeStreams(path, probe, [stream], size, opts);
  return audio;
}

export interface StemFile {
  mixture: Audio;
  stems: Record<NiStem, Audio>; // all conformed to the mixture's length
  metadata?: unknown; // the NI `stem` JSON manifest, when the file has one
}

/** `audio` cut or zero-padded to `n` frames (stems of a .stem.mp4 may differ by an AAC frame). */
function withLength(audio: Audio, n: number): Audio {
  return {
    sampleRate: audio.sampleRate,
    channels: audio.channels.map((x) => {
      if (x.length === n) return x;
      const y = new Float32Array(n);
      y.set(x.subarray(0, n));
      return y;
    }),
  };
}

/**
 * Reads a Native Instruments stem file: stream 0 is the mixture, streams 1-4 are drums, bass, other, vocals.
 * Errors: those of decodeFile, and NOT_STEM_FILE when the file has fewer than five audio streams.
 */
export async function readStemFile(path: string, opts: Omit<DecodeOptions, 'stream'> = {}): Promise<StemFile> {
  opts.signal?.throwIfAborted();
  const size = await checkFile(path);
  const probe = await probeChecked(path, opts);
  if (probe.streams.length < 5) {
    throw new DemixError('NOT_STEM_FILE', `${path}: has ${probe.streams.length} audio stream(s); a stem file has 5 (mixture + 4 stems)`, path);
  }
  const [mixture, ...rest] = await decodeStreams(path, probe, [0, 1, 2, 3, 4], size, opts);
  const n = mixture.channels[0].length;
  const stems = Object.fromEntries(NI_STEM_ORDER.map((name, i) => [name, withLength(rest[i], n)])) as Record<NiStem, Audio>;
  let metadata: unknown;
  try {
    metadata = readStemManifest(await readFile(path), path);
  } catch {
    metadata = undefined; // a damaged manifest does not make the audio unusable
  }
  return metadata === undefined ? { mixture, stems } : { mixture, stems, metadata };
}
