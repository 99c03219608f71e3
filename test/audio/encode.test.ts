import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../../src/audio/atomic.js';
import { decodeFile } from '../../src/audio/decode.js';
import { openAudioWriter, writeAudio } from '../../src/audio/encode.js';
import { encodeWav } from '../../src/audio/wav.js';
import { bestCorrelation, errorCode, removeDir, scratchDir, sineAudio } from './helpers.js';

const dir = scratchDir('encode');
after(() => removeDir(dir));

test('writeFileAtomic writes the file and leaves no temp file behind', async () => {
  const sub = join(dir, 'a', 'b');
  await writeFileAtomic(join(sub, 'x.bin'), new Uint8Array([1, 2, 3]));
  assert.deepEqual([...readFileSync(join(sub, 'x.bin'))], [1, 2, 3]);
  assert.deepEqual(readdirSync(sub), ['x.bin']);
});

test('writeFileAtomic refuses to overwrite unless told, and then replaces', async () => {
  const p = join(dir, 'exists.bin');
  writeFileSync(p, 'old');
  assert.equal(await errorCode(writeFileAtomic(p, new Uint8Array([9])), p), 'OUTPUT_EXISTS');
  assert.equal(readFileSync(p, 'utf8'), 'old');
  await writeFileAtomic(p, new Uint8Array([65]), { overwrite: true });
  assert.equal(readFileSync(p, 'utf8'), 'A');
});

test('a failing writer leaves neither the target nor a partial temp file', async () => {
  const sub = join(dir, 'fail');
  const target = join(sub, 'out.wav');
  await assert.rejects(
    writeFileAtomic(target, async (tmp) => {
      await writeFile(tmp, 'partial');
      throw new Error('encoder crashed');
    }),
    /encoder crashed/,
  );
  assert.deepEqual(readdirSync(sub), []);
});

test('an output folder that cannot be written gives OUTPUT_NOT_WRITABLE', async () => {
  const file = join(dir, 'plain-file');
  writeFileSync(file, '');
  assert.equal(await errorCode(writeFileAtomic(join(file, 'x.wav'), new Uint8Array(1)), join(file, 'x.wav')), 'OUTPUT_NOT_WRITABLE');
});

for (const [format, bitDepth] of [['wav', 16], ['wav', 24], ['wav', 32], ['flac', 16], ['flac', 24], ['mp3', undefined]] as const) {
  test(`writeAudio writes ${format}${bitDepth ? ` ${bitDepth}-bit` : ''} that decodes back to the input`, async () => {
    const a = sineAudio(44100, 2, 0.5, 440);
    const p = join(dir, `out-${bitDepth}.${format}`);
    await writeAudio(p, a, { format, bitDepth, bitrate: 256 });
    const b = await decodeFile(p);
    assert.equal(b.sampleRate, 44100);
    assert.equal(b.channels.length, 2);
    assert.equal(b.channels[0].length, a.channels[0].length);
    const tol = format === 'mp3' ? 0.01 : bitDepth === 16 ? 2 / 32768 : 1e-6;
    let maxErr = 0;
    for (let i = 2048; i < a.channels[1].length - 2048; i++) maxErr = Math.max(maxErr, Math.abs(a.channels[1][i] - b.channels[1][i]));
    assert.ok(maxErr < tol, `max error ${maxErr}`);
    assert.ok(bestCorrelation(a.channels[0], b.channels[0], 0, 0) > 0.999);
  });
}

test('a WAV written block by block is byte for byte encodeWav\'s, odd sizes padded', async () => {
  for (const [nCh, bitDepth] of [[2, 16], [1, 24], [3, 32]] as const) {
    const a = sineAudio(22050, nCh, 0.3, 330); // 6615 frames: odd data size at 24-bit mono
    const p = join(dir, `blocks-${nCh}-${bitDepth}.wav`);
    const writer = await openAudioWriter(p, { sampleRate: 22050, channels: nCh }, { format: 'wav', bitDepth });
    for (const [from, to] of [[0, 1], [1, 1000], [1000, 1000], [1000, 6615]]) await writer.write(a.channels.map((x) => x.subarray(from, to)));
    await writer.end();
    assert.deepEqual(readFileSync(p), Buffer.from(encodeWav(a, bitDepth)), `${nCh} ch, ${bitDepth}-bit`);
    await writeAudio(join(dir, `whole-${nCh}-${bitDepth}.wav`), a, { format: 'wav', bitDepth });
    assert.deepEqual(readFileSync(join(dir, `whole-${nCh}-${bitDepth}.wav`)), readFileSync(p));
  }
});

test('a FLAC streamed block by block through ffmpeg decodes to the samples written', async () => {
  const a = sineAudio(44100, 2, 1, 440);
  const p = join(dir, 'blocks.flac');
  const writer = await openAudioWriter(p, { sampleRate: 44100, channels: 2 }, { format: 'flac', bitDepth: 24 });
  for (let at = 0; at < 44100; at += 10_000) await writer.write(a.channels.map((x) => x.subarray(at, at + 10_000)));
  await writer.end();
  const b = await decodeFile(p);
  assert.equal(b.channels[0].length, 44100);
  for (let c = 0; c < 2; c++) assert.ok(b.channels[c].every((v, i) => Math.abs(v - a.channels[c][i]) < 1e-6), `channel ${c}`);
});

test('an encoder that exits before the first block fails at end() at once, not after the stdin timeout', async () => {
  const stereo = sineAudio(44100, 2, 1);
  process.env.DEMIX_FFMPEG = '/bin/false';
  try {
    const writer = await openAudioWriter(join(dir, 'early-exit.flac'), { sampleRate: 44100, channels: 2 }, { format: 'flac' });
    await new Promise((resolve) => setTimeout(resolve, 300)); // ffmpeg has exited and its stdin has closed
    const started = Date.now();
    await writer.write(stereo.channels);
    assert.equal(await errorCode(writer.end()), 'ENCODE_FAILED');
    assert.ok(Date.now() - started < 10_000, `took ${Date.now() - started} ms`);
  } finally {
    delete process.env.DEMIX_FFMPEG;
  }
});

test('writeAudio rejects impossible settings and a failed encode leaves nothing behind', async () => {
  const sub = join(dir, 'bad-encode');
  const six = sineAudio(44100, 6, 0.1);
  assert.equal(await errorCode(writeAudio(join(sub, 'x.mp3'), six, { format: 'mp3' })), 'USAGE');
  assert.equal(await errorCode(writeAudio(join(sub, 'x.flac'), six, { format: 'flac', bitDepth: 32 })), 'USAGE');
  const stereo = sineAudio(44100, 2, 0.1);
  try {
    process.env.DEMIX_FFMPEG = '/bin/false'; // an encoder that fails
    assert.equal(await errorCode(writeAudio(join(sub, 'x.flac'), stereo, { format: 'flac' })), 'ENCODE_FAILED');
    process.env.DEMIX_FFMPEG = join(dir, 'no-such-ffmpeg');
    assert.equal(await errorCode(writeAudio(join(sub, 'x.flac'), stereo, { format: 'flac' })), 'FFMPEG_MISSING');
  } finally {
    delete process.env.DEMIX_FFMPEG;
  }
  assert.deepEqual(readdirSync(sub), []);
});
