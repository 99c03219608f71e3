import { test } from 'node:test';
import assert from 'node:assert/strict';
import { estimateTempo, MIN_TEMPO_SECONDS } from '../../src/dsp/tempo.js';

const SR = 44100;

/**
 * A click track: a low "kick" on every bar's first beat (4/4) and a high click on the others, the
 * first beat at `start` seconds. Returns (samples), mono.
 */
function clickTrack(bpm: number, seconds: number, start: number): Float32Array {
  const x = new Float32Array(Math.round(seconds * SR));
  const period = 60 / bpm;
  for (let k = 0; start + k * period < seconds - 0.05; k++) {
    const s = Math.round((start + k * period) * SR);
    const downbeat = k % 4 === 0;
    for (let i = 0; i < 2000 && s + i < x.length; i++) {
      const env = Math.exp(-i / 300);
      const w = (2 * Math.PI * i) / SR;
      x[s + i] += env * (downbeat ? 0.8 * Math.sin(60 * w) + 0.3 * Math.sin(1500 * w) : 0.4 * Math.sin(1500 * w));
    }
  }
  return x;
}

for (const [bpm, start] of [
  [100, 0.3],
  [128, 0.58],
  [140, 0.2],
] as const) {
  test(`click track at ${bpm} BPM: tempo within 1 BPM, beat grid and downbeat within 30 ms`, async () => {
    const x = clickTrack(bpm, 10, start);
    const est = await estimateTempo({ sampleRate: SR, channels: [x, x] });
    assert.ok(est, 'no estimate');
    assert.ok(Math.abs(est.bpm - bpm) <= 1, `estimated ${est.bpm} BPM`);
    assert.ok(Math.abs(est.firstDownbeat - start) < 0.03, `first downbeat at ${est.firstDownbeat} s, expected ${start}`);
    const period = 60 / bpm;
    const beatError = Math.abs(((est.firstBeat - start) / period) - Math.round((est.firstBeat - start) / period)) * period;
    assert.ok(beatError < 0.03, `first beat at ${est.firstBeat} s is off the grid by ${beatError} s`);
    assert.ok(est.confidence > 0.5);
  });
}

test('a click track at another sample rate gives the same tempo', async () => {
  const x = clickTrack(128, 8, 0.1);
  // Naive 2:1 decimation is enough for a tempo check (the clicks are low-passed by their envelope).
  const half = new Float32Array(x.length / 2);
  for (let i = 0; i < half.length; i++) half[i] = 0.5 * (x[2 * i] + x[2 * i + 1]);
  const est = await estimateTempo({ sampleRate: SR / 2, channels: [half] });
  assert.ok(est && Math.abs(est.bpm - 128) <= 1, `estimated ${est?.bpm}`);
});

test('too short or silent audio gives no estimate', async () => {
  const short = clickTrack(120, MIN_TEMPO_SECONDS - 1, 0);
  assert.equal(await estimateTempo({ sampleRate: SR, channels: [short] }), undefined);
  assert.equal(await estimateTempo({ sampleRate: SR, channels: [new Float32Array(SR * 8)] }), undefined);
});
