import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Stft, magnitude, hannWindow, frameCount } from '../../src/dsp/stft.js';
import { DemixError } from '../../src/errors.js';
import { base64Floats as f32, maxRelativeError, noise, snrDb } from './signals.js';

test('STFT → iSTFT reconstructs stereo audio at more than 100 dB SNR', async () => {
  const stft = await Stft.create();
  for (const len of [44100 * 2, 44100 * 2 + 777]) {
    const x = [noise(len, 1), noise(len, 2)];
    const spec = stft.forward(x);
    assert.equal(spec.nFrames, frameCount(len, 1024));
    assert.equal(spec.nBins, 2049);
    const y = stft.inverse(spec, len);
    for (let c = 0; c < 2; c++) assert.ok(snrDb(x[c], y[c]) > 100, `SNR ${snrDb(x[c], y[c])} dB (len ${len})`);
  }
});

test('a mask given to the iSTFT gives the iSTFT of the masked spectrogram', async () => {
  const stft = await Stft.create();
  const len = 44100 + 321;
  const spec = stft.forward([noise(len, 3), noise(len, 4)]);
  const mask = spec.re.map((_, c) => noise(spec.re[c].length, 5 + c).map(Math.abs)); // [ch] of (nFrames * nBins)
  const masked = { ...spec, re: spec.re.map((r, c) => r.map((v, i) => v * mask[c][i])), im: spec.im.map((r, c) => r.map((v, i) => v * mask[c][i])) };
  const want = stft.inverse(masked, len);
  const got = stft.inverse(spec, len, mask);
  for (let c = 0; c < 2; c++) assert.ok(snrDb(want[c], got[c]) > 120, `channel ${c}: ${snrDb(want[c], got[c])} dB`);
});

test('STFT magnitudes and the iSTFT match torch.stft / torch.istft (fixture from train/make_stft_fixture.py)', async () => {
  const fixture = JSON.parse(readFileSync(new URL('../fixtures/torch-stft.json', import.meta.url), 'utf8'));
  for (const c of fixture.cases) {
    const stft = await Stft.create({ nFft: c.nFft, hop: c.hop });
    const signal = f32(c.signal);
    const x = Array.from({ length: c.channels }, (_, ch) => signal.subarray(ch * c.length, (ch + 1) * c.length));
    const spec = stft.forward(x);
    assert.equal(spec.nFrames, c.nFrames);
    assert.equal(spec.nBins, c.nBins);
    const want = f32(c.magnitude);
    const got = magnitude(spec);
    const size = c.nFrames * c.nBins;
    for (let ch = 0; ch < c.channels; ch++) {
      const e = maxRelativeError(got[ch], want.subarray(ch * size, (ch + 1) * size));
      assert.ok(e < 1e-4, `nFft ${c.nFft} ch ${ch}: magnitude error ${e}`);
    }
    // torch.istft of the zero-phase magnitude spectrogram: checks window-sum normalisation and trimming.
    const zeroPhase = { nFrames: spec.nFrames, nBins: spec.nBins, re: got, im: got.map((m) => new Float32Array(m.length)) };
    const y = stft.inverse(zeroPhase, c.length);
    const wantY = f32(c.istftOfMagnitude);
    for (let ch = 0; ch < c.channels; ch++) {
      const e = maxRelativeError(y[ch], wantY.subarray(ch * c.length, (ch + 1) * c.length));
      assert.ok(e < 1e-4, `nFft ${c.nFft} ch ${ch}: iSTFT error ${e}`);
    }
  }
});

test('periodic Hann window, frame count, short and empty inputs', async () => {
  const w = hannWindow(8);
  assert.deepEqual(Array.from(w, (v) => Math.round(v * 1e6) / 1e6), [0, 0.146447, 0.5, 0.853553, 1, 0.853553, 0.5, 0.146447]);
  const stft = await Stft.create({ nFft: 64, hop: 16 });
  const short = [noise(20, 3)]; // shorter than the nFft/2 padding: reflection wraps around
  const spec = stft.forward(short);
  assert.equal(spec.nFrames, 2);
  assert.ok(snrDb(short[0], stft.inverse(spec, 20)[0]) > 100);
  const empty = stft.forward([new Float32Array(0)]);
  assert.equal(empty.nFrames, 1);
  assert.deepEqual(stft.inverse(empty, 0)[0], new Float32Array(0));
  await assert.rejects(Stft.create({ nFft: 4096, hop: 0 }), DemixError);
  await assert.rejects(Stft.create({ nFft: 1000, hop: 250 }), DemixError);
});
