// Turns a file the user dropped into `Audio` (the worker makes it 44.1 kHz stereo), with clear messages for bad input.
import type { Audio } from '../../src/audio/audio.js';
import { looksLikeWav, parseWav } from '../../src/audio/wav.js';

export const WORK_RATE = 44100; // Hz: the rate the separation pipeline works at

/** A problem with the user's file, worded for the page. */
export class InputError extends Error {}

export interface InputLimits {
  maxBytes: number; // largest file accepted
  maxSeconds: number; // longest audio accepted
}

/** Bytes held per second of audio during a separation: mixture + stems (+ one spare copy), stereo float32. */
export function bytesPerSecond(stems: number): number {
  return WORK_RATE * 2 * 4 * (stems + 2);
}

/**
 * The limits for this device: half its memory (navigator.deviceMemory, in GB, capped by browsers at 8;
 * 4 when unknown) spent on the audio buffers of a 4-stem separation. `maxSeconds` / `maxMB` in the
 * page's query string override them (the tests use this).
 */
export function inputLimits(query: URLSearchParams, deviceMemoryGb: number | undefined): InputLimits {
  const budget = ((deviceMemoryGb ?? 4) * 2 ** 30) / 2;
  const maxSeconds = Number(query.get('maxSeconds')) || Math.floor(budget / bytesPerSecond(4));
  const maxBytes = (Number(query.get('maxMB')) || 1024) * 2 ** 20;
  return { maxBytes, maxSeconds };
}

/** Signatures of the containers browsers decode: used to tell "not audio" from "corrupt audio". */
function looksLikeAudio(head: Uint8Array): boolean {
  const ascii = (from: number, to: number) => String.fromCharCode(...head.subarray(from, to));
  return (
    looksLikeWav(head) ||
    ascii(0, 4) === 'fLaC' ||
    ascii(0, 4) === 'OggS' ||
    ascii(0, 3) === 'ID3' ||
    ascii(4, 8) === 'ftyp' ||
    ascii(0, 4) === 'FORM' ||
    (head[0] === 0x1a && head[1] === 0x45 && head[2] === 0xdf && head[3] === 0xa3) || // Matroska / WebM
    (head[0] === 0xff && (head[1] & 0xe0) === 0xe0) // MPEG audio frame sync (mp3, adts aac)
  );
}

function formatSeconds(s: number): string {
  return s >= 120 ? `${(s / 60).toFixed(1)} min` : `${s.toFixed(1)} s`;
}

async function decodeWithBrowser(bytes: ArrayBuffer, name: string): Promise<Audio> {
  // An OfflineAudioContext at the working rate: decodeAudioData resamples to it.
  const ctx = new OfflineAudioContext(2, 1, WORK_RATE);
  let buffer: AudioBuffer;
  try {
    buffer = await ctx.decodeAudioData(bytes);
  } catch {
    throw new InputError(`${name}: the file is corrupt or truncated, or its codec is not supported by this browser.`);
  }
  const channels: Float32Array[] = [];
  for (let c = 0; c < buffer.numberOfChannels; c++) channels.push(buffer.getChannelData(c));
  return { sampleRate: buffer.sampleRate, channels };
}

function decodeWav(bytes: Uint8Array, name: string): Audio {
  try {
    return parseWav(bytes, name);
  } catch (err) {
    throw new InputError((err as Error).message);
  }
}

/** Decodes `file` (any rate and channel count), enforcing `limits`; throws InputError with a one-line message. */
export async function decodeInput(file: File, limits: InputLimits): Promise<Audio> {
  const name = file.name || 'the file';
  if (file.size === 0) throw new InputError(`${name}: the file is empty.`);
  if (file.size > limits.maxBytes) {
    const mb = (n: number) => (n / 2 ** 20).toFixed(0);
    throw new InputError(`${name}: the file is too large (${mb(file.size)} MB; this page accepts up to ${mb(limits.maxBytes)} MB).`);
  }
  const bytes = new Uint8Array(await file.arrayBuffer());
  if (!looksLikeAudio(bytes.subarray(0, 16))) throw new InputError(`${name}: this is not an audio file.`);
  const decoded = looksLikeWav(bytes) ? decodeWav(bytes, name) : await decodeWithBrowser(bytes.buffer, name);
  const frames = decoded.channels[0]?.length ?? 0;
  if (frames === 0) throw new InputError(`${name}: the file contains no audio.`);
  const seconds = frames / decoded.sampleRate;
  if (seconds > limits.maxSeconds) {
    throw new InputError(
      `${name}: the song is too long for this device's memory (${formatSeconds(seconds)}; the limit here is ${formatSeconds(limits.maxSeconds)}).`,
    );
  }
  return decoded;
}
