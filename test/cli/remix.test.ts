// `demix remix` end to end on generated stems folders, an NI stem file and a MUSDB clip.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Audio } from '../../src/audio/audio.js';
import { ffmpegPath } from '../../src/audio/ffmpeg.js';
import { writeStemFile } from '../../src/audio/stems-mp4-node.js';
import { parseWav } from '../../src/audio/wav.js';
import { dbToGain, samplePeak, truePeak } from '../../src/dsp/limiter.js';
import { clicks, demix, sine, writeStemsFolder } from './dj-helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'demix-remix-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const CLIP = join(import.meta.dirname, '..', '..', '..', 'shared', 'data', 'musdb18-7', 'train', 'Music Delta - 80s Rock.stem.mp4');

const SECONDS = 2;
const stems = { vocals: sine(440, SECONDS, 0.5), drums: clicks(120, SECONDS), bass: sine(55, SECONDS, 0.5), other: sine(660, SECONDS, 0.4) };
const folder = writeStemsFolder(join(dir, 'song'), stems);
const read = (p: string): Audio => parseWav(new Uint8Array(readFileSync(p)));

/** Max |a - b| over all channels and samples. */
function maxDiff(a: Audio, b: Audio): number {
  let m = 0;
  a.channels.forEach((x, c) => x.forEach((v, i) => (m = Math.max(m, Math.abs(v - b.channels[c][i])))));
  return m;
}

function expected(gains: Record<string, number>): Audio {
  const n = stems.vocals.channels[0].length;
  const channels = [new Float32Array(n), new Float32Array(n)];
  for (const [name, g] of Object.entries(gains)) {
    const s = stems[name as keyof typeof stems];
    for (let c = 0; c < 2; c++) for (let i = 0; i < n; i++) channels[c][i] += g * s.channels[c][i];
  }
  return { sampleRate: 44100, channels };
}

test('gains in dB and mute give exactly the weighted sum (no limiter)', async () => {
  const out = join(dir, 'gain.wav');
  const r = await demix('remix', folder, '-o', out, '--gain', 'vocals=-6,drums=+3', '--mute', 'bass', '--no-limit', '--bit-depth', '32');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /bass muted/);
  assert.ok(maxDiff(read(out), expected({ vocals: dbToGain(-6), drums: dbToGain(3), other: 1 })) < 1e-5);
});

test('solo keeps only the soloed stems', async () => {
  const out = join(dir, 'solo.wav');
  const r = await demix('remix', folder, '-o', out, '--solo', 'vocals,other', '--no-limit', '--bit-depth', '32');
  assert.equal(r.code, 0, r.stderr);
  assert.ok(maxDiff(read(out), expected({ vocals: 1, other: 1 })) < 1e-5);
});

test('the default limiter keeps every sample and the true peak under the -1 dBTP ceiling, and says so', async () => {
  const out = join(dir, 'limited.wav');
  const r = await demix('remix', folder, '-o', out, '--gain', 'bass=+6', '--bit-depth', '32');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /samples over full scale/);
  assert.match(r.stdout, /limiter: up to \d+\.\d dB gain reduction/);
  const audio = read(out);
  assert.ok(samplePeak(audio.channels).peak <= dbToGain(-1) + 1e-6);
  assert.ok(truePeak(audio.channels) <= dbToGain(-1) * 1.0001);
});

test('--normalize puts the true peak on the ceiling; --no-limit reports the clipping', async () => {
  const out = join(dir, 'normalised.wav');
  let r = await demix('remix', folder, '-o', out, '--normalize', '--ceiling', '-3', '--bit-depth', '32');
  assert.equal(r.code, 0, r.stderr);
  assert.ok(Math.abs(20 * Math.log10(truePeak(read(out).channels)) + 3) < 0.05);
  r = await demix('remix', folder, '-o', join(dir, 'clipped.wav'), '--no-limit');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /warning: \d+ samples clip/);
});

