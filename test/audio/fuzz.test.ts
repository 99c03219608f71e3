// Fuzz test of the decoders: seeded mutations (truncation, flipped bytes, absurd size fields) of valid WAV, FLAC,
// MP3 and .stem.mp4 files must each end in a DemixError or a valid decode: never a crash, hang or huge allocation.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Audio } from '../../src/audio/audio.js';
import { decodeFile, readStemFile } from '../../src/audio/decode.js';
import { encodeWav, parseWav, SAMPLE_LIMIT } from '../../src/audio/wav.js';
import { DemixError } from '../../src/errors.js';
import { ffmpeg, removeDir, scratchDir, sineAudio } from './helpers.js';

const dir = scratchDir('fuzz');
after(() => removeDir(dir));

/** mulberry32: a small seeded PRNG, uniform in [0, 1). */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Offsets of size/length fields worth corrupting, by format: [offset, bytes, littleEndian]. */
type Field = [number, number, boolean];

function wavFields(b: Uint8Array): Field[] {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const out: Field[] = [[4, 4, true]];
  for (let pos = 12; pos + 8 <= b.length; ) {
    out.push([pos + 4, 4, true]);
    const id = String.fromCharCode(...b.subarray(pos, pos + 4));
    if (id === 'fmt ') for (const [o, n] of [[0, 2], [2, 2], [4, 4], [8, 4], [12, 2], [14, 2], [16, 2], [18, 2]]) out.push([pos + 8 + o, n, true]);
    pos += 8 + v.getUint32(pos + 4, true);
  }
  return out;
}

function flacFields(b: Uint8Array): Field[] {
  const out: Field[] = [];
  for (let pos = 4; pos + 4 <= b.length; ) {
    out.push([pos + 1, 3, false]);
    if ((b[pos] & 0x7f) === 0) for (let o = 0; o < 18; o += 2) out.push([pos + 4 + o, 2, false]); // STREAMINFO
    const len = (b[pos + 1] << 16) | (b[pos + 2] << 8) | b[pos + 3];
    if (b[pos] & 0x80) break; // last metadata block
    pos += 4 + len;
  }
  return out;
}

const MP4_CONTAINERS = new Set(['moov', 'trak', 'mdia', 'minf', 'stbl', 'udta', 'edts', 'dinf']);

function mp4Fields(b: Uint8Array, start = 0, end = b.length, out: Field[] = []): Field[] {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  for (let pos = start; pos + 8 <= end; ) {
    const size = v.getUint32(pos);
    const type = String.fromCharCode(...b.subarray(pos + 4, pos + 8));
    out.push([pos, 4, false]);
    if (['stsz', 'stco', 'stsc', 'stts', 'mdhd', 'esds'].includes(type)) for (let o = 8; o < 24; o += 4) out.push([pos + o, 4, false]);
    if (MP4_CONTAINERS.has(type)) mp4Fields(b, pos + 8, Math.min(end, pos + size), out);
    if (size < 8) break;
    pos += size;
  }
  return out;
}

function mp3Fields(b: Uint8Array): Field[] {
  const out: Field[] = [[6, 4, false]]; // ID3v2 tag size
  for (let o = 0; o < Math.min(b.length, 1200); o += 2) if (b[o] === 0xff && (b[o + 1] & 0xe0) === 0xe0) out.push([o, 4, false]); // frame headers
  return out;
}

const ABSURD = [0, 1, 7, 8, 0x7fffffff, 0x80000000, 0xfffffff0, 0xffffffff];

