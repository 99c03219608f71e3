import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kWeighting, LoudnessMeter, measureLoudness } from '../../src/separate/loudness.js';
import { gainToDb, truePeak } from '../../src/dsp/limiter.js';
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
    const l = measureLoudness(sine(rate, 997, -23, 20)).loudness;
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
  const a = measureLoudness(tone).loudness;
  const b = measureLoudness(padded).loudness;
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

/** Stereo noise with a tone, louder towards the end (the running sample peak keeps rising), and a few spikes. */
function crescendo(sampleRate: number, seconds: number): Audio {
  let seed = 99;
  const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32) * 2 - 1;
  const channels = [0, 1].map((c) => {
    const x = new Float32Array(Math.round(sampleRate * seconds));
    for (let i = 0; i < x.length; i++) x[i] = (i / x.length) * (0.3 * rand() + 0.4 * Math.sin((2 * Math.PI * (440 + 110 * c) * i) / sampleRate));
    for (const at of [0.2, 0.55, 0.9]) x[Math.floor(at * x.length) + c] = 0.9 - 0.1 * c; // isolated inter-sample peaks
    return x;
  });
  return { sampleRate, channels };
}

/** An fs/4 tone at -6 dBFS whose samples sit 3 dB under its peaks, then silence with a lone spike between the two: the true peak is the tone's. */
function spikeUnderTone(): Audio {
  const audio = sine(44100, 11025, -6, 0.5, Math.PI / 4);
  for (const x of audio.channels) {
    x.fill(0, 10_000);
    x[20_000] = 0.45;
  }
  return audio;
}

test('the meter gives the same report for any split into blocks, and the exact 4x true peak', () => {
  for (const audio of [crescendo(44100, 3), crescendo(8000, 0.05), spikeUnderTone()]) {
    const whole = measureLoudness(audio);
    const n = audio.channels[0].length;
    for (const sizes of [[1, 2, 5, 7, 11, 13], [4410], [n - 3, 1]]) {
      const meter = new LoudnessMeter(audio.sampleRate, 2);
      for (let at = 0, k = 0; at < n; at += sizes[k++ % sizes.length]) meter.add(audio.channels.map((x) => x.subarray(at, at + sizes[k % sizes.length])));
      assert.deepEqual(meter.report(), whole, `blocks of ${sizes.join(',')}`);
    }
    const full = gainToDb(truePeak(audio.channels)); // every sample interpolated (float32 envelope)
    assert.ok(Math.abs(whole.truePeak - full) < 1e-5, `${whole.truePeak} vs ${full} dBTP`);
  }
});
