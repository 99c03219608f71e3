// Ideal ratio masks: estimates sum back to the mixture, and stems far apart in frequency come back almost exactly.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Audio } from '../../src/audio/audio.js';
import { idealRatioMasks } from '../../src/eval/oracle.js';
import { trackSdr } from '../../src/eval/sisdr.js';

const SR = 44100;
const N = 2 * SR;
const tone = (f: number, amp: number): Audio => ({
  sampleRate: SR,
  channels: [amp, 0.7 * amp].map((a) => Float32Array.from({ length: N }, (_, i) => a * Math.sin((2 * Math.PI * f * i) / SR))),
});

test('ideal ratio masks separate disjoint tones and their estimates sum to the mixture', async () => {
  const stems = { low: tone(220, 0.3), high: tone(3520, 0.2) };
  const mixture: Audio = { sampleRate: SR, channels: [0, 1].map((c) => stems.low.channels[c].map((v, i) => v + stems.high.channels[c][i])) };
  for (const power of [1, 2] as const) {
    const est = await idealRatioMasks(mixture, stems, { nFft: 4096, hop: 1024 }, power);
    for (const name of ['low', 'high'] as const) assert.ok(trackSdr(stems[name].channels, est[name].channels) > 30, `${name} p=${power}`);
    const sum = [0, 1].map((c) => est.low.channels[c].map((v, i) => v + est.high.channels[c][i]));
    assert.ok(trackSdr(mixture.channels, sum) > 80, 'estimates do not sum to the mixture');
  }
});
