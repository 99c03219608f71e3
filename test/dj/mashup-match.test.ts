// Mashup matching: the stretch ratio, pitch shift and downbeat offset chosen from two songs' analyses
// and overrides, and the lengths, rate and placement of the stems laid out with them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Audio } from '../../src/audio/audio.js';
import { matchSource, matchTarget, planMatch, tempoRatio, type SongAnalysis } from '../../src/dj/mashup-match.js';
import { keyName } from '../../src/dsp/key.js';
import { frequencyOf } from '../dsp/signals.js';

const SR = 44100;

/** An analysis as the detectors would give it: tempo with its first downbeat (s), key by tonic and mode. */
function song(bpm: number | undefined, firstDownbeat: number, tonic: number, mode: 'major' | 'minor'): SongAnalysis {
  return {
    tempo: bpm === undefined ? undefined : { bpm, confidence: 0.9, firstBeat: firstDownbeat, firstDownbeat },
    key: { tonic, mode, name: keyName(tonic, mode), confidence: 0.5, chroma: new Float32Array(12) },
  };
}

const at120 = song(120, 0.5, 9, 'major'); // A major
const at128 = song(128, 0.25, 0, 'major'); // C major

/** `seconds` of a mono sine at `freq` Hz. */
function tone(freq: number, seconds: number, rate = SR): Audio {
  const x = new Float32Array(Math.round(seconds * rate));
  for (let i = 0; i < x.length; i++) x[i] = 0.5 * Math.sin((2 * Math.PI * freq * i) / rate);
  return { sampleRate: rate, channels: [x] };
}

const silence = (seconds: number, channels = 2): Audio => ({ sampleRate: SR, channels: Array.from({ length: channels }, () => new Float32Array(Math.round(seconds * SR))) });

test('tempoRatio counts the source at half or double time when that stretches less', () => {
  assert.deepEqual(tempoRatio(120, 128), { ratio: 0.9375, factor: 1 });
  assert.deepEqual(tempoRatio(60, 128), { ratio: 0.9375, factor: 2 });
  assert.deepEqual(tempoRatio(240, 128), { ratio: 0.9375, factor: 0.5 });
});

test('a 120 BPM song onto a 128 BPM one: stretch x0.9375, +3 semitones (A to C major), first downbeats together', () => {
  const m = planMatch(at120, at128);
  assert.equal(m.tempoMatched, true);
  assert.equal(m.sourceRatio, 0.9375);
  assert.equal(m.targetRatio, 1);
  assert.equal(m.beatFactor, 1);
  assert.equal(m.semitones, 3);
  assert.equal(m.downbeatsAligned, true);
  assert.equal(m.shiftSeconds, 0.25 - 0.5 * 0.9375); // the stretched downbeat at 0.46875 s moved to 0.25 s
});

test('overrides: --bpm stretches the target too, --semitones and --offset replace the detection', () => {
  const m = planMatch(at120, at128, { bpm: 120, semitones: -2, offset: 0.1 });
  assert.equal(m.outBpm, 120);
  assert.equal(m.sourceRatio, 1);
  assert.equal(m.targetRatio, 128 / 120);
  assert.equal(m.semitones, -2);
  assert.ok(Math.abs(m.shiftSeconds - (0.1 + (0.25 * 128) / 120 - 0.5)) < 1e-12);
});

test('an unknown tempo: nothing stretched, starts aligned; a given tempo without a beat grid: stretched, starts aligned', () => {
  const noTempo = song(undefined, 0, 9, 'minor'); // A minor: the relative of C major, no shift
  const fallback = planMatch(noTempo, at128, { offset: 0.2 });
  assert.deepEqual(
    { tempoMatched: fallback.tempoMatched, sourceRatio: fallback.sourceRatio, downbeatsAligned: fallback.downbeatsAligned, shiftSeconds: fallback.shiftSeconds, semitones: fallback.semitones },
    { tempoMatched: false, sourceRatio: 1, downbeatsAligned: false, shiftSeconds: 0.2, semitones: 0 },
  );
  const given = planMatch(noTempo, at128, { sourceBpm: 100 });
  assert.equal(given.tempoMatched, true);
  assert.equal(given.sourceRatio, 100 / 128);
  assert.equal(given.downbeatsAligned, false);
  assert.equal(given.shiftSeconds, 0);
});

test('matchSource delays or cuts the source by the shift and pads or cuts it to the bed (stereo from mono)', async () => {
  const impulse = new Float32Array(SR);
  impulse[1000] = 1;
  const source: Audio = { sampleRate: SR, channels: [impulse] };
  const unstretched = planMatch(song(undefined, 0, 0, 'major'), at128); // no tempo, C major onto C major: ratio 1, no pitch shift
  for (const [shiftSeconds, at] of [[0.01, 1441], [-0.01, 559], [0.6, -1]] as const) {
    const out = await matchSource(source, { ...unstretched, shiftSeconds }, silence(0.5));
    assert.equal(out.sampleRate, SR);
    assert.equal(out.channels.length, 2);
    for (const c of out.channels) {
      assert.equal(c.length, SR / 2);
      assert.equal(c.indexOf(1), at, `shift ${shiftSeconds} s`);
    }
  }
});

test('matchSource: a 48 kHz stem at 120 BPM onto 128 BPM comes out at the bed\'s rate, stretched, shifted and higher', async () => {
  const m = planMatch(at120, at128);
  const out = await matchSource(tone(440, 2, 48000), m, silence(3));
  assert.equal(out.sampleRate, SR);
  assert.equal(out.channels.length, 2);
  assert.equal(out.channels[0].length, 3 * SR);
  const end = Math.round(2 * SR * m.sourceRatio) + Math.round(m.shiftSeconds * SR); // stretched length, head cut by the shift
  const y = out.channels[0];
  assert.ok(y.subarray(end).every((v) => v === 0), 'silence after the stretched stem');
  assert.ok(y.subarray(end - 1000, end).some((v) => v !== 0), 'the stretched stem lasts until its end');
  const expected = 440 * 2 ** (3 / 12);
  assert.ok(Math.abs(frequencyOf(y.subarray(0, end), SR) - expected) < 4, `${frequencyOf(y.subarray(0, end), SR)} Hz, expected ${expected}`);
});

test('matchTarget stretches the target to --bpm: round(length x 128/120) samples, stereo', async () => {
  const bed = await matchTarget(tone(220, 1), planMatch(at120, at128, { bpm: 120 }));
  assert.equal(bed.channels.length, 2);
  assert.equal(bed.channels[0].length, Math.round((SR * 128) / 120));
  const same = await matchTarget(tone(220, 1), planMatch(at120, at128));
  assert.equal(same.channels[0].length, SR);
});
