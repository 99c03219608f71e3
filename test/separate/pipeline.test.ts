import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Audio } from '../../src/audio/audio.js';
import type { Spectrogram } from '../../src/dsp/spectrogram.js';
import { DEFAULT_STFT } from '../../src/dsp/spectrogram.js';
import { normaliseMasks } from '../../src/separate/masks.js';
import { levelGain, MAX_LEVEL_GAIN_DB, planChunks, separateAudio, separateInto } from '../../src/separate/pipeline.js';
import type { ProgressEvent } from '../../src/separate/pipeline.js';
import type { Separator } from '../../src/separate/separator.js';
import { TARGETS } from '../../src/separate/separator.js';
import { joinBlocks } from '../audio/helpers.js';
import { snrDb } from '../dsp/signals.js';

const RATE = 44100;

/** Deterministic stereo test signal: tones, a chirp and seeded noise bursts. seconds -> [2][samples]. */
function synth(seconds: number): Audio {
  const n = Math.round(seconds * RATE);
  const l = new Float32Array(n);
  const r = new Float32Array(n);
  let seed = 12345;
  const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32) * 2 - 1;
  for (let i = 0; i < n; i++) {
    const t = i / RATE;
    const bass = 0.3 * Math.sin(2 * Math.PI * 55 * t);
    const lead = 0.2 * Math.sin(2 * Math.PI * (440 + 220 * Math.sin(0.5 * t)) * t);
    const burst = (t % 0.5) < 0.05 ? 0.3 * rand() : 0;
    l[i] = bass + lead + burst + 0.1 * Math.sin(2 * Math.PI * 3000 * t);
    r[i] = bass + 0.7 * lead + burst;
  }
  return { sampleRate: RATE, channels: [l, r] };
}

/**
 * A frame-local separator for testing: each target owns a smooth frequency band, weighted by the bin's
 * magnitude, so its masks depend only on the bin itself (chunking cannot change them). `levelled`: the first
 * target's weight alone grows with the magnitude (times estimate's gain), so the masks depend on the level.
 */
function bandSeparator(levelled = false): Separator {
  return {
    name: 'bands',
    targets: TARGETS,
    sampleRate: RATE,
    stft: DEFAULT_STFT,
    async estimate(mix: Spectrogram, _signal?: AbortSignal, gain = 1) {
      return TARGETS.map((_, j) =>
        mix.re.map((re, c) => {
          const im = mix.im[c];
          const m = new Float32Array(re.length);
          for (let i = 0; i < m.length; i++) {
            const f = i % mix.nBins;
            const centre = [300, 60, 5, 1200][j];
            const band = Math.exp(-((Math.log((f + 1) / centre)) ** 2));
            const weight = 0.5 + gain * Math.sqrt(re[i] * re[i] + im[i] * im[i]);
            m[i] = band * (levelled && j > 0 ? 1 : weight);
          }
          return m;
        }),
      );
    },
  };
}

function sum(stems: Audio[], c: number): Float32Array {
  const out = new Float32Array(stems[0].channels[c].length);
  for (const s of stems) s.channels[c].forEach((v, i) => (out[i] += v));
  return out;
}

test('chunk plan covers the signal and cross-fade weights sum to one', () => {
  const chunks = planChunks(100, 40, 12);
  assert.equal(chunks[0].start, 0);
  assert.equal(chunks[chunks.length - 1].end, 100);
  for (let k = 0; k + 1 < chunks.length; k++) {
    assert.equal(chunks[k + 1].start, chunks[k].start + 28);
    assert.deepEqual(chunks[k].fadeOut, chunks[k + 1].fadeIn);
    assert.ok(chunks[k].fadeOut!.from >= chunks[k + 1].start && chunks[k].fadeOut!.from + chunks[k].fadeOut!.length <= chunks[k].end);
  }
  assert.deepEqual(planChunks(30, 40, 12), [{ start: 0, end: 30, fadeIn: null, fadeOut: null }]);
});

test("the Wiener exponent comes from the options, else the separator's, else 2", async () => {
  const mix = synth(2);
  const run = async (sep: Separator, opts: { wienerExponent?: number }) => (await separateAudio(mix, sep, { wienerIterations: 1, ...opts })).vocals.channels[0];
  const power = await run(bandSeparator(), {});
  const magnitudes = await run(bandSeparator(), { wienerExponent: 1 });
  assert.ok(snrDb(power, magnitudes) < 60, 'α = 1 and α = 2 gave the same stem');
  assert.deepEqual(await run({ ...bandSeparator(), wienerExponent: 1 }, {}), magnitudes);
  assert.deepEqual(await run({ ...bandSeparator(), wienerExponent: 1 }, { wienerExponent: 2 }), power);
});

