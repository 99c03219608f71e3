import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Audio } from '../../src/audio/audio.js';
import { ffmpegPath } from '../../src/audio/ffmpeg.js';
import { makeStemMp4, readStemManifest, stemManifest, trackFlags } from '../../src/audio/stems-mp4.js';
import { writeStemFile } from '../../src/audio/stems-mp4-node.js';
import { readStemFile } from '../../src/audio/decode.js';
import { bestCorrelation } from './helpers.js';
import { DemixError } from '../../src/errors.js';
import { frequencyOf as measure } from '../dsp/signals.js';

const SR = 44100;
const dir = mkdtempSync(join(tmpdir(), 'demix-stems-test-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

function tone(freq: number, seconds = 1.5): Audio {
  const x = new Float32Array(Math.round(seconds * SR));
  for (let i = 0; i < x.length; i++) x[i] = 0.3 * Math.sin((2 * Math.PI * freq * i) / SR);
  return { sampleRate: SR, channels: [x, x.map((v) => -v)] };
}

const FREQS = { master: 200, drums: 300, bass: 400, other: 500, vocals: 600 };
const content = {
  master: tone(FREQS.master),
  stems: { drums: tone(FREQS.drums), bass: tone(FREQS.bass), other: tone(FREQS.other), vocals: tone(FREQS.vocals) },
};

/** Stream `index` of `file` decoded by ffmpeg: left channel, float samples. */
function decodeStream(file: string, index: number): Float32Array {
  const r = spawnSync(ffmpegPath(), ['-v', 'error', '-i', file, '-map', `0:${index}`, '-f', 'f32le', '-ac', '2', '-'], { maxBuffer: 1 << 26 });
  assert.equal(r.status, 0, r.stderr.toString());
  const all = new Float32Array(r.stdout.buffer, r.stdout.byteOffset, r.stdout.length / 4);
  return all.filter((_, i) => i % 2 === 0);
}

const frequencyOf = (y: Float32Array): number => measure(y, SR);

test('writeStemFile: five AAC streams in NI order, NI track flags, manifest with the given names and colours', async () => {
  const file = join(dir, 'song.stem.mp4');
  const names = ['Kick & Snare', 'Sub', 'Keys', 'Lead Vox'];
  const colors = ['#ff0000', '#00FF00', '#0000ff', '#FFFFFF'];
  await writeStemFile(file, content, { names, colors, bitrate: 128000 });
  const bytes = new Uint8Array(readFileSync(file));

  const manifest = readStemManifest(bytes) as ReturnType<typeof stemManifest>;
  assert.equal(manifest.version, 1);
  assert.deepEqual(manifest.stems.map((s) => s.name), names);
  assert.deepEqual(manifest.stems.map((s) => s.color), colors.map((c) => c.toUpperCase()));
  assert.equal(typeof manifest.mastering_dsp.compressor.ratio, 'number');
  assert.equal(typeof manifest.mastering_dsp.limiter.ceiling, 'number');

  assert.deepEqual(trackFlags(bytes), [
    { flags: 3, alternateGroup: 1 },
    { flags: 2, alternateGroup: 1 },
    { flags: 2, alternateGroup: 1 },
    { flags: 2, alternateGroup: 1 },
    { flags: 2, alternateGroup: 1 },
  ]);

  const probe = spawnSync(ffmpegPath(), ['-hide_banner', '-i', file]).stderr.toString();
  const streams = probe.split('\n').filter((l) => /Stream #0:\d.*Audio: aac/.test(l));
  assert.equal(streams.length, 5, probe);
  for (const s of streams) assert.match(s, /44100 Hz, stereo/);
  assert.match(streams[0], /\(default\)/);

  const order = [FREQS.master, FREQS.drums, FREQS.bass, FREQS.other, FREQS.vocals];
  for (const [i, f] of order.entries()) {
    const y = decodeStream(file, i);
    assert.ok(Math.abs(y.length - SR * 1.5) < 2048, `stream ${i}: ${y.length} samples`);
    assert.ok(Math.abs(frequencyOf(y) - f) < 3, `stream ${i}: ${frequencyOf(y)} Hz, expected ${f}`);
  }
});

test('readStemFile reads back what writeStemFile wrote: mixture, stems in NI order, manifest', async () => {
  const file = join(dir, 'roundtrip.stem.mp4');
  await writeStemFile(file, content, { names: ['A', 'B', 'C', 'D'] });
  const back = await readStemFile(file);
  assert.ok(Math.abs(frequencyOf(back.mixture.channels[0]) - FREQS.master) < 3);
  for (const stem of ['drums', 'bass', 'other', 'vocals'] as const) {
    const y = back.stems[stem];
    assert.equal(y.sampleRate, SR);
    assert.equal(y.channels.length, 2);
    assert.ok(Math.abs(frequencyOf(y.channels[0]) - FREQS[stem]) < 3, `${stem}: ${frequencyOf(y.channels[0])} Hz`);
    assert.ok(bestCorrelation(content.stems[stem].channels[1], y.channels[1], 64, 4096) > 0.99);
  }
  assert.deepEqual((back.metadata as { stems: { name: string }[] }).stems.map((s) => s.name), ['A', 'B', 'C', 'D']);
});

test('makeStemMp4 keeps chunk offsets right when moov comes before the sample data', async () => {
  const plain = join(dir, 'plain.stem.mp4');
  await writeStemFile(plain, content, { bitrate: 96000 });
  const fast = join(dir, 'fast.mp4');
  const r = spawnSync(ffmpegPath(), ['-v', 'error', '-i', plain, ...[0, 1, 2, 3, 4].flatMap((i) => ['-map', `0:${i}`]), '-c', 'copy', '-movflags', '+faststart', fast]);
  assert.equal(r.status, 0, r.stderr.toString());
  const rewritten = join(dir, 'fast.stem.mp4');
  // Long names grow the stem box, so every chunk offset must move.
  writeFileSync(rewritten, makeStemMp4(new Uint8Array(readFileSync(fast)), stemManifest(['D'.repeat(500), 'B', 'O', 'V'])));
  assert.equal((readStemManifest(new Uint8Array(readFileSync(rewritten))) as { stems: { name: string }[] }).stems[0].name.length, 500);
  for (const i of [0, 4]) assert.deepEqual(decodeStream(rewritten, i), decodeStream(fast, i));
});

test('bad stem names/colours and non-stem MP4s are clear DemixErrors', async () => {
  assert.throws(() => stemManifest(['a', 'b', 'c']), (e: unknown) => e instanceof DemixError && e.code === 'usage');
  assert.throws(() => stemManifest(undefined, ['red', '#000000', '#000000', '#000000']), /#RRGGBB/);
  assert.throws(() => makeStemMp4(new TextEncoder().encode('not an mp4 at all'), stemManifest(), 'x.mp4'), (e: unknown) => e instanceof DemixError && /x\.mp4/.test(e.message));
  const single = join(dir, 'one.m4a');
  const r = spawnSync(ffmpegPath(), ['-v', 'error', '-f', 'lavfi', '-i', 'sine=d=0.5', '-c:a', 'aac', single]);
  assert.equal(r.status, 0, r.stderr.toString());
  assert.throws(() => makeStemMp4(new Uint8Array(readFileSync(single)), stemManifest(), single), /needs 5 audio tracks, found 1/);
  assert.equal(readStemManifest(new Uint8Array(readFileSync(single))), undefined);
  await assert.rejects(writeStemFile(join(dir, 'x.stem.mp4'), { ...content, master: { sampleRate: 48000, channels: content.master.channels } }), /sample rate/);
});
