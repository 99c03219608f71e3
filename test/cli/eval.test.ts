// `demix eval` and `demix benchmark` end to end: museval parity through the CLI and its JSON report,
// the announced rules for one-sided tracks, bad input, and a classic-separator benchmark on a MUSDB clip.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readStemFile } from '../../src/audio/decode.js';
import { encodeWav, parseWav } from '../../src/audio/wav.js';
import { demix } from './dj-helpers.js';
import { FIXTURES, type MusevalJson } from '../eval/fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'demix-eval-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const DATA = join(import.meta.dirname, '..', '..', '..', 'shared', 'data', 'musdb18-7', 'train');
const CLIP = 'Music Delta - 80s Rock';

/** Copies fixture case `name` into refs/<track> and ests/<track> under `root`. */
function layout(root: string, name: string, track = name): void {
  for (const [side, sub] of [['refs', 'reference'], ['ests', 'estimates']] as const) {
    const to = join(root, side, track);
    mkdirSync(to, { recursive: true });
    for (const t of ['vocals', 'drums', 'bass', 'other', 'accompaniment']) {
      try {
        copyFileSync(join(FIXTURES, name, sub, `${t}.wav`), join(to, `${t}.wav`));
      } catch {
        // the case has no such file
      }
    }
  }
}

test('demix eval: table and museval-layout JSON that match museval per frame', async () => {
  const root = join(dir, 'good');
  layout(root, 'vocals_acc');
  mkdirSync(join(root, 'refs', 'unestimated'), { recursive: true });
  copyFileSync(join(FIXTURES, 'irm', 'reference', 'vocals.wav'), join(root, 'refs', 'unestimated', 'vocals.wav'));
  const json = join(root, 'report.json');
  const r = await demix('eval', '--reference', join(root, 'refs'), '--estimates', join(root, 'ests'), '--json', json);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^target\s+SDR\s+SIR\s+SAR\s+ISR\s+SI-SDR\s+MDX-SDR/);
  assert.match(r.stdout, /\naccompaniment\s+-?\d+\.\d\d/);
  assert.match(r.stderr, /no estimates in .* for unestimated: skipped/);
  const report = JSON.parse(readFileSync(json, 'utf8')) as { tracks: ({ name: string } & MusevalJson)[]; summary: object };
  const expected = JSON.parse(readFileSync(join(FIXTURES, 'vocals_acc', 'museval.json'), 'utf8')) as MusevalJson;
  assert.deepEqual(report.tracks.map((t) => t.name), ['vocals_acc']);
  for (const [i, target] of expected.targets.entries()) {
    const got = report.tracks[0].targets[i];
    assert.equal(got.name, target.name);
    for (const [f, frame] of target.frames.entries()) {
      for (const [m, v] of Object.entries(frame.metrics)) {
        assert.ok(v !== null && Math.abs((got.frames[f].metrics[m] as number) - v) <= 0.01, `${target.name} ${f} ${m}`);
      }
    }
  }
  assert.ok('vocals' in report.summary && 'accompaniment' in report.summary);
});

