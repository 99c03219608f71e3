// `demix mashup` end to end: generated songs with known tempo and key (as stems folders and as plain
// files separated by the classic model), a MUSDB clip, fallbacks and bad input.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Audio } from '../../src/audio/audio.js';
import { readStemFile } from '../../src/audio/decode.js';
import { encodeWav, parseWav } from '../../src/audio/wav.js';
import { dbToGain, samplePeak } from '../../src/dsp/limiter.js';
import { estimateTempo } from '../../src/dsp/tempo.js';
import { chords, clicks, demix, sine, writeStemsFolder } from './dj-helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'demix-mashup-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const MUSDB = join(import.meta.dirname, '..', '..', '..', 'shared', 'data', 'musdb18-7', 'train');
const read = (p: string): Audio => parseWav(new Uint8Array(readFileSync(p)));

const major = (root: number): number[] => [root, root + 4, root + 7];
const SECONDS = 9;
// Song A: 100 BPM, A major, first downbeat 0.4 s. Song B: 128 BPM, C major, first downbeat 0.25 s.
const songA = {
  vocals: chords([major(69), major(74), major(76), major(69)], SECONDS, 0.6),
  drums: clicks(100, SECONDS, 0.4),
  bass: sine(55, SECONDS, 0.2),
  other: chords([major(57), major(62), major(64), major(57)], SECONDS, 1.2),
};
const songB = {
  vocals: sine(523.25, SECONDS, 0.1),
  drums: clicks(128, SECONDS, 0.25),
  bass: sine(65.4, SECONDS, 0.2),
  other: chords([major(60), major(65), major(67), major(60)], SECONDS, 0.9375),
};
const folderA = writeStemsFolder(join(dir, 'A'), songA);
const folderB = writeStemsFolder(join(dir, 'B'), songB);

test('vocals of A over the instrumental of B: tempo and key detected, reported and matched', async () => {
  const out = join(dir, 'vocals-over-b.wav');
  const r = await demix('mashup', '--vocals', folderA, '--instrumental', folderB, '-o', out);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /A: 100\.\d BPM .*first downbeat 0\.[34]\d s, key A major/);
  assert.match(r.stdout, /B: 12[78]\.\d BPM .*first downbeat 0\.2\d s, key C major/);
  assert.match(r.stdout, /tempo: 100\.\d -> 12[78]\.\d BPM \(stretch x0\.78\d\)/);
  assert.match(r.stdout, /key: .* shifted by \+3 semitones \(A major -> C major\)/);
  assert.match(r.stdout, /alignment: .*first downbeats together/);
  const mix = read(out);
  assert.equal(mix.channels[0].length, SECONDS * 44100); // the target sets the length
  assert.ok(samplePeak(mix.channels).peak <= dbToGain(-1) + 1e-6);
});

test('drums of A onto B: the moved drums play at B\'s tempo with their downbeat on B\'s', async () => {
  const out = join(dir, 'drums.wav');
  const r = await demix('mashup', '--from', folderA, '--take', 'drums', '--onto', folderB, '--keep', 'bass', '-o', out, '--bit-depth', '32');
  assert.equal(r.code, 0, r.stderr);
  const est = await estimateTempo(read(out));
  assert.ok(est && Math.abs(est.bpm - 128) <= 1, `mashup tempo ${est?.bpm}`);
  assert.ok(Math.abs(est.firstDownbeat - 0.25) < 0.04, `mashup first downbeat ${est.firstDownbeat}`);
});

test('--bpm, --semitones and --offset override the detection', async () => {
  const out = join(dir, 'override.wav');
  const r = await demix('mashup', '--from', folderA, '--take', 'drums', '--onto', folderB, '--keep', 'bass', '-o', out, '--bpm', '120', '--semitones', '-2', '--offset', '-0.1', '--bit-depth', '32');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /tempo: 100\.\d -> 120\.0 BPM .*B 12[78]\.\d -> 120\.0 BPM/);
  assert.match(r.stdout, /shifted by -2 semitones/);
  assert.match(r.stdout, /offset -0\.1 s/);
  const mix = read(out);
  assert.ok(Math.abs(mix.channels[0].length - Math.round((SECONDS * 44100 * 128) / 120)) < 441 * 2); // B slowed to 120
  const est = await estimateTempo(mix);
  assert.ok(est && Math.abs(est.bpm - 120) <= 1, `tempo ${est?.bpm}`);
});

test('a song too short for tempo detection: announced fallback, aligned at the start', async () => {
  const short = writeStemsFolder(join(dir, 'short'), { vocals: sine(440, 4, 0.2), drums: clicks(100, 4), bass: sine(55, 4, 0.2), other: sine(220, 4, 0.1) });
  const out = join(dir, 'short.wav');
  const r = await demix('mashup', '--vocals', short, '--instrumental', folderB, '-o', out);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /short: tempo unknown/);
  assert.match(r.stdout, /fallback: no tempo for .*short .*not time-stretching, aligning the starts/);
  // Given its tempo, the short song is stretched, but without a beat grid it still starts at 0.
  const given = await demix('mashup', '--vocals', short, '--instrumental', folderB, '-o', join(dir, 'short-given.wav'), '--source-bpm', '100');
  assert.equal(given.code, 0, given.stderr);
  assert.match(given.stdout, /tempo: 100\.0 -> 12[78]\.\d BPM/);
  assert.match(given.stdout, /alignment: no beat grid for .*short; starts aligned/);
});

test('bad input: missing song, half a shorthand, both forms, unknown stem', async () => {
  let r = await demix('mashup', '--vocals', folderA, '-o', join(dir, 'x.wav'));
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--vocals SONG and --instrumental SONG/);
  r = await demix('mashup', '--vocals', folderA, '--onto', folderB, '-o', join(dir, 'x.wav'));
  assert.equal(r.code, 2);
  r = await demix('mashup', '--from', folderA, '--take', 'piano', '--onto', folderB, '-o', join(dir, 'x.wav'));
  assert.equal(r.code, 2);
  assert.match(r.stderr, /unknown stem "piano"/);
  r = await demix('mashup', '--vocals', join(dir, 'nope.wav'), '--instrumental', folderB, '-o', join(dir, 'x.wav'));
  assert.equal(r.code, 1);
  assert.match(r.stderr, /nope\.wav: no such file/);
});

let plainA = '';
let plainB = '';
before(async () => {
  // MUSDB mixtures as plain files, so that the mashup has to separate them.
  for (const [name, song] of [['a', 'Music Delta - Disco'], ['b', 'Music Delta - 80s Rock']] as const) {
    const { mixture } = await readStemFile(join(MUSDB, `${song}.stem.mp4`));
    const p = join(dir, `${name}.wav`);
    writeFileSync(p, encodeWav(mixture, 16));
    if (name === 'a') plainA = p;
    else plainB = p;
  }
});

test('MUSDB clips as plain songs: separated with --model classic, analysed and mashed up', async () => {
  const out = join(dir, 'musdb.wav');
  const r = await demix('mashup', '--vocals', plainA, '--instrumental', plainB, '-o', out, '--model', 'classic');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /a\.wav: \d+\.\d BPM/);
  assert.match(r.stdout, /b\.wav: \d+\.\d BPM/);
  const mix = read(out);
  assert.ok(mix.channels[0].length > 6 * 44100);
  assert.ok(samplePeak(mix.channels).peak <= dbToGain(-1) + 1e-6);
});