/** One mutated copy of `base`: 1-3 of truncation, flipped/random bytes, absurd size fields, inserted/removed bytes. */
function mutate(base: Uint8Array, fields: Field[], rnd: () => number): { bytes: Uint8Array; what: string } {
  let b: Uint8Array = base.slice();
  const what: string[] = [];
  const pick = (n: number): number => Math.floor(rnd() * n);
  for (let m = 1 + pick(3); m > 0; m--) {
    const kind = pick(5);
    if (kind === 0) {
      const at = rnd() < 0.5 ? pick(Math.min(b.length, 200)) : pick(b.length);
      b = b.slice(0, at);
      what.push(`truncate@${at}`);
    } else if (kind === 1 && b.length > 0) {
      const headerBias = rnd() < 0.7;
      for (let k = 1 + pick(8); k > 0; k--) {
        const at = headerBias ? pick(Math.min(b.length, 256)) : pick(b.length);
        b[at] ^= 1 << pick(8);
        what.push(`flip@${at}`);
      }
    } else if (kind === 2 && fields.length > 0) {
      const [at, n, le] = fields[pick(fields.length)];
      if (at + n > b.length) continue;
      const value = rnd() < 0.7 ? ABSURD[pick(ABSURD.length)] : Math.floor(rnd() * 2 ** 32);
      const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
      if (n === 4) v.setUint32(at, value >>> 0, le);
      else if (n === 2) v.setUint16(at, value & 0xffff, le);
      else for (let i = 0; i < n; i++) b[at + i] = (value >>> (8 * (n - 1 - i))) & 0xff;
      what.push(`field@${at}=${value}`);
    } else if (kind === 3 && b.length > 0) {
      const at = pick(b.length);
      const len = 1 + pick(64);
      for (let i = at; i < Math.min(b.length, at + len); i++) b[i] = pick(256);
      what.push(`random@${at}+${len}`);
    } else if (b.length > 0) {
      const at = pick(b.length);
      const len = 1 + pick(16);
      b = rnd() < 0.5 ? new Uint8Array([...b.subarray(0, at), ...b.subarray(at + len)]) : new Uint8Array([...b.subarray(0, at), ...new Uint8Array(len).fill(pick(256)), ...b.subarray(at)]);
      what.push(`splice@${at}`);
    }
  }
  return { bytes: b, what: what.join(' ') };
}

/** A valid decode: sane rate, 1..256 channels of equal, non-zero, bounded length, every sample finite and bounded. */
function assertValidAudio(a: Audio, maxFrames: number, label: string): void {
  assert.ok(Number.isInteger(a.sampleRate) && a.sampleRate > 0, `${label}: rate ${a.sampleRate}`);
  assert.ok(a.channels.length >= 1 && a.channels.length <= 256, `${label}: ${a.channels.length} channels`);
  const n = a.channels[0].length;
  assert.ok(n > 0 && n <= maxFrames, `${label}: ${n} frames`);
  for (const x of a.channels) {
    assert.equal(x.length, n, `${label}: ragged channels`);
    for (let i = 0; i < n; i++) if (!(Math.abs(x[i]) <= SAMPLE_LIMIT)) assert.fail(`${label}: sample ${x[i]}`);
  }
}

interface Outcome {
  decoded: number;
  errors: Map<string, number>;
}

function tally(o: Outcome, err: unknown, label: string): void {
  if (!(err instanceof DemixError)) assert.fail(`${label}: threw ${String(err)} instead of a DemixError`);
  assert.ok(!err.message.includes('\n'), `${label}: multi-line message`);
  assert.notEqual(err.code, 'TIMEOUT', `${label}: decoder hung`);
  o.errors.set(err.code, (o.errors.get(err.code) ?? 0) + 1);
}

const bases: Record<string, Uint8Array> = {};

before(async () => {
  bases.wav16 = encodeWav(sineAudio(22050, 2, 0.2), 16);
  bases.wav24x = encodeWav(sineAudio(16000, 3, 0.1), 24); // WAVE_FORMAT_EXTENSIBLE
  bases.wavf = encodeWav(sineAudio(8000, 1, 0.2), 32);
  const src = join(dir, 'src.wav');
  writeFileSync(src, bases.wav16);
  await Promise.all([
    ffmpeg(['-i', src, join(dir, 'base.flac')]),
    ffmpeg(['-i', src, '-b:a', '64k', join(dir, 'base.mp3')]),
    ffmpeg([...[0, 1, 2, 3, 4].flatMap(() => ['-i', src]), ...[0, 1, 2, 3, 4].flatMap((k) => ['-map', `${k}:a`]), '-c:a', 'aac', '-b:a', '48k', join(dir, 'base.stem.mp4')]),
  ]);
  for (const ext of ['flac', 'mp3', 'stem.mp4']) bases[ext] = new Uint8Array(readFileSync(join(dir, `base.${ext}`)));
});

