import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Stft } from '../../src/dsp/stft.js';
import { centreMasks } from '../../src/dsp/midside.js';
import { DemixError } from '../../src/errors.js';
import { noise, snrDb } from './signals.js';

const sum = (a: Float32Array, b: Float32Array) => a.map((v, i) => v + b[i]);

test('centre masks extract the common part of two channels better than the mid signal', async () => {
  const n = 16000;
  const stft = await Stft.create({ nFft: 512, hop: 128 });
  // Centre: a tone burst sequence; sides: independent noise in each channel.
  const centre = new Float32Array(n).map((_, i) => (Math.floor(i / 2000) % 2 ? 0.8 : 0.1) * Math.sin(i * 0.07) * Math.sin(i * 0.0011));
  const l = sum(centre, noise(n, 1, 0.3));
  const r = sum(centre, noise(n, 2, 0.3));
  const spec = stft.forward([l, r]);
  const [ml, mr] = centreMasks(spec);
  const masked = (c: number, m: Float32Array) => ({ ...spec, re: [spec.re[c].map((v, i) => v * m[i])], im: [spec.im[c].map((v, i) => v * m[i])] });
  const estL = stft.inverse(masked(0, ml), n)[0];
  const estR = stft.inverse(masked(1, mr), n)[0];
  const mid = l.map((v, i) => (v + r[i]) / 2);
  assert.ok(snrDb(centre, estL) > snrDb(centre, mid) + 5, `masked L ${snrDb(centre, estL)} dB vs mid ${snrDb(centre, mid)} dB`);
  assert.ok(snrDb(centre, estR) > snrDb(centre, mid) + 5, `masked R ${snrDb(centre, estR)} dB vs mid ${snrDb(centre, mid)} dB`);
});

test('identical channels are all centre, opposite-phase channels are all side', async () => {
  const stft = await Stft.create({ nFft: 256, hop: 64 });
  const x = noise(4000, 9);
  const same = centreMasks(stft.forward([x, x]), { frames: 1 });
  assert.ok(same.every((m) => m.every((v) => Math.abs(v - 1) < 1e-5 || v === 0)));
  const opposite = centreMasks(stft.forward([x, x.map((v) => -v)]), { frames: 3 });
  assert.ok(opposite.every((m) => m.every((v) => v === 0)));
  assert.throws(() => centreMasks(stft.forward([x])), DemixError);
  assert.throws(() => centreMasks(stft.forward([x, x]), { frames: 4 }), DemixError);
});
