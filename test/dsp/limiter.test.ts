import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dbToGain, gainToDb, limit, normalizePeak, samplePeak, truePeak } from '../../src/dsp/limiter.js';

const SR = 44100;

function sine(freq: number, amp: number, seconds: number, phase = 0): Float32Array {
  const x = new Float32Array(Math.round(seconds * SR));
  for (let i = 0; i < x.length; i++) x[i] = amp * Math.sin((2 * Math.PI * freq * i) / SR + phase);
  return x;
}

test('true peak finds the inter-sample peak that sample peak misses', () => {
  // fs/4 sine sampled at +-45 degrees: every sample is 0.707 of the real peak.
  const x = sine(SR / 4, 1, 0.1, Math.PI / 4);
  assert.ok(Math.abs(samplePeak([x]).peak - Math.SQRT1_2) < 1e-3);
  const tp = truePeak([x]);
  assert.ok(tp > 0.98 && tp < 1.02, `true peak ${tp}`);
});

test('limiter keeps every sample and the true peak under the ceiling and leaves quiet parts alone', () => {
  const quiet = sine(440, 0.25, 0.5);
  const loud = sine(3000, 2.5, 0.5);
  const x = new Float32Array(quiet.length + loud.length + quiet.length);
  x.set(quiet, 0);
  x.set(loud, quiet.length);
  x.set(quiet, quiet.length + loud.length);
  const r = limit([x, x.map((v) => -v)], SR, { ceilingDb: -1 });
  const ceiling = dbToGain(-1);
  assert.ok(samplePeak(r.channels).peak <= ceiling + 1e-6);
  assert.ok(r.truePeakDb <= -1 + 1e-3, `true peak ${r.truePeakDb} ${r.maxReductionDb}`);
  assert.ok(r.maxReductionDb > 8 && r.maxReductionDb < 10, `reduction ${r.maxReductionDb}`);
  // Well before the loud part the signal passes unchanged.
  for (let i = 0; i < 10000; i++) assert.ok(Math.abs(r.channels[0][i] - x[i]) < 1e-6);
});

test('normalizePeak lands the true peak on the ceiling', () => {
  const x = sine(1000, 0.1, 0.2);
  const r = normalizePeak([x], -1);
  assert.ok(Math.abs(gainToDb(truePeak(r.channels)) + 1) < 0.01);
  assert.ok(r.gainDb > 18);
});