test('fuzz: 3000 mutated WAV files parse or fail with a DemixError, never allocating beyond the file', (t) => {
  const rnd = prng(0xdecaf);
  const o: Outcome = { decoded: 0, errors: new Map() };
  const kinds = ['wav16', 'wav24x', 'wavf'];
  for (let i = 0; i < 3000; i++) {
    const base = bases[kinds[i % 3]];
    const { bytes, what } = mutate(base, wavFields(base), rnd);
    const label = `wav case ${i} (${kinds[i % 3]}: ${what})`;
    try {
      // A frame needs at least one byte per channel, so a parse can never yield more samples than bytes.
      assertValidAudio(parseWav(bytes, 'fuzz.wav'), bytes.length, label);
      o.decoded++;
    } catch (err) {
      if (err instanceof assert.AssertionError) throw err;
      tally(o, err, label);
    }
  }
  t.diagnostic(`decoded ${o.decoded}; errors ${JSON.stringify(Object.fromEntries(o.errors))}`);
  assert.ok(o.decoded > 100 && o.errors.size >= 3, `decoded ${o.decoded}, errors ${[...o.errors]}`);
});

/** Runs `jobs` with at most `limit` in flight. */
async function pool(jobs: (() => Promise<void>)[], limit: number): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < jobs.length) await jobs[next++]();
  };
  await Promise.all(Array.from({ length: limit }, worker));
}

const FFMPEG_CASES: [string, number, (b: Uint8Array) => Field[]][] = [
  ['flac', 150, flacFields],
  ['mp3', 150, mp3Fields],
  ['stem.mp4', 80, mp4Fields],
  ['wav16', 40, wavFields], // through decodeFile, so codec tags flipped to non-PCM reach ffmpeg
];

test('fuzz: 420 mutated FLAC, MP3, stem.mp4 and WAV files decode or fail with a DemixError, never hang', async (t) => {
  const rnd = prng(0x5eed);
  const o: Outcome = { decoded: 0, errors: new Map() };
  const jobs: (() => Promise<void>)[] = [];
  for (const [kind, count, fields] of FFMPEG_CASES) {
    const base = bases[kind];
    const f = fields(base);
    for (let i = 0; i < count; i++) {
      const { bytes, what } = mutate(base, f, rnd);
      const path = join(dir, `case-${kind}-${i}.${kind.replace('wav16', 'wav')}`);
      const label = `${kind} case ${i} (${what})`;
      jobs.push(async () => {
        writeFileSync(path, bytes);
        try {
          const opts = { timeoutMs: 15_000, maxSeconds: 600 };
          if (kind === 'stem.mp4' && i % 2 === 0) {
            const s = await readStemFile(path, opts);
            for (const a of [s.mixture, ...Object.values(s.stems)]) assertValidAudio(a, 600 * 192000, label);
          } else {
            assertValidAudio(await decodeFile(path, opts), 600 * 192000, label);
          }
          o.decoded++;
        } catch (err) {
          if (err instanceof assert.AssertionError) throw err;
          tally(o, err, label);
        }
      });
    }
  }
  let peakBuffers = 0; // bytes held in ArrayBuffers after each case: a decode may not balloon on a tiny file
  await pool(
    jobs.map((job) => async () => {
      await job();
      peakBuffers = Math.max(peakBuffers, process.memoryUsage().arrayBuffers);
    }),
    2,
  );
  assert.ok(peakBuffers < 256 * 2 ** 20, `ArrayBuffers peaked at ${(peakBuffers / 2 ** 20).toFixed(0)} MiB`);
  t.diagnostic(`decoded ${o.decoded}; errors ${JSON.stringify(Object.fromEntries(o.errors))}`);
  assert.ok(o.decoded > 20 && o.errors.size >= 3, `decoded ${o.decoded}, errors ${[...o.errors]}`);
});
