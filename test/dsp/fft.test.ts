import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRealFft, isValidFftSize } from '../../src/dsp/fft.js';
import { DemixError } from '../../src/errors.js';
import { noise } from './signals.js';

/** Direct O(n²) DFT in float64: x (n) → [re, im] (n/2+1). */
function naiveDft(x: Float32Array): [Float64Array, Float64Array] {
  const n = x.length;
  const re = new Float64Array(n / 2 + 1);
  const im = new Float64Array(n / 2 + 1);
  for (let k = 0; k <= n / 2; k++) {
    for (let j = 0; j < n; j++) {
      const a = (-2 * Math.PI * ((j * k) % n)) / n;
      re[k] += x[j] * Math.cos(a);
      im[k] += x[j] * Math.sin(a);
    }
  }
  return [re, im];
}

for (const n of [32, 96, 160, 512, 4096]) {
  test(`forward FFT of size ${n} matches a naive DFT, and inverse restores the input`, async () => {
    const fft = await createRealFft(n);
    const x = noise(n, n);
    const re = new Float32Array(n / 2 + 1);
    const im = new Float32Array(n / 2 + 1);
    fft.forward(x, re, im);
    const [er, ei] = naiveDft(x);
    let err = 0;
    let ref = 0;
    for (let k = 0; k <= n / 2; k++) {
      err = Math.max(err, Math.hypot(re[k] - er[k], im[k] - ei[k]));
      ref = Math.max(ref, Math.hypot(er[k], ei[k]));
    }
    assert.ok(err / ref < 1e-5, `relative error ${err / ref}`);
    assert.equal(im[0], 0);
    assert.equal(im[n / 2], 0);
    const y = new Float32Array(n);
    fft.inverse(re, im, y);
    let maxDiff = 0;
    for (let i = 0; i < n; i++) maxDiff = Math.max(maxDiff, Math.abs(y[i] - x[i]));
    assert.ok(maxDiff < 1e-6, `round trip error ${maxDiff}`);
    fft.dispose();
  });
}

test('sizes PFFFT cannot do are refused with a DemixError', async () => {
  assert.equal(isValidFftSize(4096), true);
  assert.equal(isValidFftSize(96), true);
  assert.equal(isValidFftSize(48), false);
  for (const n of [0, 16, 100, 4095, 32 * 7]) {
    assert.equal(isValidFftSize(n), false);
    await assert.rejects(createRealFft(n), (e: unknown) => e instanceof DemixError && e.code === 'BAD_FFT_SIZE');
  }
});

test('an FFT keeps working after another one grows the WASM memory', async () => {
  const small = await createRealFft(64);
  const before = small.buffer();
  const big = await createRealFft(2 ** 22); // 2 x 16 MB of buffers: more than the initial WASM heap
  const x = noise(64, 5);
  const re = new Float32Array(33);
  const im = new Float32Array(33);
  small.forward(x, re, im);
  const y = new Float32Array(64);
  small.inverse(re, im, y);
  assert.ok(y.every((v, i) => Math.abs(v - x[i]) < 1e-6));
  assert.notEqual(small.buffer().buffer, before.buffer);
  assert.equal(small.buffer().length, 64);
  big.dispose();
  small.dispose();
});
