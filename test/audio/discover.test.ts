import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AUDIO_EXTENSIONS, discoverAudio, findAudioFiles } from '../../src/audio/discover.js';
import { DemixError } from '../../src/errors.js';
import { removeDir, scratchDir } from './helpers.js';

const dir = scratchDir('discover');
after(() => removeDir(dir));

test('findAudioFiles walks folders recursively by extension and takes named files as given', async () => {
  mkdirSync(join(dir, 'album', 'disc2'), { recursive: true });
  for (const f of ['album/b.MP3', 'album/a.flac', 'album/cover.jpg', 'album/.hidden.wav', 'album/disc2/c.stem.mp4', 'notes.txt']) {
    writeFileSync(join(dir, f), 'x');
  }
  const files = await findAudioFiles([join(dir, 'album'), join(dir, 'notes.txt')]);
  assert.deepEqual(files, [join(dir, 'album/a.flac'), join(dir, 'album/b.MP3'), join(dir, 'album/disc2/c.stem.mp4'), join(dir, 'notes.txt')]);
  assert.ok(AUDIO_EXTENSIONS.includes('.opus') && AUDIO_EXTENSIONS.includes('.m4a'));
});

test('a folder without audio and a missing path are reported per path', async () => {
  mkdirSync(join(dir, 'empty-folder'));
  writeFileSync(join(dir, 'empty-folder', 'readme.txt'), 'x');
  const { files, errors } = await discoverAudio([join(dir, 'empty-folder'), join(dir, 'nope'), join(dir, 'notes.txt')]);
  assert.deepEqual(files, [join(dir, 'notes.txt')]);
  assert.deepEqual(errors.map((e) => e.code), ['NO_AUDIO', 'NOT_FOUND']);
  await assert.rejects(findAudioFiles([join(dir, 'empty-folder')]), (e: unknown) => e instanceof DemixError && e.code === 'NO_AUDIO');
});
