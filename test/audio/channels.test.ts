import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fromStereo, toStereo } from '../../src/audio/channels.js';

const ramp = (n: number, k: number): Float32Array => Float32Array.from({ length: n }, (_, i) => (k * i) / n);

test('toStereo leaves stereo alone and duplicates mono', () => {
  const st = { sampleRate: 8000, channels: [ramp(10, 1), ramp(10, -1)] };
  assert.equal(toStereo(st), st);
  const m = toStereo({ sampleRate: 8000, channels: [ramp(10, 1)] });
  assert.equal(m.channels.length, 2);
  assert.deepEqual(m.channels[0], ramp(10, 1));
  assert.deepEqual(m.channels[1], ramp(10, 1));
  assert.notEqual(m.channels[0], m.channels[1]);
});

test('toStereo folds 5.1 down with ITU weights: centre to both sides at -3 dB, LFE dropped, no clipping', () => {
  const n = 4;
  const one = new Float32Array(n).fill(1);
  const zero = new Float32Array(n);
  // FL FR FC LFE SL SR
  const only = (k: number): Float32Array[] => [0, 1, 2, 3, 4, 5].map((c) => (c === k ? one : zero));
  const norm = 1 / (1 + 2 * Math.SQRT1_2);
  const centre = toStereo({ sampleRate: 48000, channels: only(2) });
  assert.ok(Math.abs(centre.channels[0][0] - Math.SQRT1_2 * norm) < 1e-6);
  assert.ok(Math.abs(centre.channels[1][0] - Math.SQRT1_2 * norm) < 1e-6);
  const lfe = toStereo({ sampleRate: 48000, channels: only(3) });
  assert.equal(lfe.channels[0][0], 0);
  const sl = toStereo({ sampleRate: 48000, channels: only(4) });
  assert.ok(sl.channels[0][0] > 0 && sl.channels[1][0] === 0);
  const all = toStereo({ sampleRate: 48000, channels: [one, one, one, one, one, one] });
  assert.ok(Math.abs(all.channels[0][0] - 1) < 1e-6 && Math.abs(all.channels[1][0] - 1) < 1e-6);
});

test('toStereo handles every other channel count without losing a channel', () => {
  for (const nCh of [3, 4, 5, 7, 8, 12]) {
    const chans = Array.from({ length: nCh }, () => new Float32Array(3).fill(1));
    const s = toStereo({ sampleRate: 44100, channels: chans });
    assert.equal(s.channels.length, 2);
    assert.ok(s.channels.every((x) => Math.abs(x[0] - 1) < 1e-6), `${nCh} channels`);
  }
});

test('fromStereo: mono is the mean, more channels get the pair in front and silence elsewhere', () => {
  const st = { sampleRate: 44100, channels: [ramp(8, 1), ramp(8, 3)] };
  assert.equal(fromStereo(st, 2), st);
  assert.deepEqual(fromStereo(st, 1).channels[0], ramp(8, 2));
  const six = fromStereo(st, 6);
  assert.equal(six.channels.length, 6);
  assert.deepEqual(six.channels[1], ramp(8, 3));
  assert.ok(six.channels[4].every((x) => x === 0));
});
