import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Stft, magnitude } from '../../src/dsp/stft.js';
import { wiener } from '../../src/dsp/wiener.js';
import type { Spectrogram } from '../../src/dsp/spectrogram.js';
import { DemixError } from '../../src/errors.js';
import { base64Floats, lcg, maxRelativeError } from './signals.js';

const SR = 16000;

/** Two stereo sources: a harmonic tone panned left and white noise panned right, 1 s each: [source][ch][samples]. */
function sources(): Float32Array[][] {
  const n = SR;
  const tone = new Float32Array(n);
  for (let i = 0; i < n; i++) for (let h = 1; h <= 8; h++) tone[i] += (0.5 / h) * Math.sin((2 * Math.PI * 220 * h * i) / SR);
  const r = lcg(7);
  const noise = new Float32Array(n).map(() => 0.4 * (r() - 0.5));
  const pan = (x: Float32Array, l: number, rr: number) => [x.map((v) => v * l), x.map((v) => v * rr)];
  return [pan(tone, 0.9, 0.3), pan(noise, 0.25, 0.85)];
}

function add(a: Spectrogram, b: Spectrogram): Spectrogram {
  return { ...a, re: a.re.map((x, c) => x.map((v, i) => v + b.re[c][i])), im: a.im.map((x, c) => x.map((v, i) => v + b.im[c][i])) };
}

/** Σ |Y − S|² / Σ |S|² over sources, channels and bins. */
function relativeError(est: Spectrogram[], truth: Spectrogram[]): number {
  let err = 0;
  let ref = 0;
  truth.forEach((s, j) =>
    s.re.forEach((re, c) => {
      for (let i = 0; i < re.length; i++) {
        err += (est[j].re[c][i] - re[i]) ** 2 + (est[j].im[c][i] - s.im[c][i]) ** 2;
        ref += re[i] ** 2 + s.im[c][i] ** 2;
      }
    }),
  );
  return err / ref;
}

function assertSumsToMix(est: Spectrogram[], mix: Spectrogram): void {
  for (let c = 0; c < mix.re.length; c++) {
    for (let i = 0; i < mix.re[c].length; i++) {
      const sr = est.reduce((s, e) => s + e.re[c][i], 0);
      const si = est.reduce((s, e) => s + e.im[c][i], 0);
      const tol = 1e-4 * (1 + Math.abs(mix.re[c][i]) + Math.abs(mix.im[c][i]));
      assert.ok(Math.abs(sr - mix.re[c][i]) < tol && Math.abs(si - mix.im[c][i]) < tol, `bin ${i} ch ${c}`);
    }
  }
}

test('Wiener EM lowers the error of noisy estimates of two panned sources, and the estimates sum to the mixture', async () => {
  const stft = await Stft.create({ nFft: 512, hop: 128 });
  const truth = sources().map((s) => stft.forward(s));
  const mix = add(truth[0], truth[1]);
  // Noisy magnitude estimates: each true magnitude scaled by a random factor, plus leakage from the other source.
  const r = lcg(3);
  const trueMags = truth.map((s) => magnitude(s));
  const estimates = trueMags.map((m, j) => m.map((ch, c) => ch.map((v, i) => v * Math.exp(0.8 * (r() - 0.5) * 2) + 0.4 * trueMags[1 - j][c][i])));
  const errors = [0, 1, 3].map((it) => {
    const est = wiener(mix, estimates, it);
    assertSumsToMix(est, mix);
    return relativeError(est, truth);
  });
  assert.ok(errors[1] < 0.6 * errors[0], `EM x1 ${errors[1]} vs soft masks ${errors[0]}`);
  assert.ok(errors[2] < errors[1], `EM x3 ${errors[2]} vs EM x1 ${errors[1]}`);
});

test('with α = 1 the stereo images alone lower the error of two panned noises sharing every bin', async () => {
  const stft = await Stft.create({ nFft: 512, hop: 128 });
  const r = lcg(5);
  const swell = (phase: number) => Float32Array.from({ length: SR }, (_, i) => Math.sin((2 * Math.PI * 2 * i) / SR + phase) ** 2 * (r() - 0.5));
  const pan = (x: Float32Array, l: number, rr: number) => [x.map((v) => v * l), x.map((v) => v * rr)];
  const truth = [pan(swell(0), 0.95, 0.2), pan(swell(Math.PI / 2), 0.2, 0.95)].map((s) => stft.forward(s)); // loud in turn
  const mix = add(truth[0], truth[1]);
  const trueMags = truth.map((s) => magnitude(s));
  const estimates = trueMags.map((m, j) => m.map((ch, c) => ch.map((v, i) => v * Math.exp(0.6 * (r() - 0.5)) + 0.5 * trueMags[1 - j][c][i])));
  const soft = relativeError(wiener(mix, estimates, 0), truth);
  const est = wiener(mix, estimates, 1, { exponent: 1 });
  assertSumsToMix(est, mix);
  const filtered = relativeError(est, truth);
  assert.ok(filtered < 0.5 * soft, `EM x1 with α = 1 ${filtered} vs soft masks ${soft}`);
});

