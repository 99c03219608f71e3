import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeWav, parseWav } from '../../src/audio/wav.js';
import { DemixError } from '../../src/errors.js';
import { sineAudio } from './helpers.js';

interface RawWav {
  tag: number; // format tag in fmt
  channels: number;
  rate: number;
  containerBytes: number; // per sample
  bits: number; // bitsPerSample field
  sub?: number; // WAVE_FORMAT_EXTENSIBLE sub-format code
  data: Uint8Array; // interleaved sample bytes
  extraChunks?: boolean; // put a LIST chunk (odd size, padded) before data
  dataSizeField?: number; // override of the data chunk's declared size
}

const GUID_TAIL = [0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71];

/** Builds a WAV file field by field, independently of encodeWav. */
function buildWav(w: RawWav): Uint8Array {
  const ext = w.sub !== undefined;
  const fmtSize = ext ? 40 : 16;
  const list = w.extraChunks ? [0x4c, 0x49, 0x53, 0x54, 3, 0, 0, 0, 0x61, 0x62, 0x63, 0] : [];
  const out = new Uint8Array(12 + 8 + fmtSize + list.length + 8 + w.data.length);
  const v = new DataView(out.buffer);
  const ascii = (at: number, s: string): void => s.split('').forEach((ch, i) => (out[at + i] = ch.charCodeAt(0)));
  ascii(0, 'RIFF');
  v.setUint32(4, out.length - 8, true);
  ascii(8, 'WAVE');
  ascii(12, 'fmt ');
  v.setUint32(16, fmtSize, true);
  v.setUint16(20, ext ? 0xfffe : w.tag, true);
  v.setUint16(22, w.channels, true);
  v.setUint32(24, w.rate, true);
  v.setUint32(28, w.rate * w.channels * w.containerBytes, true);
  v.setUint16(32, w.channels * w.containerBytes, true);
  v.setUint16(34, w.bits, true);
  if (ext) {
    v.setUint16(36, 22, true);
    v.setUint16(38, w.bits, true);
    v.setUint32(40, 3, true);
    v.setUint16(44, w.sub!, true);
    GUID_TAIL.forEach((b, i) => (out[46 + i] = b));
  }
  let pos = 20 + fmtSize;
  out.set(list, pos);
  pos += list.length;
  ascii(pos, 'data');
  v.setUint32(pos + 4, w.dataSizeField ?? w.data.length, true);
  out.set(w.data, pos + 8);
  return out;
}

/** Known sample values in [-1, 1) and their encodings at each container size. */
const VALUES = [0, 0.5, -0.5, -1, 0.25, -0.125];

function encodeValues(kind: 'u8' | 'i16' | 'i24' | 'i32' | 'f32' | 'f64'): Uint8Array {
  const size = { u8: 1, i16: 2, i24: 3, i32: 4, f32: 4, f64: 8 }[kind];
  const out = new Uint8Array(VALUES.length * size);
  const v = new DataView(out.buffer);
  VALUES.forEach((x, i) => {
    const at = i * size;
    if (kind === 'u8') v.setUint8(at, Math.round(x * 128) + 128);
    if (kind === 'i16') v.setInt16(at, Math.round(x * 32768), true);
    if (kind === 'i24') {
      const q = Math.round(x * 8388608);
      v.setUint8(at, q & 0xff);
      v.setUint8(at + 1, (q >> 8) & 0xff);
      v.setInt8(at + 2, q >> 16);
    }
    if (kind === 'i32') v.setInt32(at, Math.round(x * 2147483648), true);
    if (kind === 'f32') v.setFloat32(at, x, true);
    if (kind === 'f64') v.setFloat64(at, x, true);
  });
  return out;
}

const VARIANTS = [
  { name: 'PCM 8-bit', kind: 'u8', tag: 1, bytes: 1 },
  { name: 'PCM 16-bit', kind: 'i16', tag: 1, bytes: 2 },
  { name: 'PCM 24-bit', kind: 'i24', tag: 1, bytes: 3 },
  { name: 'PCM 32-bit', kind: 'i32', tag: 1, bytes: 4 },
  { name: 'float 32', kind: 'f32', tag: 3, bytes: 4 },
  { name: 'float 64', kind: 'f64', tag: 3, bytes: 8 },
] as const;

