// `demix karaoke` end to end: a generated song separated by the classic model, guide vocals, a stems
// folder and a MUSDB stem file (no separation), bad input.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Audio } from '../../src/audio/audio.js';
import { encodeWav, parseWav } from '../../src/audio/wav.js';
import { chords, clicks, demix, sine, writeStemsFolder } from './dj-helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'demix-karaoke-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const CLIP = join(import.meta.dirname, '..', '..', '..', 'shared', 'data', 'musdb18-7', 'train', 'Music Delta - Country1.stem.mp4');
const read = (p: string): Audio => parseWav(new Uint8Array(readFileSync(p)));

const SECONDS = 4;
const stems = {
  vocals: sine(440, SECONDS, 0.3),
  drums: clicks(110, SECONDS),
  bass: sine(55, SECONDS, 0.3),
  other: chords([[60, 64, 67]], SECONDS),
};
/** a + g * b, sample by sample (same shapes). */
function mix(a: Audio, b: Audio, g = 1): Audio {
  return { sampleRate: a.sampleRate, channels: a.channels.map((x, c) => x.map((v, i) => v + g * b.channels[c][i])) };
}
const rms = (x: Float32Array): number => Math.sqrt(x.reduce((s, v) => s + v * v, 0) / x.length);
const band = mix(mix(stems.drums, stems.bass), stems.other);
const song = join(dir, 'My Song.wav');
writeFileSync(song, encodeWav(mix(band, stems.vocals), 32));

test('a song separates into instrumental + a cappella that sum back to it', async () => {
  const r = await demix('karaoke', song, '-o', join(dir, 'out'), '--bit-depth', '32');
  assert.equal(r.code, 0, r.stderr);
  const inst = read(join(dir, 'out', 'My Song', 'instrumental.wav'));
  const acap = read(join(dir, 'out', 'My Song', 'acappella.wav'));
  assert.equal(inst.channels[0].length, SECONDS * 44100);
  const original = read(song);
  const residual = mix(mix(inst, acap), original, -1);
  assert.ok(rms(residual.channels[0]) < 1e-3 * rms(original.channels[0]), 'stems do not sum to the song');
});

test('--guide-vocals keeps the lead vocal in the instrumental at the given gain', async () => {
  const folder = writeStemsFolder(join(dir, 'stems'), stems);
  const r = await demix('karaoke', folder, '-o', join(dir, 'guide'), '--guide-vocals', '-18', '--bit-depth', '32');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /guide vocals at -18 dB/);
  const inst = read(join(dir, 'guide', 'stems', 'instrumental.wav'));
  const guide = mix(inst, band, -1); // what is left besides the band: the guide vocal
  const ratio = rms(guide.channels[0]) / rms(stems.vocals.channels[0]);
  assert.ok(Math.abs(20 * Math.log10(ratio) + 18) < 0.2, `guide at ${20 * Math.log10(ratio)} dB`);
  assert.deepEqual(read(join(dir, 'guide', 'stems', 'acappella.wav')).channels[0], stems.vocals.channels[0]);
});

test('a MUSDB stem file gives its own vocals and the sum of the other stems (mp3 output)', async () => {
  const r = await demix('karaoke', CLIP, '-o', join(dir, 'musdb'), '--format', 'mp3', '--bitrate', '192');
  assert.equal(r.code, 0, r.stderr);
  assert.ok(existsSync(join(dir, 'musdb', 'Music Delta - Country1', 'instrumental.mp3')));
  assert.ok(existsSync(join(dir, 'musdb', 'Music Delta - Country1', 'acappella.mp3')));
});

test('bad input: missing song, bad guide gain, existing output', async () => {
  let r = await demix('karaoke', join(dir, 'missing.mp3'), '-o', join(dir, 'x'));
  assert.equal(r.code, 1);
  assert.match(r.stderr, /missing\.mp3: no such file/);
  r = await demix('karaoke', song, '--guide-vocals', '+6');
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--guide-vocals must be a gain in dB between -60 and 0/);
  r = await demix('karaoke', song, '-o', join(dir, 'out'));
  assert.equal(r.code, 1);
  assert.match(r.stderr, /already exists/);
});
