// `demix separate --format stem`: NI stem files that round-trip through demix's own reader and ffprobe.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readStemFile } from '../../src/audio/decode.js';
import { encodeWav } from '../../src/audio/wav.js';
import { chords, clicks, demix } from './dj-helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'demix-sepstem-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const SECONDS = 3;
const song = join(dir, 'Groove.wav');
const drums = clicks(120, SECONDS);
const keys = chords([[60, 64, 67], [65, 69, 72]], SECONDS);
writeFileSync(song, encodeWav({ sampleRate: 44100, channels: drums.channels.map((x, c) => x.map((v, i) => v + keys.channels[c][i])) }, 16));

test('--format stem writes <out>/<track>.stem.mp4 with 5 streams and the given names and colours', async () => {
  const out = join(dir, 'out');
  const r = await demix('separate', song, '-o', out, '--format', 'stem', '--stem-names', 'Beat,Low,Keys,Voice', '--stem-colors', '#112233,#445566,#778899,#AABBCC', '--bitrate', '192', '-q');
  assert.equal(r.code, 0, r.stderr);
  const file = join(out, 'Groove.stem.mp4');
  const { mixture, stems, metadata } = await readStemFile(file);
  assert.deepEqual(Object.keys(stems).sort(), ['bass', 'drums', 'other', 'vocals']);
  assert.ok(Math.abs(mixture.channels[0].length - SECONDS * 44100) < 2048);
  const manifest = metadata as { version: number; stems: { name: string; color: string }[]; mastering_dsp: object };
  assert.equal(manifest.version, 1);
  assert.deepEqual(manifest.stems, [
    { name: 'Beat', color: '#112233' },
    { name: 'Low', color: '#445566' },
    { name: 'Keys', color: '#778899' },
    { name: 'Voice', color: '#AABBCC' },
  ]);
  assert.ok('compressor' in manifest.mastering_dsp && 'limiter' in manifest.mastering_dsp);

  // ffprobe (Debian's ffmpeg package) lists five AAC streams, the first the default one.
  const probe = spawnSync('ffprobe', ['-v', 'error', '-show_entries', 'stream=codec_name,sample_rate,channels:stream_disposition=default', '-of', 'csv=p=0', file], { encoding: 'utf8' });
  if (probe.error) return; // no ffprobe on this machine: the reader check above stands
  assert.equal(probe.status, 0, probe.stderr);
  assert.deepEqual(probe.stdout.trim().split('\n'), ['aac,44100,2,1', 'aac,44100,2,0', 'aac,44100,2,0', 'aac,44100,2,0', 'aac,44100,2,0']);
});

test('--format stem refuses partial stem sets and bad names/colours; mp3 takes --bitrate', async () => {
  let r = await demix('separate', song, '-o', join(dir, 'x'), '--format', 'stem', '--two-stems', 'vocals');
  assert.equal(r.code, 2);
  assert.match(r.stderr, /cannot be combined with --stems or --two-stems/);
  r = await demix('separate', song, '-o', join(dir, 'x'), '--format', 'stem', '--stem-names', 'a,b');
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--stem-names needs 4/);
  r = await demix('separate', song, '-o', join(dir, 'x'), '--format', 'stem', '--stem-colors', 'red,green,blue,white');
  assert.equal(r.code, 2);
  assert.match(r.stderr, /#RRGGBB/);
  r = await demix('separate', song, '-o', join(dir, 'mp3'), '--format', 'mp3', '--bitrate', '128', '--stems', 'drums', '-q');
  assert.equal(r.code, 0, r.stderr);
  assert.ok(existsSync(join(dir, 'mp3', 'Groove', 'drums.mp3')));
  const info = spawnSync('ffprobe', ['-v', 'error', '-show_entries', 'format=bit_rate', '-of', 'csv=p=0', join(dir, 'mp3', 'Groove', 'drums.mp3')], { encoding: 'utf8' });
  if (!info.error) assert.ok(Math.abs(Number(info.stdout) - 128000) < 8000, info.stdout);
});