test('level gain: brings the RMS over all samples to the target, 1 without a target or for silence, bounded', () => {
  const mix = synth(1);
  const rmsDb = (a: Audio) => 10 * Math.log10(a.channels.flatMap((x) => Array.from(x)).reduce((s, v) => s + v * v, 0) / (2 * a.channels[0].length));
  const g = levelGain(mix, -30);
  assert.ok(Math.abs(rmsDb({ ...mix, channels: mix.channels.map((x) => x.map((v) => v * g)) }) + 30) < 1e-3);
  assert.equal(levelGain(mix, undefined), 1);
  assert.equal(levelGain({ sampleRate: RATE, channels: [new Float32Array(99), new Float32Array(99)] }, -16), 1);
  const faint = { sampleRate: RATE, channels: [new Float32Array(99).fill(1e-6), new Float32Array(99).fill(1e-6)] };
  assert.ok(Math.abs(20 * Math.log10(levelGain(faint, 0)) - MAX_LEVEL_GAIN_DB) < 1e-9);
});

test('with a training level, a quiet and a loud copy of a song give the same stems to scale (level normalisation)', async () => {
  const mix = synth(3);
  const quiet = { ...mix, channels: mix.channels.map((x) => x.map((v) => v * 0.05)) };
  const worstDb = async (sep: Separator) => {
    const loud = await separateAudio(mix, sep, { wienerIterations: 0 });
    const soft = await separateAudio(quiet, sep, { wienerIterations: 0 });
    return Math.min(...TARGETS.flatMap((t) => [0, 1].map((c) => snrDb(loud[t].channels[c], soft[t].channels[c].map((v) => v / 0.05)))));
  };
  assert.ok((await worstDb({ ...bandSeparator(true), inputRmsDb: -20 })) > 60);
  assert.ok((await worstDb(bandSeparator(true))) < 30, 'the test separator must depend on the level');
});

test('mixture consistency: all stems sum back to the mixture (soft masks and Wiener)', async () => {
  const mix = synth(3);
  for (const wienerIterations of [0, 1]) {
    const stems = await separateAudio(mix, bandSeparator(), { wienerIterations });
    assert.deepEqual(Object.keys(stems), [...TARGETS]);
    for (let c = 0; c < 2; c++) {
      const db = snrDb(mix.channels[c], sum(Object.values(stems), c));
      assert.ok(db > 80, `iterations ${wienerIterations}, channel ${c}: ${db.toFixed(1)} dB`);
    }
  }
});

test('chunked processing matches unchunked processing', async () => {
  const mix = synth(12);
  const whole = await separateAudio(mix, bandSeparator(), { wienerIterations: 0 });
  const chunked = await separateAudio(mix, bandSeparator(), { wienerIterations: 0, chunkSeconds: 4, overlapSeconds: 2 });
  for (const t of TARGETS) {
    for (let c = 0; c < 2; c++) {
      const db = snrDb(whole[t].channels[c], chunked[t].channels[c]);
      assert.ok(db > 50, `${t}/${c}: ${db.toFixed(1)} dB`);
    }
  }
  const sumDb = snrDb(mix.channels[0], sum(Object.values(chunked), 0));
  assert.ok(sumDb > 80, `chunked mixture consistency ${sumDb.toFixed(1)} dB`);
});

test('a subset of targets returns exactly those stems, equal to the full run', async () => {
  const mix = synth(2);
  const all = await separateAudio(mix, bandSeparator(), {});
  const some = await separateAudio(mix, bandSeparator(), { targets: ['bass', 'vocals'] });
  assert.deepEqual(Object.keys(some), ['vocals', 'bass']);
  assert.deepEqual(some.vocals.channels[1], all.vocals.channels[1]);
  assert.deepEqual(some.bass.channels[0], all.bass.channels[0]);
  await assert.rejects(separateAudio(mix, bandSeparator(), { targets: ['piano'] }), /piano/);
});

test('the last stem, left over as the mixture minus the others, equals its own iSTFT (soft masks and Wiener)', async () => {
  const mix = synth(3);
  const last = TARGETS[TARGETS.length - 1];
  for (const wienerIterations of [0, 1]) {
    const all = await separateAudio(mix, bandSeparator(), { wienerIterations }); // `last` is the remainder
    const alone = await separateAudio(mix, bandSeparator(), { wienerIterations, targets: [last] }); // its own iSTFT
    for (let c = 0; c < 2; c++) {
      const db = snrDb(alone[last].channels[c], all[last].channels[c]);
      assert.ok(db > 100, `${wienerIterations} iterations, channel ${c}: ${db.toFixed(1)} dB`);
    }
  }
});

