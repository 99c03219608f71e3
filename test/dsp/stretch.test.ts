import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stretch } from '../../src/dsp/stretch.js';
import { frequencyOf as measure } from './signals.js';

const SR = 44100;

function tone(freq: number, seconds: number): Float32Array {
  const x = new Float32Array(Math.round(seconds * SR));
  for (let i = 0; i < x.length; i++) x[i] = 0.5 * Math.sin((2 * Math.PI * freq * i) / SR);
  return x;
}

const frequencyOf = (y: Float32Array): number => measure(y, SR);

test('time-stretch keeps the target duration and the pitch', async () => {
  const x = tone(440, 2);
  for (const ratio of [1.25, 0.8]) {
    const out = await stretch({ sampleRate: SR, channels: [x, x] }, { timeRatio: ratio });
    assert.equal(out.channels.length, 2);
    assert.equal(out.channels[0].length, Math.round(x.length * ratio));
    assert.ok(Math.abs(frequencyOf(out.channels[0]) - 440) < 2, `ratio ${ratio}: ${frequencyOf(out.channels[0])} Hz`);
  }
});

test('pitch-shift moves the frequency by the semitones and keeps the duration', async () => {
  const x = tone(440, 2);
  const out = await stretch({ sampleRate: SR, channels: [x] }, { semitones: 3 });
  assert.equal(out.channels[0].length, x.length);
  const expected = 440 * Math.pow(2, 3 / 12);
  assert.ok(Math.abs(frequencyOf(out.channels[0]) - expected) < 3, `${frequencyOf(out.channels[0])} Hz, expected ${expected}`);
});

test('a tone keeps its timing: an onset stays where the ratio puts it', async () => {
  const x = new Float32Array(SR * 2);
  for (let i = SR; i < x.length; i++) x[i] = 0.5 * Math.sin((2 * Math.PI * 300 * i) / SR);
  const out = (await stretch({ sampleRate: SR, channels: [x] }, { timeRatio: 1.5 })).channels[0];
  const onset = out.findIndex((v) => Math.abs(v) > 0.1);
  assert.ok(Math.abs(onset / SR - 1.5) < 0.03, `onset at ${onset / SR} s`);
});
