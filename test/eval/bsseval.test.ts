// BSS Eval v4 parity with museval on the shared fixtures, and synthetic signals with known answers.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Audio } from '../../src/audio/audio.js';
import { evalTrack } from '../../src/eval/aggregate.js';
import { bssEval } from '../../src/eval/bsseval.js';
import { CASES, loadCase } from './fixtures.js';

const TOLERANCE = 0.01; // dB

for (const name of CASES) {
  test(`museval parity: ${name}`, () => {
    const { references, estimates, expected } = loadCase(name);
    const audio = (chs: Record<string, Float32Array[]>) =>
      Object.fromEntries(Object.entries(chs).map(([k, channels]) => [k, { sampleRate: 44100, channels } as Audio]));
    const { museval } = evalTrack(audio(references), audio(estimates));
    assert.deepEqual(
      museval.targets.map((t) => t.name),
      expected.targets.map((t) => t.name),
    );
    for (const [i, target] of expected.targets.entries()) {
      const got = museval.targets[i];
      assert.equal(got.frames.length, target.frames.length, `${target.name}: frame count`);
      for (const [f, frame] of target.frames.entries()) {
        assert.equal(got.frames[f].time, frame.time);
        assert.equal(got.frames[f].duration, frame.duration);
        for (const [metric, want] of Object.entries(frame.metrics)) {
          const have = got.frames[f].metrics[metric as 'SDR'];
          const where = `${name} ${target.name} frame ${f} ${metric}`;
          if (want === null) assert.equal(have, null, `${where}: museval has NaN, got ${have}`);
          else assert.ok(have !== null && Math.abs(have - want) <= TOLERANCE, `${where}: ${have} vs museval ${want}`);
        }
      }
    }
  });
}
