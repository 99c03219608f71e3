// Shared by the model tests: seeded random spectrograms and the mask contract check.
import assert from 'node:assert/strict';
import type { Spectrogram } from '../../src/dsp/spectrogram.js';

/** A seeded random stereo spectrogram of `nFrames` frames and `nBins` bins. */
export function randomSpectrogram(nFrames: number, seed = 1, nBins = 2049): Spectrogram {
  let s = seed;
  const rnd = () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
  const ch = () => Float32Array.from({ length: nFrames * nBins }, rnd);
  return { nFrames, nBins, re: [ch(), ch()], im: [ch(), ch()] };
}

/** masks: [target][channel] of (nFrames * nBins): right shape, >= 0, summing to one over targets (sampled bins). */
export function assertMaskContract(masks: Float32Array[][], nTargets: number, nFrames: number, nBins: number, tolerance = 1e-4): void {
  assert.equal(masks.length, nTargets);
  for (const m of masks) {
    assert.equal(m.length, 2);
    for (const ch of m) assert.equal(ch.length, nFrames * nBins);
  }
  for (let c = 0; c < 2; c++) {
    for (let i = 0; i < nFrames * nBins; i += 53) {
      const sum = masks.reduce((acc, m) => acc + m[c][i], 0);
      assert.ok(Math.abs(sum - 1) < tolerance, `masks sum to ${sum} at channel ${c}, index ${i}`);
      for (const m of masks) assert.ok(m[c][i] >= 0);
    }
  }
}