test('with α = 1 an EM step leaves soft masks alone where every source has the same stereo image; α = 2 sharpens them', async () => {
  const stft = await Stft.create({ nFft: 256, hop: 64 });
  const tones = sources().map((s) => s[0].subarray(0, 4000));
  const mono = tones[0].map((v, i) => v + tones[1][i]);
  const mix = stft.forward([mono, mono.map((v) => 0.5 * v)]); // one panned-mono image for both sources
  const size = mix.nFrames * mix.nBins;
  const r = lcg(11);
  const share = new Float32Array(size).map(() => 0.1 + 0.8 * r()); // source 0's mask, the same in both channels
  const mags = magnitude(mix);
  const estimates = [share, share.map((m) => 1 - m)].map((m) => mags.map((ch) => ch.map((v, i) => v * m[i])));
  const maskOf = (y: Spectrogram, i: number) => (y.re[0][i] * mix.re[0][i] + y.im[0][i] * mix.im[0][i]) / (mix.re[0][i] ** 2 + mix.im[0][i] ** 2);
  const loud = Array.from({ length: size }, (_, i) => i).filter((i) => mags[0][i] > 1e-3 * Math.max(...mags[0].subarray(0, mix.nBins * 4)));
  const [magnitudeStep] = wiener(mix, estimates, 1, { exponent: 1 });
  const [powerStep] = wiener(mix, estimates, 1);
  const worst = Math.max(...loud.map((i) => Math.abs(maskOf(magnitudeStep, i) - share[i])));
  assert.ok(worst < 1e-3, `α = 1 moved a mask by ${worst}`);
  const sharpened = loud.filter((i) => Math.abs(maskOf(powerStep, i) - share[i] ** 2 / (share[i] ** 2 + (1 - share[i]) ** 2)) < 1e-3);
  assert.ok(sharpened.length > 0.99 * loud.length, `α = 2 gave power-ratio masks in ${sharpened.length} of ${loud.length} bins`);
  for (const exponent of [0, -1, 5, Number.NaN]) assert.throws(() => wiener(mix, estimates, 1, { exponent }), DemixError);
});

test('soft masks follow the magnitude ratio; silent estimates split the mixture evenly; mono works; bad input is refused', async () => {
  const stft = await Stft.create({ nFft: 64, hop: 16 });
  const x = sources().map((s) => s.map((ch) => ch.subarray(0, 400)));
  const mix = stft.forward([x[0][0], x[0][1]]);
  const size = mix.nFrames * mix.nBins;
  const ones = () => [new Float32Array(size).fill(1), new Float32Array(size).fill(1)];
  const [a, b] = wiener(mix, [ones().map((c) => c.fill(3)), ones()], 0);
  assert.ok(Math.abs(a.re[0][5] - 0.75 * mix.re[0][5]) < 1e-6 && Math.abs(b.im[1][9] - 0.25 * mix.im[1][9]) < 1e-6);
  const zeros = () => [new Float32Array(size), new Float32Array(size)];
  for (const it of [0, 2]) {
    const even = wiener(mix, [zeros(), zeros()], it);
    assert.ok(Math.abs(even[0].re[0][7] - 0.5 * mix.re[0][7]) < 1e-5);
    assertSumsToMix(even, mix);
  }
  const mono = stft.forward([x[0][0]]);
  const monoEst = wiener(mono, [[magnitude(mono)[0]], [new Float32Array(size).fill(0.01)]], 2);
  assertSumsToMix(monoEst, mono);
  assert.throws(() => wiener(mix, [[new Float32Array(3), new Float32Array(3)]], 1), DemixError);
  assert.throws(() => wiener(mix, [ones()], -1), DemixError);
});

test('matches a float64 numpy transcription of norbert\'s EM plus the mixture-consistency step (fixture from train/make_wiener_fixture.py)', () => {
  const fx = JSON.parse(readFileSync(new URL('../fixtures/wiener-em.json', import.meta.url), 'utf8'));
  const size = fx.nFrames * fx.nBins;
  const planes = (b64: string, n: number) => Array.from({ length: n }, (_, k) => base64Floats(b64).subarray(k * size, (k + 1) * size));
  const mix: Spectrogram = { nFrames: fx.nFrames, nBins: fx.nBins, re: planes(fx.mixRe, 2), im: planes(fx.mixIm, 2) };
  const est = planes(fx.estimates, fx.sources * 2);
  const estimates = Array.from({ length: fx.sources }, (_, j) => [est[2 * j], est[2 * j + 1]]);
  for (const r of fx.results) {
    const got = wiener(mix, estimates, r.iterations);
    const flat = (parts: (s: Spectrogram) => Float32Array[]) => Float32Array.from(got.flatMap((s) => parts(s).flatMap((p) => Array.from(p))));
    const eRe = maxRelativeError(flat((s) => s.re), base64Floats(r.re));
    const eIm = maxRelativeError(flat((s) => s.im), base64Floats(r.im));
    assert.ok(eRe < 1e-4 && eIm < 1e-4, `${r.iterations} iterations: errors ${eRe}, ${eIm}`);
  }
});
