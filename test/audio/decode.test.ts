import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Audio } from '../../src/audio/audio.js';
import { decodeFile, readStemFile } from '../../src/audio/decode.js';
import { makeStemMp4, stemManifest } from '../../src/audio/stems-mp4.js';
import { encodeWav, parseWav } from '../../src/audio/wav.js';
import { bestCorrelation, errorCode, ffmpeg, removeDir, scratchDir, sineAudio } from './helpers.js';

const dir = scratchDir('decode');
const SECONDS = 1;
const src44 = sineAudio(44100, 2, SECONDS, 440);
const src48 = sineAudio(48000, 2, SECONDS, 440);
/** Stem-like file: stream k carries a sine of STEM_FREQS[k] Hz (mixture, drums, bass, other, vocals). */
const STEM_FREQS = [330, 550, 770, 990, 1210];

function wavFile(name: string, audio: Audio): string {
  const p = join(dir, name);
  writeFileSync(p, encodeWav(audio, 32));
  return p;
}

const FORMATS = [
  { ext: 'flac', args: [], src: src44 },
  { ext: 'mp3', args: ['-b:a', '192k'], src: src44 },
  { ext: 'ogg', args: ['-c:a', 'libvorbis', '-q:a', '5'], src: src44 },
  { ext: 'opus', args: ['-c:a', 'libopus', '-b:a', '128k'], src: src48 },
  { ext: 'm4a', args: ['-c:a', 'aac', '-b:a', '192k'], src: src44 },
];

before(async () => {
  const w44 = wavFile('src44.wav', src44);
  const w48 = wavFile('src48.wav', src48);
  await Promise.all(FORMATS.map((f) => ffmpeg(['-i', f.src === src48 ? w48 : w44, ...f.args, join(dir, `s.${f.ext}`)])));
  const stems = STEM_FREQS.map((f, k) => wavFile(`stem${k}.wav`, sineAudio(44100, 2, SECONDS, f)));
  await ffmpeg([...stems.flatMap((p) => ['-i', p]), ...stems.flatMap((_, k) => ['-map', `${k}:a`]), '-c:a', 'aac', '-b:a', '128k', join(dir, 'x.stem.mp4')]);
  await ffmpeg(['-f', 'lavfi', '-i', 'sine=f=500:d=0.5:sample_rate=48000', '-af', 'pan=5.1|c0=c0|c1=c0|c2=c0|c3=c0|c4=c0|c5=c0', join(dir, 'surround.flac')]);
  await ffmpeg(['-f', 'lavfi', '-i', 'sine=f=300:d=0.5:sample_rate=8000', join(dir, 'mono8k.flac')]);
  await ffmpeg(['-i', w44, '-c:a', 'pcm_alaw', join(dir, 'alaw.wav')]);
});

after(() => removeDir(dir));

for (const f of FORMATS) {
  test(`decodes ${f.ext} at its native rate and channel count, matching the source`, async () => {
    const a = await decodeFile(join(dir, `s.${f.ext}`));
    assert.equal(a.sampleRate, f.src.sampleRate);
    assert.equal(a.channels.length, 2);
    const n = f.src.channels[0].length;
    assert.ok(Math.abs(a.channels[0].length - n) <= 2048 + 1024, `length ${a.channels[0].length} vs ${n}`);
    for (let c = 0; c < 2; c++) {
      const r = bestCorrelation(f.src.channels[c], a.channels[c], 64, 2048);
      assert.ok(r > 0.99, `${f.ext} channel ${c} correlation ${r}`);
    }
  });
}

test('a VBR MP3 without a Xing header is not mistaken for a truncated file', async () => {
  // Two silent seconds then noise: ffmpeg's bit-rate estimate of the duration is far too long.
  const p = join(dir, 'vbr.mp3');
  await ffmpeg(['-f', 'lavfi', '-i', 'anoisesrc=d=3:a=0.5', '-af', "volume=enable='lt(t,2)':volume=0", '-c:a', 'libmp3lame', '-q:a', '0', '-write_xing', '0', p]);
  const a = await decodeFile(p);
  assert.ok(Math.abs(a.channels[0].length / a.sampleRate - 3) < 0.1);
});

test('decodes WAV in TypeScript and hands A-law WAV to ffmpeg', async () => {
  const w = await decodeFile(join(dir, 'src44.wav'));
  assert.deepEqual(w.channels, src44.channels);
  const a = await decodeFile(join(dir, 'alaw.wav'));
  assert.equal(a.channels[0].length, src44.channels[0].length);
  assert.ok(bestCorrelation(src44.channels[0], a.channels[0], 0, 0) > 0.99);
});

test('streams a WAV larger than one read block (6 channels, 24-bit) exactly as parseWav reads it', async () => {
  const bytes = encodeWav(sineAudio(48000, 6, 5, 300), 24); // 4.3 MB, 18-byte frames
  const p = join(dir, 'big.wav');
  writeFileSync(p, bytes);
  assert.deepEqual((await decodeFile(p)).channels, parseWav(bytes).channels);
});

test('decodes 5.1 and 8 kHz mono without conforming them', async () => {
  const s = await decodeFile(join(dir, 'surround.flac'));
  assert.equal(s.channels.length, 6);
  assert.equal(s.sampleRate, 48000);
  assert.equal(s.channels[5].length, 24000);
  const m = await decodeFile(join(dir, 'mono8k.flac'));
  assert.equal(m.channels.length, 1);
  assert.equal(m.sampleRate, 8000);
  assert.equal(m.channels[0].length, 4000);
});

