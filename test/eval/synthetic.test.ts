// BSS Eval, SI-SDR and MDX SDR on synthetic signals whose scores theory predicts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Audio } from '../../src/audio/audio.js';
import { isDemixError } from '../../src/errors.js';
import { bssEval } from '../../src/eval/bsseval.js';
import type { BssEvalScores } from '../../src/eval/bsseval.js';
import { evalTrack, nanMedian, roundMetric, roundToPcm16 } from '../../src/eval/aggregate.js';
import { siSdr, trackSdr } from '../../src/eval/sisdr.js';

const SR = 44100;
const N = 3 * SR; // three 1-s frames

/** Seeded white noise in [-0.5, 0.5). */
function noise(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32 - 0.5);
}

/** Two independent stereo white-noise sources [2][2][N]. */
const refs = [0, 1].map((j) => [0, 1].map((c) => noise(N, 100 + 10 * j + c)));
const map = (src: Float32Array[], f: (v: number, i: number, ch: Float32Array, c: number) => number) =>
  src.map((ch, c) => Float32Array.from(ch, (v, i) => f(v, i, ch, c)));
const median = (s: BssEvalScores, metric: 'sdr' | 'isr' | 'sir' | 'sar', j = 0) => nanMedian(s[metric][j]);
const db = (ratio: number) => 10 * Math.log10(ratio);

test('a perfect estimate scores very high on every metric', () => {
  const s = bssEval(refs, refs);
  for (const m of ['sdr', 'isr', 'sir', 'sar'] as const) {
    for (const v of s[m].flatMap((x) => [...x])) assert.ok(v > 100, `${m} ${v}`); // Infinity where exact
  }
});

test('a scaled copy: SDR = ISR = -20 log10|1 - g|, interference and artifacts free', () => {
  const s = bssEval(refs, [map(refs[0], (v) => 0.5 * v), refs[1]]);
  assert.ok(Math.abs(median(s, 'sdr') - db(4)) < 0.01, `sdr ${median(s, 'sdr')}`);
  assert.ok(Math.abs(median(s, 'isr') - db(4)) < 0.01, `isr ${median(s, 'isr')}`);
  assert.ok(median(s, 'sir') > 60 && median(s, 'sar') > 60);
});

test('a delay within the 512-tap filters is spatial distortion, not artifacts or interference', () => {
  const d = 100;
  const s = bssEval(refs, [map(refs[0], (_, i, ch) => (i >= d ? ch[i - d] : 0)), refs[1]]);
  // white noise against its delayed copy: |s - s_d|^2 = 2|s|^2 -> ISR = SDR = -3 dB
  assert.ok(Math.abs(median(s, 'isr') - db(0.5)) < 0.2, `isr ${median(s, 'isr')}`);
  assert.ok(Math.abs(median(s, 'sdr') - db(0.5)) < 0.2, `sdr ${median(s, 'sdr')}`);
  assert.ok(median(s, 'sir') > 40, `sir ${median(s, 'sir')}`);
  // only the frame edges (d samples in, d samples out of each 1 s frame) are unexplained
  assert.ok(Math.abs(median(s, 'sar') - db(SR / (2 * d))) < 1, `sar ${median(s, 'sar')}`);
  // beyond the filter length the delayed copy is no longer a filtered reference: it becomes artifacts
  const far = bssEval(refs, [map(refs[0], (_, i, ch) => (i >= 2000 ? ch[i - 2000] : 0)), refs[1]]);
  assert.ok(median(far, 'sar') < 1, `sar ${median(far, 'sar')}`);
});

test('added interference lowers SIR by its level and leaves SAR and ISR high', () => {
  const s = bssEval(refs, [map(refs[0], (v, i, _, c) => v + 0.3 * refs[1][c][i]), refs[1]]);
  assert.ok(Math.abs(median(s, 'sir') - db(1 / 0.09)) < 0.1, `sir ${median(s, 'sir')}`);
  assert.ok(median(s, 'sar') > 40 && median(s, 'isr') > 25, `sar ${median(s, 'sar')} isr ${median(s, 'isr')}`);
});

test('added noise lowers SAR by its level and leaves SIR and ISR high', () => {
  const n = [noise(N, 7), noise(N, 8)];
  const s = bssEval(refs, [map(refs[0], (v, i, _, c) => v + 0.1 * n[c][i]), refs[1]]);
  // the 512-tap projections soak up a small share of the noise: SAR is a little above 20 dB
  assert.ok(median(s, 'sar') > db(100) - 0.1 && median(s, 'sar') < db(100) + 0.5, `sar ${median(s, 'sar')}`);
  assert.ok(median(s, 'sir') > 25 && median(s, 'isr') > 25, `sir ${median(s, 'sir')} isr ${median(s, 'isr')}`);
});

test('silent frames are NaN; short estimates are zero-padded, long ones truncated', () => {
  const quiet = map(refs[0], (v, i) => (i < SR ? 0 : v));
  const s = bssEval([quiet, refs[1]], [quiet, refs[1]]);
  for (const m of ['sdr', 'isr', 'sir', 'sar'] as const) {
    assert.ok(Number.isNaN(s[m][0][0]) && Number.isNaN(s[m][1][0]), `${m} frame 0 not NaN`);
    assert.ok(s[m][1][1] > 100, `${m} frame 1`);
  }
  const est = map(refs[0], (v) => 0.5 * v);
  const short = est.map((ch) => ch.slice(0, N - 1000));
  const padded = short.map((ch) => Float32Array.from({ length: N }, (_, i) => ch[i] ?? 0));
  const long = est.map((ch) => Float32Array.from({ length: N + 500 }, (_, i) => ch[i] ?? 1));
  const a = bssEval(refs, [short, refs[1]]);
  const b = bssEval(refs, [padded, refs[1]]);
  const c = bssEval(refs, [long, refs[1]]);
  assert.deepEqual(a.sar, b.sar);
  assert.ok(Math.abs(median(c, 'sdr') - db(4)) < 0.01);
});

