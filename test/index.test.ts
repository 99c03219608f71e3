// The library entry point: separate() on in-memory audio at any rate/channel count, progress, cancellation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fromStereo, toStereo } from '../src/audio/channels.js';
import { resample } from '../src/audio/resample.js';
import { separate, separateStream } from '../src/index.js';
import type { Audio, ProgressEvent } from '../src/index.js';
import { createClassicSeparator } from '../src/separate/classic.js';
import { separateAudio } from '../src/separate/pipeline.js';
import { joinBlocks } from './audio/helpers.js';

/** A 3 s tone with tremolo at `rate` on `nCh` channels. */
function tone(rate: number, nCh: number, seconds = 3): Audio {
  const x = new Float32Array(Math.round(rate * seconds));
  for (let i = 0; i < x.length; i++) x[i] = 0.3 * Math.sin((2 * Math.PI * 330 * i) / rate) * (0.6 + 0.4 * Math.sin((2 * Math.PI * 3 * i) / rate));
  return { sampleRate: rate, channels: Array.from({ length: nCh }, () => x.slice()) };
}

test('mono 8 kHz in gives mono 8 kHz stems of the same length that sum to the input', async () => {
  const input = tone(8000, 1);
  const r = await separate(input, { model: 'classic' });
  assert.equal(r.sampleRate, 8000);
  assert.equal(r.channels, 1);
  assert.deepEqual(r.input, { path: undefined, sampleRate: 8000, channels: 1, duration: 3 });
  assert.deepEqual(Object.keys(r.stems), ['vocals', 'drums', 'bass', 'other']);
  const sum = new Float32Array(input.channels[0].length);
  for (const s of Object.values(r.stems)) {
    assert.equal(s.channels.length, 1);
    assert.equal(s.channels[0].length, sum.length);
    s.channels[0].forEach((v, i) => (sum[i] += v));
  }
  let err = 0, ref = 0;
  input.channels[0].forEach((v, i) => ((ref += v * v), (err += (v - sum[i]) ** 2)));
  assert.ok(10 * Math.log10(ref / err) > 40, `${10 * Math.log10(ref / err)} dB`);
});

test('5.1 input is downmixed to stereo; sampleRate picks the output rate', async () => {
  const r = await separate(tone(48000, 6), { model: 'classic', sampleRate: 22050, twoStems: 'vocals' });
  assert.equal(r.channels, 2);
  assert.equal(r.sampleRate, 22050);
  assert.deepEqual(Object.keys(r.stems), ['vocals', 'accompaniment']);
  assert.ok(Math.abs(r.stems.vocals.channels[0].length - 3 * 22050) <= 1);
});

test('progress runs from decode to 1 without going back', async () => {
  const events: ProgressEvent[] = [];
  await separate(tone(44100, 2), { model: 'classic', onProgress: (e) => events.push(e) });
  assert.equal(events[0].stage, 'decode');
  assert.equal(events[events.length - 1].fraction, 1);
  for (let i = 1; i < events.length; i++) assert.ok(events[i].fraction >= events[i - 1].fraction, JSON.stringify(events));
  assert.ok(events.some((e) => e.stage === 'separate'));
});

test('an aborted signal cancels; empty audio and unknown models are DemixErrors', async () => {
  const controller = new AbortController();
  const run = separate(tone(44100, 2, 20), { model: 'classic', chunkSeconds: 5, signal: controller.signal, onProgress: (e) => e.stage === 'separate' && e.fraction > 0.2 && controller.abort() });
  await assert.rejects(run, { name: 'AbortError' });
  await assert.rejects(separate({ sampleRate: 44100, channels: [new Float32Array(0)] }, { model: 'classic' }), { name: 'DemixError', code: 'EMPTY_AUDIO' });
  await assert.rejects(separate(tone(44100, 2), { model: 'no-such-model' }), { name: 'DemixError', code: 'UNKNOWN_MODEL' });
});

test('stems conformed chunk by chunk (mono, another rate) equal conforming the whole stems at once', async () => {
  const input = tone(8000, 1, 4);
  const opts = { chunkSeconds: 1.5, sampleRate: 11025 };
  const r = await separate(input, { ...opts, model: 'classic' });
  const mix = await resample(toStereo(input), 44100);
  const whole = await separateAudio(mix, createClassicSeparator(), opts);
  for (const [name, stem] of Object.entries(whole)) {
    const expected = await resample(fromStereo(stem, 1), 11025);
    assert.deepEqual(r.stems[name], expected, name);
  }
});

test('separateStream hands each stem to its sink in blocks and reports what separate() does', async () => {
  const input = tone(44100, 2, 4);
  const got: Record<string, Float32Array[][]> = {};
  let ended = 0;
  const info = await separateStream(input, { model: 'classic', chunkSeconds: 1.5, twoStems: 'vocals' }, (layout) => {
    assert.deepEqual(layout, { names: ['vocals', 'accompaniment'], sampleRate: 44100, channels: 2, frames: 4 * 44100 });
    return Object.fromEntries(layout.names.map((name) => [name, { write: (chs: Float32Array[]) => void (got[name] ??= []).push(chs.map((x) => x.slice())), end: () => void ended++ }]));
  });
  const whole = await separate(input, { model: 'classic', chunkSeconds: 1.5, twoStems: 'vocals' });
  const { stems, ...rest } = whole;
  assert.deepEqual(info, rest);
  assert.equal(ended, 2);
  for (const [name, blocks] of Object.entries(got)) {
    assert.ok(blocks.length >= 3, `${name}: ${blocks.length} blocks`);
    assert.deepEqual(joinBlocks(blocks), stems[name].channels);
  }
});