for (const variant of VARIANTS) {
  for (const extensible of [false, true]) {
    test(`parseWav reads ${variant.name}${extensible ? ' (WAVE_FORMAT_EXTENSIBLE)' : ''}`, () => {
      const bytes = buildWav({
        tag: variant.tag,
        channels: 2,
        rate: 22050,
        containerBytes: variant.bytes,
        bits: variant.bytes * 8,
        sub: extensible ? variant.tag : undefined,
        data: encodeValues(variant.kind), // 6 samples = 3 stereo frames
        extraChunks: true,
      });
      const a = parseWav(bytes, 'x.wav');
      assert.equal(a.sampleRate, 22050);
      assert.equal(a.channels.length, 2);
      assert.deepEqual([...a.channels[0]], [VALUES[0], VALUES[2], VALUES[4]]);
      assert.deepEqual([...a.channels[1]], [VALUES[1], VALUES[3], VALUES[5]]);
    });
  }
}

test('parseWav reads 20 valid bits in a 24-bit container', () => {
  const bytes = buildWav({ tag: 1, channels: 1, rate: 8000, containerBytes: 3, bits: 20, sub: 1, data: encodeValues('i24') });
  assert.deepEqual([...parseWav(bytes).channels[0]], VALUES);
});

for (const depth of [16, 24, 32] as const) {
  test(`encodeWav → parseWav round trip at ${depth} bits, mono to 6 channels`, () => {
    for (const nCh of [1, 2, 6]) {
      const a = sineAudio(48000, nCh, 0.05);
      const b = parseWav(encodeWav(a, depth));
      assert.equal(b.sampleRate, 48000);
      assert.equal(b.channels.length, nCh);
      const tol = depth === 16 ? 1 / 32768 : depth === 24 ? 1 / 8388608 : 0;
      for (let c = 0; c < nCh; c++) {
        assert.equal(b.channels[c].length, a.channels[c].length);
        for (let i = 0; i < a.channels[c].length; i++) assert.ok(Math.abs(b.channels[c][i] - a.channels[c][i]) <= tol);
      }
    }
  });
}

test('encodeWav clips integer PCM at full scale and writes NaN as silence', () => {
  const a = { sampleRate: 8000, channels: [Float32Array.from([1.5, -1.5, NaN, 1])] };
  assert.deepEqual([...parseWav(encodeWav(a, 16)).channels[0]], [32767 / 32768, -1, 0, 32767 / 32768]);
});

test('a data size left as 0xFFFFFFFF (streamed WAV) means "to the end of the file"', () => {
  const bytes = buildWav({ tag: 1, channels: 1, rate: 8000, containerBytes: 2, bits: 16, data: encodeValues('i16'), dataSizeField: 0xffffffff });
  assert.equal(parseWav(bytes).channels[0].length, VALUES.length);
});

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof DemixError, `not a DemixError: ${e}`);
    assert.ok(e.message.startsWith('bad.wav: '), e.message);
    assert.ok(!e.message.includes('\n'));
    return e.code;
  }
  return 'no error';
}

test('parseWav reports each kind of bad file with its code', () => {
  const good = buildWav({ tag: 1, channels: 1, rate: 8000, containerBytes: 2, bits: 16, data: encodeValues('i16') });
  assert.equal(code(() => parseWav(new TextEncoder().encode('hello, not a wav'), 'bad.wav')), 'NOT_AUDIO');
  assert.equal(code(() => parseWav(good.subarray(0, good.length - 3), 'bad.wav')), 'TRUNCATED');
  assert.equal(code(() => parseWav(good.subarray(0, 36), 'bad.wav')), 'TRUNCATED');
  const empty = buildWav({ tag: 1, channels: 1, rate: 8000, containerBytes: 2, bits: 16, data: new Uint8Array(0) });
  assert.equal(code(() => parseWav(empty, 'bad.wav')), 'ZERO_LENGTH');
  const adpcm = buildWav({ tag: 0x11, channels: 1, rate: 8000, containerBytes: 2, bits: 16, data: encodeValues('i16') });
  assert.equal(code(() => parseWav(adpcm, 'bad.wav')), 'UNSUPPORTED_CODEC');
  const noChannels = buildWav({ tag: 1, channels: 0, rate: 8000, containerBytes: 2, bits: 16, data: encodeValues('i16') });
  assert.equal(code(() => parseWav(noChannels, 'bad.wav')), 'CORRUPT');
  const hugeChunk = good.slice();
  new DataView(hugeChunk.buffer).setUint32(16, 0x7fffffff, true); // fmt chunk claims 2 GB
  assert.equal(code(() => parseWav(hugeChunk, 'bad.wav')), 'CORRUPT');
});
