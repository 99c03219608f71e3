// Sample-rate conversion (pure, Node and browser) with libsamplerate's band-limited sinc converter compiled to WASM,
// whole or block by block. The output is time-aligned with the input and exactly resampledLength(input) frames long.
import LibSampleRate from '@alexanderolsen/libsamplerate-js';
import { DemixError } from '../errors.js';
import type { Audio } from './audio.js';
import { lengthOf } from './audio.js';

export type ResampleQuality = 'best' | 'medium' | 'fast';

const CONVERTERS: Record<ResampleQuality, 0 | 1 | 2> = { best: 0, medium: 1, fast: 2 }; // libsamplerate's SRC_SINC_*

/** Samples per converter call, in and out: libsamplerate-js's WASM buffers hold 1,008,000 floats. */
const CHUNK_SAMPLES = 500_000;

/** Frames that `frames` input frames at `from` Hz become at `to` Hz. */
export function resampledLength(frames: number, from: number, to: number): number {
  return Math.round((frames * to) / from);
}

/** Throws BAD_AUDIO unless `to` is a positive integer within a factor 256 of `from` (Hz). */
function checkRates(from: number, to: number): void {
  if (!Number.isInteger(to) || to < 1) throw new DemixError('BAD_AUDIO', `cannot resample to ${to} Hz`);
  const ratio = to / from;
  if (!(ratio >= 1 / 256 && ratio <= 256)) throw new DemixError('BAD_AUDIO', `cannot resample ${from} Hz to ${to} Hz (ratio beyond 256)`);
}

type Converter = Awaited<ReturnType<typeof LibSampleRate.create>>;

/**
 * A converter fed consecutive blocks: push() returns the output frames ready so far (the converter holds back
 * its filter's latency), end() the rest, so that all the output together equals resampling the whole at once.
 */
export class Resampler {
  private inFrames = 0;
  private outFrames = 0;

  private constructor(
    private readonly src: Converter,
    private readonly nChannels: number,
    private readonly from: number,
    private readonly to: number,
    private readonly chunkFrames: number, // input frames per converter call
  ) {}

  /**
   * quality: 'medium' by default (SRC_SINC_MEDIUM_QUALITY, ~120 dB SNR, 90 % of the band kept; 3× faster than
   * 'best', see bench/audio-io.ts). Rates must be integers within a factor 256. Call destroy() when done.
   */
  static async create(nChannels: number, from: number, to: number, quality: ResampleQuality = 'medium'): Promise<Resampler> {
    checkRates(from, to);
    const src = await LibSampleRate.create(nChannels, from, to, { converterType: CONVERTERS[quality] });
    const chunkFrames = Math.max(16, Math.floor(CHUNK_SAMPLES / (nChannels * Math.max(1, to / from))));
    return new Resampler(src, nChannels, from, to, chunkFrames);
  }

  /** Converts the next input frames. block: [ch] of (frames) at `from` Hz; returns [ch] of (frames) at `to` Hz. */
  push(block: Float32Array[]): Float32Array[] {
    const n = block[0].length;
    this.inFrames += n;
    const pieces: Float32Array[] = []; // interleaved output of each converter call
    for (let pos = 0; pos < n; pos += this.chunkFrames) pieces.push(this.convert(block, pos, Math.min(this.chunkFrames, n - pos)));
    return this.planar(pieces, Infinity);
  }

  /** Flushes the converter with silence: the output frames still due, [ch] of (frames) at `to` Hz. */
  end(): Float32Array[] {
    const due = () => resampledLength(this.inFrames, this.from, this.to) - this.outFrames;
    const silence = Array.from({ length: this.nChannels }, () => new Float32Array(this.chunkFrames));
    const pieces: Float32Array[] = [];
    let produced = 0;
    const limit = this.chunkFrames + Math.ceil(65536 / Math.min(1, this.to / this.from)); // silence frames that must flush any latency
    for (let fed = 0; produced < due(); fed += this.chunkFrames) {
      if (fed > limit) throw new DemixError('RESAMPLE_FAILED', `resampler stopped producing output at frame ${this.outFrames + produced} of ${resampledLength(this.inFrames, this.from, this.to)}`);
      const y = this.convert(silence, 0, this.chunkFrames);
      pieces.push(y);
      produced += y.length / this.nChannels;
    }
    return this.planar(pieces, due());
  }

  destroy(): void {
    this.src.destroy();
  }

  /** Runs the converter on frames [pos, pos + n) of `block` ([ch] of frames); returns its interleaved output. */
  private convert(block: Float32Array[], pos: number, n: number): Float32Array {
    const nCh = this.nChannels;
    const input = new Float32Array(n * nCh); // interleaved
    for (let c = 0; c < nCh; c++) {
      const x = block[c];
      for (let i = 0, j = c; i < n; i++, j += nCh) input[j] = x[pos + i];
    }
    return this.src.full(input);
  }

  /** Interleaved pieces as planar channels, at most `max` frames: [ch] of (frames). */
  private planar(pieces: Float32Array[], max: number): Float32Array[] {
    const nCh = this.nChannels;
    const frames = Math.min(max, pieces.reduce((s, y) => s + y.length / nCh, 0));
    const out = Array.from({ length: nCh }, () => new Float32Array(frames));
    let at = 0;
    for (const y of pieces) {
      const take = Math.min(y.length / nCh, frames - at);
      for (let c = 0; c < nCh; c++) {
        const o = out[c];
        for (let i = 0, j = c; i < take; i++, j += nCh) o[at + i] = y[j];
      }
      at += take;
    }
    this.outFrames += frames;
    return out;
  }
}

/** `audio` converted to `targetRate` Hz (see Resampler.create for `quality` and the limits). */
export async function resample(audio: Audio, targetRate: number, quality: ResampleQuality = 'medium'): Promise<Audio> {
  if (targetRate === audio.sampleRate) return audio;
  checkRates(audio.sampleRate, targetRate);
  const nCh = audio.channels.length;
  const outLen = resampledLength(lengthOf(audio), audio.sampleRate, targetRate);
  if (nCh === 0 || outLen === 0) return { sampleRate: targetRate, channels: Array.from({ length: nCh }, () => new Float32Array(outLen)) };
  const r = await Resampler.create(nCh, audio.sampleRate, targetRate, quality);
  try {
    const out = Array.from({ length: nCh }, () => new Float32Array(outLen)); // [ch][frame] at targetRate
    let written = 0;
    const put = (y: Float32Array[]): void => {
      y.forEach((x, c) => out[c].set(x, written));
      written += y[0].length;
    };
    const step = 16 * 65536; // input frames per push: bounds the converter's output held at once
    for (let pos = 0; pos < lengthOf(audio); pos += step) put(r.push(audio.channels.map((x) => x.subarray(pos, pos + step))));
    put(r.end());
    return { sampleRate: targetRate, channels: out };
  } finally {
    r.destroy();
  }
}
