import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resample, resampledLength, Resampler } from '../../src/audio/resample.js';
import { joinBlocks, sineAudio } from './helpers.js';

/** SNR in dB of x against the analytic sine amp·sin(2π f i / rate), ignoring `edge` samples at each end. */
function snrVsSine(x: Float32Array, rate: number, freq: number, amp: number, edge: number): number {
  let sig = 0, err = 0;
  for (let i = edge; i < x.length - edge; i++) {
    const r = amp * Math.sin((2 * Math.PI * freq * i) / rate);
    sig += r * r;
    err += (x[i] - r) ** 2;
  }
  return 10 * Math.log10(sig / err);
}

for (const [from, freq] of [[48000, 1000], [8000, 1000], [22050, 3000]] as const) {
  test(`resampling a ${freq} Hz sine ${from} → 44100 Hz keeps its frequency and phase at high SNR`, async () => {
    const a = sineAudio(from, 2, 1, freq, 0.5);
    const b = await resample(a, 44100);
    assert.equal(b.sampleRate, 44100);
    assert.equal(b.channels.length, 2);
    assert.equal(b.channels[0].length, 44100);
    // channel c of sineAudio has frequency freq·(1 + c/4)
    for (let c = 0; c < 2; c++) {
      const snr = snrVsSine(b.channels[c], 44100, freq * (1 + 0.25 * c), 0.5, 2048);
      assert.ok(snr > 90, `channel ${c}: SNR ${snr.toFixed(1)} dB`);
    }
  });
}

test('downsampling removes content above the new Nyquist frequency', async () => {
  const a = sineAudio(44100, 1, 0.5, 15000, 0.5); // above 8000/2
  const b = await resample(a, 8000);
  let peak = 0;
  for (let i = 500; i < b.channels[0].length - 500; i++) peak = Math.max(peak, Math.abs(b.channels[0][i]));
  assert.ok(peak < 1e-3, `alias peak ${peak}`);
});

test('resample keeps the same rate untouched, handles long inputs in chunks and many channels', async () => {
  const a = sineAudio(44100, 3, 0.1);
  assert.equal(await resample(a, 44100), a);
  const long = sineAudio(32000, 1, 12, 200, 0.5); // > one converter chunk
  const b = await resample(long, 44100, 'fast');
  assert.equal(b.channels[0].length, 12 * 44100);
  assert.ok(snrVsSine(b.channels[0], 44100, 200, 0.5, 2048) > 60);
  const six = await resample(sineAudio(48000, 6, 0.2), 44100);
  assert.equal(six.channels.length, 6);
  assert.equal(six.channels[5].length, Math.round(0.2 * 44100));
});

test('a Resampler fed uneven blocks gives resample()\'s samples exactly, and the same length', async () => {
  for (const [from, to] of [[44100, 48000], [44100, 8000], [8000, 44100]] as const) {
    const a = sineAudio(from, 2, 2.3, 700, 0.5);
    const whole = await resample(a, to);
    const r = await Resampler.create(2, from, to);
    const parts: Float32Array[][] = [];
    const n = a.channels[0].length;
    for (let at = 0, k = 0; at < n; k++) {
      const size = [1, 999, 31_337, 300_001][k % 4];
      parts.push(r.push(a.channels.map((x) => x.subarray(at, at + size))));
      at += size;
    }
    parts.push(r.end());
    r.destroy();
    const joined = joinBlocks(parts);
    assert.equal(joined[0].length, resampledLength(n, from, to));
    assert.deepEqual(joined, whole.channels, `${from} -> ${to} Hz`);
  }
});