test('demix eval: bad input fails the track with one line each and exit code 1', async () => {
  const root = join(dir, 'bad');
  layout(root, 'perturbed', 'good');
  const broken = (track: string, edit: (est: string, ref: string) => void) => {
    layout(root, 'perturbed', track);
    edit(join(root, 'ests', track), join(root, 'refs', track));
  };
  const wav = (path: string) => parseWav(new Uint8Array(readFileSync(path)));
  broken('rate', (est) => writeFileSync(join(est, 'bass.wav'), encodeWav({ ...wav(join(est, 'bass.wav')), sampleRate: 22050 }, 16)));
  broken('mono', (est) => {
    const a = wav(join(est, 'drums.wav'));
    writeFileSync(join(est, 'drums.wav'), encodeWav({ sampleRate: a.sampleRate, channels: [a.channels[0]] }, 16));
  });
  broken('silent', (_, ref) => {
    const a = wav(join(ref, 'other.wav'));
    writeFileSync(join(ref, 'other.wav'), encodeWav({ sampleRate: a.sampleRate, channels: a.channels.map((c) => new Float32Array(c.length)) }, 16));
  });
  broken('piano', (est) => copyFileSync(join(est, 'bass.wav'), join(est, 'piano.wav')));
  mkdirSync(join(root, 'ests', 'orphan'));
  copyFileSync(join(root, 'ests', 'good', 'vocals.wav'), join(root, 'ests', 'orphan', 'vocals.wav'));

  const r = await demix('eval', '-r', join(root, 'refs'), '-e', join(root, 'ests'), '-q');
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stdout, /\nvocals\s+/); // the good track is still scored
  assert.match(r.stdout, /median over 1 track/);
  assert.match(r.stderr, /rate: estimate "bass" is at 22050 Hz, expected 44100 Hz/);
  assert.match(r.stderr, /mono: estimate "drums" has 1 channels, expected 2/);
  assert.match(r.stderr, /silent: reference other is silent/);
  assert.match(r.stderr, /piano: unknown target "piano"/);
  assert.match(r.stderr, /orphan: no reference track "orphan"/);
  assert.equal(r.stderr.trim().split('\n').length, 5, r.stderr);

  const none = await demix('eval', '-r', join(root, 'nowhere'), '-e', join(root, 'ests'));
  assert.equal(none.code, 1);
  assert.match(none.stderr, /nowhere: no such file or folder/);
  const usage = await demix('eval', '-r', join(root, 'refs'));
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /--estimates is required/);
});

test('demix eval: a .stem.mp4 reference against half-scaled stems scores SDR = ISR = 6.02 dB', async () => {
  const { stems } = await readStemFile(join(DATA, `${CLIP}.stem.mp4`));
  const est = join(dir, 'half', CLIP);
  mkdirSync(est, { recursive: true });
  for (const [name, audio] of Object.entries(stems)) {
    writeFileSync(join(est, `${name}.wav`), encodeWav({ sampleRate: audio.sampleRate, channels: audio.channels.map((c) => c.map((v) => 0.5 * v)) }, 32));
  }
  const r = await demix('eval', join(DATA, `${CLIP}.stem.mp4`), '--estimates', join(dir, 'half'), '-q');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /references rounded to 16-bit PCM/);
  for (const target of ['vocals', 'drums', 'bass', 'other']) assert.match(r.stdout, new RegExp(`\\n${target}\\s+6\\.02\\s+\\S+\\s+\\S+\\s+6\\.02\\s`));
});

test('demix benchmark: classic separator on a clip of a split, between the mixture floor and the oracle masks', async () => {
  const split = join(dir, 'splits.json');
  writeFileSync(split, JSON.stringify({ train: ['ANiMAL - Clinic A.stem.mp4'], valid: [`${CLIP}.stem.mp4`] }));
  const r = await demix('benchmark', '--dataset', DATA, '--model', 'classic', '--split', split, '--subset', 'valid', '--json');
  assert.equal(r.code, 0, r.stderr);
  type Table = Record<string, Record<string, number>>;
  const out = JSON.parse(r.stdout) as { tracks: string[]; realTimeFactor: number; methods: Record<string, Table>; perTrack: Record<string, Table> };
  assert.deepEqual(out.tracks, [CLIP]);
  assert.equal(out.perTrack[CLIP].vocals.SDR, out.methods.classic.vocals.SDR);
  assert.ok(out.realTimeFactor > 0 && out.realTimeFactor < 5);
  assert.deepEqual(Object.keys(out.methods), ['classic', 'mixture', 'IRM magnitude', 'IRM power']);
  for (const t of ['vocals', 'drums', 'bass', 'other']) {
    const sdr = (m: string) => out.methods[m][t].SDR;
    assert.ok(sdr('mixture') < sdr('classic') && sdr('classic') < sdr('IRM power'), `${t}: ${sdr('mixture')} ${sdr('classic')} ${sdr('IRM power')}`);
  }

  const bad = await demix('benchmark', '--dataset', DATA, '--split', split, '--subset', 'test');
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /has no list of clip names "test"/);
  const missing = await demix('benchmark', '--dataset', DATA, '--tracks', 'No Such Song');
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /not in .*: No Such Song\.stem\.mp4/);
});
