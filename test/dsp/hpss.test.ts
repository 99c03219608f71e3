import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hpss, medianAlongFrequency, medianAlongTime } from '../../src/dsp/hpss.js';
import { DemixError } from '../../src/errors.js';
import { lcg } from './signals.js';

/** Values on a coarse grid (0, 0.1, ..., 4.9), so that ties exercise the sorted-window updates: (n). */
function rand(n: number, seed: number): Float32Array {
  const r = lcg(seed);
  return new Float32Array(n).map(() => Math.floor(r() * 50) / 10);
}

const reflect = (i: number, n: number): number => {
  while (i < 0 || i >= n) i = i < 0 ? -i - 1 : 2 * n - i - 1;
  return i;
};

/** Reference: sort each window from scratch. */
function naiveMedian(x: Float32Array, nFrames: number, nBins: number, k: number, alongTime: boolean): Float32Array {
  const out = new Float32Array(x.length);
  const r = (k - 1) / 2;
  for (let t = 0; t < nFrames; t++) {
    for (let f = 0; f < nBins; f++) {
      const w: number[] = [];
      for (let j = -r; j <= r; j++) w.push(alongTime ? x[reflect(t + j, nFrames) * nBins + f] : x[t * nBins + reflect(f + j, nBins)]);
      w.sort((a, b) => a - b);
      out[t * nBins + f] = w[r];
    }
  }
  return out;
}

test('sliding medians equal sorting every window (scipy reflect edges, windows longer than the signal)', () => {
  for (const [nFrames, nBins, k] of [[40, 33, 17], [7, 5, 31], [100, 9, 3], [1, 1, 1]] as const) {
    const x = rand(nFrames * nBins, nFrames * 31 + k);
    assert.deepEqual(medianAlongTime(x, nFrames, nBins, k), naiveMedian(x, nFrames, nBins, k, true));
    assert.deepEqual(medianAlongFrequency(x, nFrames, nBins, k), naiveMedian(x, nFrames, nBins, k, false));
  }
});

test('a sustained tone goes to the harmonic mask, a click to the percussive mask; masks sum to 1', () => {
  const nFrames = 60;
  const nBins = 129;
  const mag = new Float32Array(nFrames * nBins).fill(0.01);
  for (let t = 0; t < nFrames; t++) mag[t * nBins + 40] = 5; // tone at bin 40
  for (let f = 0; f < nBins; f++) mag[30 * nBins + f] += 3; // click at frame 30
  const { harmonic, percussive } = hpss(mag, nFrames, nBins);
  assert.ok(harmonic[10 * nBins + 40] > 0.99);
  assert.ok(percussive[30 * nBins + 90] > 0.99);
  for (let i = 0; i < mag.length; i++) assert.ok(Math.abs(harmonic[i] + percussive[i] - 1) < 1e-6);
  const zero = hpss(new Float32Array(4 * 3), 4, 3);
  assert.ok(zero.harmonic.every((v) => v === 0.5));
  const strict = hpss(mag, nFrames, nBins, { margin: 2, power: 1 });
  assert.ok(strict.harmonic.every((v, i) => v + strict.percussive[i] <= 1 + 1e-6));
  assert.throws(() => hpss(mag, nFrames, nBins, { harmonicKernel: 16 }), DemixError);
});
