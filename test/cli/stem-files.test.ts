// The streamed writing of `demix separate`'s stem files: the files hold the library's stems sample for
// sample, the loudness is the whole stems', and a failure at any point leaves nothing behind.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Audio } from '../../src/audio/audio.js';
import { encodeWav, parseWav } from '../../src/audio/wav.js';
import { writeStemFiles, type StemFilesSettings } from '../../src/cli/stem-files.js';
import { separate } from '../../src/index.js';
import { createClassicSeparator } from '../../src/separate/classic.js';
import { measureLoudness } from '../../src/separate/loudness.js';
import type { Separator } from '../../src/separate/separator.js';
import { errorCode, removeDir, scratchDir } from '../audio/helpers.js';

const dir = scratchDir('stem-files');
after(() => removeDir(dir));

/** `seconds` of a chord with a tremolo on `nCh` channels at `rate`, written as a 16-bit wav in `dir`. */
function song(name: string, rate: number, nCh: number, seconds: number): string {
  const x = new Float32Array(Math.round(rate * seconds));
  for (let i = 0; i < x.length; i++) {
    const t = i / rate;
    x[i] = (0.2 * Math.sin(2 * Math.PI * 220 * t) + 0.15 * Math.sin(2 * Math.PI * 1320 * t)) * (0.6 + 0.4 * Math.sin(2 * Math.PI * 3 * t));
  }
  const audio: Audio = { sampleRate: rate, channels: Array.from({ length: nCh }, (_, c) => x.map((v) => v * (1 - 0.2 * c))) };
  const path = join(dir, name);
  writeFileSync(path, encodeWav(audio, 16));
  return path;
}

const float32: StemFilesSettings = { format: 'wav', bitDepth: 32, skipSilent: false };

test('streamed stems equal the library\'s in-memory stems sample for sample, loudness included (stereo; mono at another rate)', async () => {
  for (const [input, sampleRate] of [[song('stereo.wav', 44100, 2, 5), undefined], [song('mono.wav', 8000, 1, 5), 16000]] as const) {
    const options = { chunkSeconds: 1.5, sampleRate };
    const out = join(dir, `out-${sampleRate ?? 'same'}`);
    const { info, stems } = await writeStemFiles(input, out, float32, { ...options, model: createClassicSeparator() });
    const library = await separate(input, { ...options, model: 'classic' });
    assert.equal(info.sampleRate, library.sampleRate);
    assert.deepEqual(stems.map((s) => s.name), Object.keys(library.stems));
    for (const s of stems) {
      assert.equal(s.path, join(out, `${s.name}.wav`));
      assert.deepEqual(parseWav(readFileSync(s.path!)), library.stems[s.name], s.name);
      assert.deepEqual(s.loudness, measureLoudness(library.stems[s.name]), s.name);
    }
    assert.deepEqual(readdirSync(out).sort(), ['bass.wav', 'drums.wav', 'other.wav', 'vocals.wav']);
  }
});

/** The classic separator, failing on its `n`th chunk (after earlier chunks reached the files). */
function failingOn(n: number): Separator {
  const sep = createClassicSeparator();
  let calls = 0;
  return { ...sep, estimate: (spec, signal) => (++calls === n ? Promise.reject(new Error('model crashed')) : sep.estimate(spec, signal)) };
}

test('a failure mid-way leaves no file, temp or folder behind; an existing folder keeps only what it had', async () => {
  const input = song('long.wav', 44100, 2, 8);
  const fresh = join(dir, 'fresh', 'track');
  await assert.rejects(writeStemFiles(input, fresh, float32, { chunkSeconds: 1.5, model: failingOn(4) }), /model crashed/);
  assert.deepEqual(readdirSync(join(dir, 'fresh')), []);
  const existing = join(dir, 'existing');
  mkdirSync(existing);
  writeFileSync(join(existing, 'notes.txt'), 'mine');
  await assert.rejects(writeStemFiles(input, existing, { ...float32, format: 'flac', bitDepth: 24 }, { chunkSeconds: 1.5, model: failingOn(3) }), /model crashed/);
  assert.deepEqual(readdirSync(existing), ['notes.txt']);
});

test('a failing encoder is ENCODE_FAILED and leaves nothing behind', async () => {
  const input = song('short.wav', 44100, 2, 2);
  const out = join(dir, 'encoder', 'track');
  try {
    process.env.DEMIX_FFMPEG = '/bin/false';
    assert.equal(await errorCode(writeStemFiles(input, out, { format: 'mp3', bitDepth: 24, skipSilent: false }, { model: createClassicSeparator() })), 'ENCODE_FAILED');
  } finally {
    delete process.env.DEMIX_FFMPEG;
  }
  assert.deepEqual(readdirSync(join(dir, 'encoder')), []);
});

test('skipSilent drops the files of silent stems', async () => {
  const input = join(dir, 'silence.wav');
  writeFileSync(input, encodeWav({ sampleRate: 44100, channels: [new Float32Array(44100), new Float32Array(44100)] }, 16));
  const out = join(dir, 'silent');
  const { stems } = await writeStemFiles(input, out, { ...float32, skipSilent: true }, { model: createClassicSeparator() });
  assert.ok(stems.every((s) => s.path === null && s.loudness.silent));
  assert.deepEqual(readdirSync(out), []);
});
