import { test } from 'node:test';
import assert from 'node:assert/strict';
import { integratedLoudness, kWeighting, measureLoudness } from '../../src/separate/loudness.js';
import type { Audio } from '../../src/audio/audio.js';

/** Stereo sine: `seconds` long, peak amplitude `dbfs`, frequency `hz`, starting phase `phase` (rad). */
function sine(sampleRate: number, hz: number, dbfs: number, seconds: number, phase = 0): Audio {
  const x = new Float32Array(Math.round(sampleRate * seconds));
  const amp = 10 ** (dbfs / 20);
  for (let i = 0; i < x.length; i++) x[i] = amp * Math.sin((2 * Math.PI * hz * i) / sampleRate + phase);
  return { sampleRate, channels: [x, x.slice()] };
}

test('K-weighting at 48 kHz reproduces the BS.1770-4 coefficient table', () => {
  const [shelf, hp] = kWeighting(48000);
  const close = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-8, `${a} vs ${b}`);
  close(shelf.b[0], 1.53512485958697);
  close(shelf.b[1], -2.69169618940638);
  close(shelf.b[2], 1.19839281085285);
  close(shelf.a[0], -1.69065929318241);
  close(shelf.a[1], 0.73248077421585);
  close(hp.a[0], -1.99004745483398);
  close(hp.a[1], 0.99007225036621);
});

test('a 997 Hz stereo sine at -23 dBFS measures -23 LUFS (EBU Tech 3341 case 1) at 48 and 44.1 kHz', () => {
  for (const rate of [48000, 44100]) {
    const l = integratedLoudness(sine(rate, 997, -23, 20));
    assert.ok(Math.abs(l - -23) < 0.1, `${rate} Hz: ${l} LUFS`);
  }
});

test('gating ignores silence around a tone', () => {
  const tone = sine(48000, 997, -20, 5);
  const padded: Audio = { sampleRate: 48000, channels: tone.channels.map((c) => {
    const x = new Float32Array(c.length * 4);
    x.set(c, c.length);
    return x;
  }) };
  const a = integratedLoudness(tone);
  const b = integratedLoudness(padded);
  // Ungated, the 1-in-4 duty cycle would read 6 LU lower; only the blocks straddling the edges count.
  assert.ok(Math.abs(a - b) < 0.5, `${a} vs ${b}`);
});

test('true peak sees the inter-sample peak that the sample peak misses', () => {
  // fs/4 sine with a 45° phase: every sample sits at 0.707 of the true amplitude (-3 dB).
  const r = measureLoudness(sine(44100, 11025, -6, 1, Math.PI / 4));
  assert.ok(Math.abs(r.samplePeak - -9.03) < 0.05, `sample peak ${r.samplePeak}`);
  assert.ok(Math.abs(r.truePeak - -6) < 0.3, `true peak ${r.truePeak}`);
});

test('silence and near-silence are flagged silent, programme material is not', () => {
  const zero = measureLoudness({ sampleRate: 44100, channels: [new Float32Array(44100), new Float32Array(44100)] });
  assert.equal(zero.loudness, -Infinity);
  assert.equal(zero.silent, true);
  assert.equal(measureLoudness(sine(44100, 440, -70, 2)).silent, true);
  const music = measureLoudness(sine(44100, 440, -20, 2));
  assert.equal(music.silent, false);
  assert.ok(music.loudness > -25 && music.loudness < -15, `${music.loudness}`);
});