test('bad input: silent sources and mismatched shapes are DemixErrors', () => {
  const silent = refs[0].map((ch) => new Float32Array(ch.length));
  assert.throws(() => bssEval([silent, refs[1]], refs), (e) => isDemixError(e, 'SILENT_REFERENCE'));
  assert.throws(() => bssEval(refs, [silent, refs[1]]), (e) => isDemixError(e, 'SILENT_ESTIMATE'));
  assert.throws(() => bssEval(refs, [refs[0]]), (e) => isDemixError(e, 'EVAL_SHAPE'));
  assert.throws(() => bssEval(refs, [[refs[0][0]], refs[1]]), (e) => isDemixError(e, 'EVAL_CHANNELS'));
  const long = refs.map((src) => src.map(() => new Float32Array(1 << 19).fill(0.1)));
  assert.throws(() => bssEval(long, long, { window: Infinity }), (e) => isDemixError(e, 'EVAL_WINDOW'));
});

test('a dual-mono reference (numerically singular correlations) still gives the right scores', () => {
  const mono = [refs[0][0], refs[0][0]];
  const s = bssEval([mono, refs[1]], [map(mono, (v) => 0.5 * v), refs[1]]);
  assert.ok(s.ridge >= 0);
  assert.ok(Math.abs(median(s, 'isr') - db(4)) < 0.01, `isr ${median(s, 'isr')}`);
  assert.ok(median(s, 'sir') > 40 && median(s, 'sar') > 40, `sir ${median(s, 'sir')} sar ${median(s, 'sar')}`);
  // two identical reference sources: degenerate for museval too, but it must not break the solve
  const twin = bssEval([refs[0], refs[0]], [map(refs[0], (v) => 0.5 * v), refs[0]]);
  assert.ok(Math.abs(median(twin, 'sdr') - db(4)) < 0.01, `sdr ${median(twin, 'sdr')}`);
});

test('SI-SDR ignores scale; MDX SDR does not', () => {
  const s = refs[0];
  assert.ok(siSdr(s, map(s, (v) => 0.25 * v)) > 100);
  assert.equal(siSdr(s, s), Infinity);
  const n = [noise(N, 9), noise(N, 10)];
  const noisy = map(s, (v, i, _, c) => v + 0.1 * n[c][i]);
  assert.ok(Math.abs(siSdr(s, noisy) - db(100)) < 0.1, `si-sdr ${siSdr(s, noisy)}`);
  assert.ok(Math.abs(siSdr(s, map(noisy, (v) => 3 * v)) - siSdr(s, noisy)) < 1e-6);
  assert.ok(Math.abs(trackSdr(s, map(s, (v) => 0.5 * v)) - db(4)) < 1e-6);
  assert.ok(trackSdr(s, s) > 100);
  assert.ok(Number.isNaN(siSdr([new Float32Array(10)], [new Float32Array(10)])));
});

test('museval rounding: 1e-5 dB, ties to even, non-finite to null', () => {
  assert.equal(roundMetric(1.234564), 1.23456);
  assert.equal(roundMetric(-1.234566), -1.23457);
  assert.equal(roundMetric(0.015625), 0.01562);
  assert.equal(roundMetric(Infinity), null);
  assert.equal(roundMetric(NaN), null);
});

test('evalTrack announces padding, the vocals/accompaniment pass, and refuses a lone target', () => {
  const audio = (channels: Float32Array[]): Audio => ({ sampleRate: SR, channels });
  const refsByName = { vocals: audio(refs[0]), drums: audio(refs[1]), bass: audio(map(refs[0], (v, i) => v * Math.sin(i))), other: audio(map(refs[1], (v, i) => v * Math.cos(i))) };
  const notices: string[] = [];
  const short = audio(refs[0].map((ch) => ch.slice(0, N - 100)));
  const acc = audio([0, 1].map((c) => refsByName.drums.channels[c].map((v, i) => v + refsByName.bass.channels[c][i] + refsByName.other.channels[c][i])));
  const { museval } = evalTrack(refsByName, { vocals: short, drums: refsByName.drums, accompaniment: acc }, { onNotice: (m) => notices.push(m) });
  assert.deepEqual(museval.targets.map((t) => t.name), ['drums', 'vocals', 'accompaniment']);
  assert.ok(notices.some((m) => /"vocals" is 100 samples short: zero-padded/.test(m)), notices.join('\n'));
  assert.ok(notices.some((m) => /own pass/.test(m)), notices.join('\n'));
  assert.throws(() => evalTrack(refsByName, { vocals: short }), (e) => isDemixError(e, 'EVAL_TARGETS'));
  assert.throws(() => evalTrack(refsByName, { vocals: short, piano: short }), (e) => isDemixError(e, 'EVAL_TARGET'));
  assert.throws(() => evalTrack(refsByName, { vocals: short, drums: { ...refsByName.drums, sampleRate: 48000 } }), (e) => isDemixError(e, 'EVAL_RATE'));
});

test('roundToPcm16 puts samples on the int16 / 32768 grid, clipped', () => {
  const a = roundToPcm16({ sampleRate: SR, channels: [Float32Array.from([0.1, -1.5, 1.5, 3 / 32768])] });
  assert.deepEqual([...a.channels[0]], [Math.fround(3277 / 32768), -1, Math.fround(32767 / 32768), Math.fround(3 / 32768)]);
});
