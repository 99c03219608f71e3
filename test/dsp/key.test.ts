import { test } from 'node:test';
import assert from 'node:assert/strict';
import { estimateKey, keyShift } from '../../src/dsp/key.js';

const SR = 22050;

/** Triads (MIDI note numbers) played one per second with 4 harmonics each, the progression twice. (samples) */
function progression(chords: number[][]): Float32Array {
  const len = SR;
  const x = new Float32Array(chords.length * 2 * len);
  let at = 0;
  for (let rep = 0; rep < 2; rep++) {
    for (const chord of chords) {
      for (const note of chord) {
        const f = 440 * Math.pow(2, (note - 69) / 12);
        for (let i = 0; i < len; i++) {
          let v = 0;
          for (let h = 1; h <= 4; h++) v += Math.sin((2 * Math.PI * f * h * i) / SR) / h;
          x[at + i] += 0.08 * v * Math.min(1, i / 200);
        }
      }
      at += len;
    }
  }
  return x;
}

const major = (root: number): number[] => [root, root + 4, root + 7];
const minor = (root: number): number[] => [root, root + 3, root + 7];

const CASES: [string, number[][]][] = [
  ['C major', [major(60), major(65), major(67), major(60)]], // I IV V I
  ['A minor', [minor(57), minor(62), major(64), minor(57)]], // i iv V i
  ['E major', [major(64), major(69), major(71), major(64)]],
  ['F# minor', [minor(54), minor(59), major(61), minor(54)]],
  ['Bb major', [major(58), major(63), major(65), major(58)]],
];

for (const [name, chords] of CASES) {
  test(`chord progression in ${name} is detected as ${name}`, async () => {
    const est = await estimateKey({ sampleRate: SR, channels: [progression(chords)] });
    assert.equal(est?.name, name);
    assert.ok(est.confidence > 0.05);
  });
}

test('silence has no key', async () => {
  assert.equal(await estimateKey({ sampleRate: SR, channels: [new Float32Array(SR * 2)] }), undefined);
});

test('key shift takes the shortest way and matches relative keys across modes', () => {
  assert.equal(keyShift({ tonic: 0, mode: 'major' }, { tonic: 2, mode: 'major' }), 2); // C -> D
  assert.equal(keyShift({ tonic: 0, mode: 'major' }, { tonic: 10, mode: 'major' }), -2); // C -> Bb
  assert.equal(keyShift({ tonic: 9, mode: 'minor' }, { tonic: 0, mode: 'major' }), 0); // A minor ~ C major
  assert.equal(keyShift({ tonic: 4, mode: 'minor' }, { tonic: 0, mode: 'major' }), 5); // E minor (G) -> C
  assert.equal(keyShift({ tonic: 0, mode: 'major' }, { tonic: 6, mode: 'major' }), -6); // tritone: down
});