test('stems of different rates and lengths are resampled and padded, and the command says so', async () => {
  const odd = writeStemsFolder(join(dir, 'odd'), { ...stems, bass: sine(55, SECONDS, 0.5, 22050), vocals: sine(440, 1.5, 0.5) });
  const out = join(dir, 'odd.wav');
  const r = await demix('remix', odd, '-o', out, '--bit-depth', '32');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /bass resampled from 22050 Hz to 44100 Hz/);
  assert.match(r.stdout, /vocals is 0\.500 s shorter .* padded with silence/);
  assert.equal(read(out).channels[0].length, SECONDS * 44100);
});

test('a two-stem folder (vocals + accompaniment, as --two-stems writes) remixes too', async () => {
  const two = writeStemsFolder(join(dir, 'two'), { vocals: stems.vocals, accompaniment: stems.other });
  const out = join(dir, 'two.wav');
  const r = await demix('remix', two, '-o', out, '--gain', 'vocals=-6', '--no-limit', '--bit-depth', '32');
  assert.equal(r.code, 0, r.stderr);
  assert.ok(maxDiff(read(out), expected({ vocals: dbToGain(-6), other: 1 })) < 1e-5);
});

test('bad input: missing stem, unknown stem, existing output, no output', async () => {
  const partial = writeStemsFolder(join(dir, 'partial'), { vocals: stems.vocals, drums: stems.drums, other: stems.other });
  let r = await demix('remix', partial, '-o', join(dir, 'x.wav'));
  assert.equal(r.code, 1);
  assert.match(r.stderr, /partial: stems folder lacks bass/);
  r = await demix('remix', folder, '-o', join(dir, 'x.wav'), '--gain', 'piano=-3');
  assert.equal(r.code, 2);
  assert.match(r.stderr, /unknown stem "piano"/);
  r = await demix('remix', folder, '-o', join(dir, 'gain.wav'));
  assert.equal(r.code, 1);
  assert.match(r.stderr, /already exists/);
  r = await demix('remix', folder);
  assert.equal(r.code, 2);
  r = await demix('remix', folder, '-o', join(dir, 'x.ogg'));
  assert.equal(r.code, 2);
  assert.match(r.stderr, /must end in \.wav, \.flac, \.mp3/);
  r = await demix('remix', folder, '-o', join(dir, 'x.wav'), '--solo', 'vocals', '--mute', 'vocals');
  assert.equal(r.code, 2);
});

test('a .stem.mp4 with fewer than five streams is a clear error', async () => {
  const fake = join(dir, 'fake.stem.mp4');
  const r0 = spawnSync(ffmpegPath(), ['-v', 'error', '-f', 'lavfi', '-i', 'sine=d=1', '-c:a', 'aac', '-f', 'mp4', fake]);
  assert.equal(r0.status, 0, r0.stderr.toString());
  const r = await demix('remix', fake, '-o', join(dir, 'fake.wav'));
  assert.equal(r.code, 1);
  assert.match(r.stderr, /fake\.stem\.mp4: has 1 audio stream\(s\); a stem file has 5/);
});

test('an NI stem file made by demix remixes like its folder (within AAC accuracy)', async () => {
  const file = join(dir, 'song.stem.mp4');
  const master = expected({ vocals: 1, drums: 1, bass: 1, other: 1 });
  await writeStemFile(file, { master, stems });
  const out = join(dir, 'from-stem-file.wav');
  const r = await demix('remix', file, '-o', out, '--solo', 'bass', '--no-limit', '--bit-depth', '32');
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stdout, /no NI stem metadata/);
  const bass = read(out);
  const rms = Math.sqrt(bass.channels[0].reduce((s, v) => s + v * v, 0) / bass.channels[0].length);
  assert.ok(Math.abs(rms - 0.5 / Math.SQRT2) < 0.03, `bass rms ${rms}`);
});

test('a MUSDB clip (.stem.mp4 without NI metadata) remixes, with the fallback announced', async () => {
  const out = join(dir, 'musdb.wav');
  const r = await demix('remix', CLIP, '-o', out, '--gain', 'vocals=-12', '--mute', 'drums');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /no NI stem metadata; assuming NI's stream order/);
  assert.ok(samplePeak(read(out).channels).peak <= dbToGain(-1) + 1e-6);
  unlinkSync(out);
});
