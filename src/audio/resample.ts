// Sample-rate conversion (pure, Node and browser) with libsamplerate's band-limited sinc converter compiled to WASM.
// The output is time-aligned with the input and exactly round(length · target / source) frames long.
import LibSampleRate from '@alexanderolsen/libsamplerate-js';
import { DemixError } from '../errors.js';
import type { Audio } from './audio.js';
import { lengthOf } from './audio.js';

export type ResampleQuality = 'best' | 'medium' | 'fast';

const CONVERTERS: Record<ResampleQuality, 0 | 1 | 2> = { best: 0, medium: 1, fast: 2 }; // libsamplerate's SRC_SINC_*

/** Samples per converter call, in and out: libsamplerate-js's WASM buffers hold 1,008,000 floats. */
const CHUNK_SAMPLES = 500_000;

/**
 * `audio` converted to `targetRate` Hz. quality: 'medium' by default (SRC_SINC_MEDIUM_QUALITY, ~120 dB SNR,
 * 90 % of the band kept; 3× faster than 'best', see bench/audio-io.ts). Rates must be integers within a factor 256.
 */
export async function resample(audio: Audio, targetRate: number, quality: ResampleQuality = 'medium'): Promise<Audio> {
  const from = audio.sampleRate;
  if (!Number.isInteger(targetRate) || targetRate < 1) throw new DemixError('BAD_AUDIO', `cannot resample to ${targetRate} Hz`);
  if (targetRate === from) return audio;
  const ratio = targetRate / from;
  if (!(ratio >= 1 / 256 && ratio <= 256)) throw new DemixError('BAD_AUDIO', `cannot resample ${from} Hz to ${targetRate} Hz (ratio beyond 256)`);
  const nCh = audio.channels.length;
  const inLen = lengthOf(audio);
  const outLen = Math.round(inLen * ratio);
  const out = Array.from({ length: nCh }, () => new Float32Array(outLen)); // [ch][frame] at targetRate
  if (nCh === 0 || outLen === 0) return { sampleRate: targetRate, channels: out };

  const src = await LibSampleRate.create(nCh, from, targetRate, { converterType: CONVERTERS[quality] });
  try {
    const chunkFrames = Math.max(16, Math.floor(CHUNK_SAMPLES / (nCh * Math.max(1, ratio))));
    const block = new Float32Array(chunkFrames * nCh); // interleaved input block
    let written = 0;
    // Feed the input, then silence, until the converter has flushed every output frame (its latency is internal).
    for (let pos = 0; written < outLen; pos += chunkFrames) {
      const n = Math.max(0, Math.min(chunkFrames, inLen - pos));
      block.fill(0);
      for (let c = 0; c < nCh; c++) {
        const x = audio.channels[c];
        for (let i = 0, j = c; i < n; i++, j += nCh) block[j] = x[pos + i];
      }
      const y = src.full(block); // interleaved output frames produced by this call
      const frames = Math.min(y.length / nCh, outLen - written);
      for (let c = 0; c < nCh; c++) {
        const o = out[c];
        for (let i = 0, j = c; i < frames; i++, j += nCh) o[written + i] = y[j];
      }
      written += frames;
      if (pos > inLen + chunkFrames + Math.ceil(65536 / Math.min(1, ratio))) {
        throw new DemixError('RESAMPLE_FAILED', `resampler stopped producing output at frame ${written} of ${outLen}`);
      }
    }
  } finally {
    src.destroy();
  }
  return { sampleRate: targetRate, channels: out };
}
