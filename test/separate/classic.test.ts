import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import type { Audio } from '../../src/audio/audio.js';
import { readStemFile } from '../../src/audio/decode.js';
import { Stft } from '../../src/dsp/stft.js';
import { createClassicSeparator } from '../../src/separate/classic.js';
import { separateAudio } from '../../src/separate/pipeline.js';

const RATE = 44100;
const CLIP = fileURLToPath(new URL('../../../shared/data/musdb18-7/train/Music Delta - 80s Rock.stem.mp4', import.meta.url));

/** Energy of `x` (sum of squares over channels). */
const energy = (a: Audio): number => a.channels.reduce((s, x) => s + x.reduce((t, v) => t + v * v, 0), 0);

/** Stereo signal: `left`/`right` generators over `seconds`. */
function stereo(seconds: number, left: (t: number, i: number) => number, right = left): Audio {
  const n = Math.round(seconds * RATE);
  const l = new Float32Array(n);
  const r = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    l[i] = left(i / RATE, i);
    r[i] = right(i / RATE, i);
  }
  return { sampleRate: RATE, channels: [l, r] };
}

test('masks are non-negative and account for every bin', async () => {
  const sep = createClassicSeparator();
  const stft = await Stft.create(sep.stft);
  const mix = stereo(2, (t) => Math.sin(2 * Math.PI * 220 * t), (t) => 0.5 * Math.sin(2 * Math.PI * 330 * t));
  const masks = await sep.estimate(stft.forward(mix.channels));
  assert.equal(masks.length, 4);
  for (let c = 0; c < 2; c++) {
    for (let i = 0; i < masks[0][c].length; i += 97) {
      const parts = masks.map((m) => m[c][i]);
      assert.ok(parts.every((v) => v >= 0));
      assert.ok(Math.abs(parts.reduce((a, b) => a + b) - 1) < 1e-4, `bin ${i}: ${parts}`);
    }
  }
});

test('each kind of sound lands in its stem', async () => {
  const sep = createClassicSeparator();
  const cases: [string, Audio][] = [
    ['bass', stereo(3, (t) => 0.5 * Math.sin(2 * Math.PI * 55 * t))],
    ['vocals', stereo(3, (t) => 0.3 * Math.sin(2 * Math.PI * 440 * t) + 0.2 * Math.sin(2 * Math.PI * 880 * t))],
    ['other', stereo(3, (t) => 0.3 * Math.sin(2 * Math.PI * 660 * t), (t) => 0.3 * Math.sin(2 * Math.PI * 990 * t))],
    ['drums', stereo(3, (_, i) => (i % 11025 < 40 ? (i % 2 ? 0.8 : -0.8) : 0))],
  ];
  for (const [expected, mix] of cases) {
    const stems = await separateAudio(mix, sep);
    const shares = Object.entries(stems).map(([name, a]) => [name, energy(a)] as const);
    const winner = shares.reduce((a, b) => (b[1] > a[1] ? b : a))[0];
    assert.equal(winner, expected, `${expected}: ${shares.map(([n, e]) => `${n} ${e.toExponential(2)}`).join(', ')}`);
  }
});

test('on a MUSDB clip every stem is closer to the truth than a quarter of the mix', async () => {
  const { mixture, stems: truth } = await readStemFile(CLIP);
  const est = await separateAudio(mixture, createClassicSeparator());
  const sdr = (ref: Audio, e: Audio) => {
    let num = 0, den = 0;
    ref.channels.forEach((x, c) => x.forEach((v, i) => ((num += v * v), (den += (v - e.channels[c][i]) ** 2))));
    return 10 * Math.log10(num / den);
  };
  const quarter: Audio = { sampleRate: RATE, channels: mixture.channels.map((x) => x.map((v) => v / 4)) };
  for (const name of ['vocals', 'drums', 'bass', 'other'] as const) {
    const ours = sdr(truth[name], est[name]);
    const naive = sdr(truth[name], quarter);
    assert.ok(ours > naive, `${name}: ${ours.toFixed(2)} dB vs mix/4 ${naive.toFixed(2)} dB`);
  }
});