test('reads all five streams of a stem file in NI order', async () => {
  const s = await readStemFile(join(dir, 'x.stem.mp4'));
  const order = [s.mixture, s.stems.drums, s.stems.bass, s.stems.other, s.stems.vocals];
  order.forEach((a, k) => {
    assert.equal(a.sampleRate, 44100);
    assert.equal(a.channels.length, 2);
    assert.equal(a.channels[0].length, s.mixture.channels[0].length);
    const own = sineAudio(44100, 2, SECONDS, STEM_FREQS[k]).channels[0];
    assert.ok(bestCorrelation(own, a.channels[0], 64, 2048) > 0.95, `stream ${k}`); // other streams' tones give ~0
  });
  assert.equal(s.metadata, undefined);
  const other = await decodeFile(join(dir, 'x.stem.mp4'), { stream: 3 });
  assert.deepEqual(other.channels[1], s.stems.other.channels[1]);
});

test('reads the NI stem manifest of a stem file', async () => {
  const p = join(dir, 'x.stem.mp4');
  const manifest = stemManifest();
  const withManifest = join(dir, 'manifest.stem.mp4');
  writeFileSync(withManifest, makeStemMp4(new Uint8Array(readFileSync(p)), manifest, p));
  const s = await readStemFile(withManifest);
  assert.deepEqual(s.metadata, manifest);
  assert.equal(s.stems.vocals.channels[0].length, s.mixture.channels[0].length);
});

const MUSDB = join(import.meta.dirname, '../../../shared/data/musdb18-7/train');

test('reads a real MUSDB18 stem file: 5 streams, 44.1 kHz stereo, about 7 s', { skip: !existsSync(MUSDB) }, async () => {
  const name = readdirSync(MUSDB).filter((f) => f.endsWith('.stem.mp4')).sort()[0];
  const s = await readStemFile(join(MUSDB, name));
  for (const a of [s.mixture, ...Object.values(s.stems)]) {
    assert.equal(a.sampleRate, 44100);
    assert.equal(a.channels.length, 2);
    const seconds = a.channels[0].length / 44100;
    assert.ok(seconds > 5 && seconds < 9, `${seconds} s`);
  }
  // The stems sum to roughly the mixture (AAC coding noise aside).
  let err = 0, sig = 0;
  const m = s.mixture.channels[0];
  for (let i = 0; i < m.length; i++) {
    const sum = s.stems.drums.channels[0][i] + s.stems.bass.channels[0][i] + s.stems.other.channels[0][i] + s.stems.vocals.channels[0][i];
    err += (sum - m[i]) ** 2;
    sig += m[i] ** 2;
  }
  assert.ok(10 * Math.log10(sig / err) > 10, 'stems sum to the mixture');
});

function truncatedCopy(name: string, fraction: number): string {
  const bytes = readFileSync(join(dir, name));
  const p = join(dir, `cut-${name}`);
  writeFileSync(p, bytes.subarray(0, Math.floor(bytes.length * fraction)));
  return p;
}

test('bad input: each case fails with its own code and names the file', async () => {
  const bad = join(dir, 'bad');
  mkdirSync(bad, { recursive: true });
  const cases: [string, string][] = [];
  const add = (name: string, content: Uint8Array | string | null, expected: string): void => {
    const p = join(bad, name);
    if (content !== null) writeFileSync(p, content);
    cases.push([p, expected]);
  };
  add('missing.mp3', null, 'NOT_FOUND');
  add('empty.flac', '', 'EMPTY_FILE');
  add('text.mp3', 'This is a text file with a fake extension.\n'.repeat(20), 'NOT_AUDIO');
  const zeroWav = encodeWav({ sampleRate: 44100, channels: [new Float32Array(0)] }, 16);
  add('zero.wav', zeroWav, 'ZERO_LENGTH');
  const weird = encodeWav(src44, 16);
  new DataView(weird.buffer).setUint16(20, 0x1234, true); // an unknown WAV codec tag
  add('weird.wav', weird, 'UNSUPPORTED_CODEC');
  for (const [p, expected] of cases) assert.equal(await errorCode(decodeFile(p), p), expected, p);

  assert.equal(await errorCode(decodeFile(bad), bad), 'IS_DIRECTORY');
  for (const name of ['s.flac', 's.m4a', 'src44.wav']) {
    const p = truncatedCopy(name, 0.5);
    assert.equal(await errorCode(decodeFile(p), p), 'TRUNCATED', name);
  }
  const flac = join(dir, 's.flac');
  assert.equal(await errorCode(readStemFile(flac), flac), 'NOT_STEM_FILE');
  assert.equal(await errorCode(decodeFile(flac, { stream: 1 }), flac), 'NO_SUCH_STREAM');
  assert.equal(await errorCode(decodeFile(flac, { maxSeconds: 0.5 }), flac), 'TOO_LONG');
  const zeroFlac = join(bad, 'zero.flac');
  await ffmpeg(['-f', 'lavfi', '-i', 'anullsrc=r=44100:cl=stereo', '-t', '0', zeroFlac]);
  assert.equal(await errorCode(decodeFile(zeroFlac), zeroFlac), 'ZERO_LENGTH');
});

test('aborting a decode kills ffmpeg and rejects with the abort reason', async () => {
  const ac = new AbortController();
  const p = decodeFile(join(dir, 's.mp3'), { signal: ac.signal });
  ac.abort(new Error('user cancelled'));
  await assert.rejects(p, /user cancelled/);
  await assert.rejects(readStemFile(join(dir, 'x.stem.mp4'), { signal: ac.signal }), /user cancelled/);
});