test('masks a separator declares as summing to one are used as they are, not re-normalised', async () => {
  const mix = synth(3);
  const sep = bandSeparator(); // masks far from summing to one
  const checked = await separateAudio(mix, sep, { wienerIterations: 0 });
  const normalised: Separator = { ...sep, masksSumToOne: true, estimate: async (s) => { const m = await sep.estimate(s); normaliseMasks(m); return m; } };
  assert.deepEqual(await separateAudio(mix, normalised, { wienerIterations: 0 }), checked);
  const trusted = await separateAudio(mix, { ...sep, masksSumToOne: true }, { wienerIterations: 0 });
  assert.ok(snrDb(checked.vocals.channels[0], trusted.vocals.channels[0]) < 20, 'a false claim is taken at its word');
});

test('two-stem mode returns vocals and accompaniment that sum to the mixture', async () => {
  const mix = synth(2);
  const stems = await separateAudio(mix, bandSeparator(), { twoStems: 'vocals' });
  assert.deepEqual(Object.keys(stems), ['vocals', 'accompaniment']);
  for (let c = 0; c < 2; c++) assert.ok(snrDb(mix.channels[c], sum(Object.values(stems), c)) > 80);
  const drums = await separateAudio(mix, bandSeparator(), { twoStems: 'drums' });
  assert.deepEqual(Object.keys(drums), ['drums', 'no_drums']);
});

test('separateInto streams each stem as consecutive blocks of at most a chunk, ends it once, and equals separateAudio', async () => {
  const mix = synth(9);
  const opts = { chunkSeconds: 3, overlapSeconds: 1, twoStems: 'vocals' };
  const got = [0, 1].map(() => ({ blocks: [] as Float32Array[][], ends: 0 }));
  await separateInto(mix, bandSeparator(), got.map((g) => ({ write: (chs: Float32Array[]) => void g.blocks.push(chs.map((x) => x.slice())), end: () => void g.ends++ })), opts);
  const whole = await separateAudio(mix, bandSeparator(), opts);
  ['vocals', 'accompaniment'].forEach((name, s) => {
    const { blocks, ends } = got[s];
    assert.equal(ends, 1);
    assert.ok(blocks.length >= 4, `${blocks.length} blocks`);
    assert.ok(blocks.every((b) => b.length === 2 && b[0].length <= 3 * RATE), 'stereo blocks no longer than a chunk');
    assert.deepEqual(joinBlocks(blocks), whole[name].channels);
  });
});

test('a failing sink stops the separation with its error', async () => {
  let writes = 0;
  const failing = { write: () => (++writes === 2 ? Promise.reject(new Error('disk full')) : undefined) };
  await assert.rejects(separateInto(synth(9), bandSeparator(), [failing, { write: () => undefined }], { chunkSeconds: 3, overlapSeconds: 1, twoStems: 'vocals' }), /disk full/);
  assert.equal(writes, 2);
});

test('progress is reported from 0 to 1 without going back', async () => {
  const events: ProgressEvent[] = [];
  await separateAudio(synth(9), bandSeparator(), { chunkSeconds: 3, overlapSeconds: 1, onProgress: (e) => events.push(e) });
  assert.ok(events.length >= 5);
  assert.equal(events[0].fraction, 0);
  assert.equal(events[events.length - 1].fraction, 1);
  for (let i = 1; i < events.length; i++) assert.ok(events[i].fraction >= events[i - 1].fraction);
  assert.ok(events.every((e) => e.stage === 'separate'));
});

test('aborting cancels between chunks, and an aborted signal rejects at once', async () => {
  const controller = new AbortController();
  let calls = 0;
  const sep = bandSeparator();
  const counting: Separator = { ...sep, estimate: (s, sig) => (calls++, sep.estimate(s, sig)) };
  const run = separateAudio(synth(12), counting, {
    chunkSeconds: 3,
    overlapSeconds: 1,
    signal: controller.signal,
    onProgress: (e) => e.fraction > 0 && controller.abort(),
  });
  await assert.rejects(run, { name: 'AbortError' });
  assert.equal(calls, 1);
  await assert.rejects(separateAudio(synth(1), sep, { signal: AbortSignal.abort() }), { name: 'AbortError' });
});

test('inputs shorter than one STFT frame are separated too', async () => {
  const mix = synth(0.01);
  const stems = await separateAudio(mix, bandSeparator(), {});
  assert.equal(stems.vocals.channels[0].length, mix.channels[0].length);
  assert.ok(snrDb(mix.channels[0], sum(Object.values(stems), 0)) > 60);
});
