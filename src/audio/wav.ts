// RIFF/WAVE parsing and writing in pure TypeScript (Node and browser): PCM 8/16/24/32-bit, float 32/64,
// WAVE_FORMAT_EXTENSIBLE and RF64. Every size read from the file is checked against the bytes actually there,
// so a corrupt header can never make the parser allocate more than the file holds.
import { DemixError } from '../errors.js';
import type { Audio } from './audio.js';
import { lengthOf } from './audio.js';

const FORMAT_PCM = 0x0001;
const FORMAT_FLOAT = 0x0003;
const FORMAT_EXTENSIBLE = 0xfffe;
/** Bytes 2..15 of every KSDATAFORMAT_SUBTYPE GUID; bytes 0..1 hold the plain format code. */
const GUID_TAIL = [0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71];
const MAX_CHANNELS = 256;
const MAX_RATE = 1_536_000; // Hz; anything above is a corrupt header

/** Largest magnitude a decoded sample may have (+60 dBFS): corrupt float data is clamped to it, NaN becomes 0. */
export const SAMPLE_LIMIT = 1000;

/** `x` made safe to process: NaN → 0, clamped to ±SAMPLE_LIMIT. */
export function sanitizeSample(x: number): number {
  return x > SAMPLE_LIMIT ? SAMPLE_LIMIT : x < -SAMPLE_LIMIT ? -SAMPLE_LIMIT : x === x ? x : 0;
}

/** The decoded `fmt ` chunk. */
export interface WavFormat {
  format: 'pcm' | 'float';
  channels: number;
  sampleRate: number; // Hz
  bytesPerSample: number; // container size: 1..4 for pcm, 4 or 8 for float
}

interface Chunk {
  id: string;
  start: number; // byte offset of the payload
  size: number; // payload bytes actually present in the file
}

/** Where the samples of a WAV file are: its format, the byte offset of the first frame and the frame count. */
export interface WavLayout {
  format: WavFormat;
  dataStart: number; // bytes
  frames: number;
}

/** Random access to a file's bytes: up to `length` bytes from `offset` (fewer at the end of the file). */
export type ByteReader = (offset: number, length: number) => Uint8Array;

const MAX_CHUNKS = 10_000; // more chunk headers than this before the audio is a corrupt (or hostile) file

function label(name: string | undefined): string {
  return name ?? 'wav data';
}

function fail(code: string, problem: string, name: string | undefined): DemixError {
  return new DemixError(code, `${label(name)}: ${problem}`, name);
}

function fourcc(bytes: Uint8Array, at: number): string {
  return String.fromCharCode(bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]);
}

function u32(bytes: Uint8Array, at: number): number {
  return (bytes[at] | (bytes[at + 1] << 8) | (bytes[at + 2] << 16) | (bytes[at + 3] << 24)) >>> 0;
}

/** True when `bytes` starts like a RIFF/RF64 WAVE file (enough to route it to parseWav). */
export function looksLikeWav(bytes: Uint8Array): boolean {
  if (bytes.length < 12) return false;
  const riff = fourcc(bytes, 0);
  return (riff === 'RIFF' || riff === 'RF64') && fourcc(bytes, 8) === 'WAVE';
}

/**
 * Lists the RIFF body's chunks from their 8-byte headers (payloads are not read). A declared size past the end of
 * the file is kept only for `data`, and only when it is a streaming placeholder (0xFFFFFFFF, or 0 with nothing
 * after it); otherwise the file is truncated. Stops at the data chunk once the fmt chunk has been seen.
 */
function readChunks(read: ByteReader, fileSize: number, rf64: boolean, name: string | undefined): Chunk[] {
  let rf64DataSize = -1;
  const chunks: Chunk[] = [];
  const seen = (id: string): boolean => chunks.some((c) => c.id === id);
  let pos = 12;
  while (pos + 8 <= fileSize) {
    if (chunks.length >= MAX_CHUNKS) throw fail('CORRUPT', `more than ${MAX_CHUNKS} chunks before the audio`, name);
    const head = read(pos, 8);
    const id = fourcc(head, 0);
    let declared = u32(head, 4);
    const start = pos + 8;
    const remaining = fileSize - start;
    if (id === 'ds64' && declared >= 16 && remaining >= 16) {
      const ds64 = read(start, 16); // [riffSize u64][dataSize u64]...
      const size = u32(ds64, 8) + u32(ds64, 12) * 2 ** 32;
      rf64DataSize = Math.min(size, Number.MAX_SAFE_INTEGER);
    }
    if (id === 'data' && rf64 && declared === 0xffffffff && rf64DataSize >= 0) declared = rf64DataSize;
    if (declared > remaining) {
      const placeholder = declared === 0xffffffff || (rf64 && rf64DataSize < 0);
      if (id === 'data' && placeholder) {
        chunks.push({ id, start, size: remaining });
        break;
      }
      if (id === 'data') {
        throw fail('TRUNCATED', `file is truncated: the data chunk declares ${declared} bytes but only ${remaining} remain`, name);
      }
      if (seen('data') && seen('fmt ')) break; // trailing junk after the audio
      throw fail('CORRUPT', `chunk "${printable(id)}" declares ${declared} bytes but only ${remaining} remain`, name);
    }
    if (id === 'data' && declared === 0 && remaining > 0 && !seen('data') && !hasChunkAt(read, fileSize, start)) {
      // Some streaming writers leave the data size at 0 and never patch it: the audio runs to the end.
      chunks.push({ id, start, size: remaining });
      break;
    }
    chunks.push({ id, start, size: declared });
    if (id === 'data' && seen('fmt ')) break;
    pos = start + declared + (declared & 1); // chunks are padded to even sizes
  }
  return chunks;
}

/** Whether a plausible chunk header sits at `at` (used to tell an empty data chunk from an unpatched one). */
function hasChunkAt(read: ByteReader, fileSize: number, at: number): boolean {
  if (at + 8 > fileSize) return false;
  const head = read(at, 8);
  return /^[ -~]{4}$/.test(fourcc(head, 0)) && u32(head, 4) <= fileSize - at - 8;
}

function printable(id: string): string {
  return id.replace(/[^ -~]/g, '?');
}

/** Decodes the `fmt ` chunk payload; throws UNSUPPORTED_CODEC for compressed formats (ADPCM, A-law...). */
function parseFormat(fmt: Uint8Array, name?: string): WavFormat {
  if (fmt.length < 16) throw fail('CORRUPT', `fmt chunk is ${fmt.length} bytes, at least 16 are needed`, name);
  const view = new DataView(fmt.buffer, fmt.byteOffset, fmt.length);
  let tag = view.getUint16(0, true);
  const channels = view.getUint16(2, true);
  const sampleRate = view.getUint32(4, true);
  const blockAlign = view.getUint16(12, true);
  const bits = view.getUint16(14, true);
  if (tag === FORMAT_EXTENSIBLE) {
    if (fmt.length < 40) throw fail('CORRUPT', 'WAVE_FORMAT_EXTENSIBLE fmt chunk is shorter than 40 bytes', name);
    const guid = fmt.subarray(24, 40);
    if (!GUID_TAIL.every((b, i) => guid[i + 2] === b)) throw fail('UNSUPPORTED_CODEC', 'unknown WAVE_FORMAT_EXTENSIBLE sub-format', name);
    tag = guid[0] | (guid[1] << 8);
  }
  if (tag !== FORMAT_PCM && tag !== FORMAT_FLOAT) {
    throw fail('UNSUPPORTED_CODEC', `WAV codec 0x${tag.toString(16).padStart(4, '0')} is not PCM or float`, name);
  }
  if (channels < 1 || channels > MAX_CHANNELS) throw fail('CORRUPT', `${channels} channels is out of range 1..${MAX_CHANNELS}`, name);
  if (sampleRate < 1 || sampleRate > MAX_RATE) throw fail('CORRUPT', `sample rate ${sampleRate} Hz is out of range`, name);
  // The container size comes from blockAlign; bitsPerSample may be smaller (e.g. 20 valid bits in 24).
  const bytesPerSample = blockAlign / channels;
  const format = tag === FORMAT_FLOAT ? 'float' : 'pcm';
  const okSize = format === 'float' ? bytesPerSample === 4 || bytesPerSample === 8 : Number.isInteger(bytesPerSample) && bytesPerSample >= 1 && bytesPerSample <= 4;
  if (!okSize || bits < 1 || bits > bytesPerSample * 8) {
    throw fail('UNSUPPORTED_CODEC', `${format} with ${bits} bits in ${blockAlign}-byte frames of ${channels} channels is not supported`, name);
  }
  return { format, channels, sampleRate, bytesPerSample };
}

/**
 * Finds the format and the sample data of a WAV file through `read`, touching only chunk headers and `fmt `.
 * fileSize: bytes; name: used in error messages. Errors: NOT_AUDIO, CORRUPT, TRUNCATED, UNSUPPORTED_CODEC, ZERO_LENGTH.
 */
export function readWavLayout(read: ByteReader, fileSize: number, name?: string): WavLayout {
  const head = read(0, 12);
  if (!looksLikeWav(head)) throw fail('NOT_AUDIO', 'not a WAV file (no RIFF/WAVE header)', name);
  const chunks = readChunks(read, fileSize, fourcc(head, 0) === 'RF64', name);
  const fmtChunk = chunks.find((c) => c.id === 'fmt ');
  const data = chunks.find((c) => c.id === 'data');
  if (!fmtChunk) throw fail(data ? 'CORRUPT' : 'TRUNCATED', 'no fmt chunk', name);
  if (!data) throw fail('TRUNCATED', 'no data chunk', name);
  const format = parseFormat(read(fmtChunk.start, Math.min(fmtChunk.size, 40)), name);
  const frames = Math.floor(data.size / (format.bytesPerSample * format.channels)); // a trailing partial frame is dropped
  if (frames === 0) throw fail('ZERO_LENGTH', 'contains no audio samples (zero length)', name);
  return { format, dataStart: data.start, frames };
}

/** Reads one sample (as a float, full scale ±1) at byte offset `at`. */
type SampleReader = (view: DataView, at: number) => number;

function sampleReader(fmt: WavFormat): SampleReader {
  if (fmt.format === 'float') return fmt.bytesPerSample === 4 ? (v, at) => v.getFloat32(at, true) : (v, at) => v.getFloat64(at, true);
  switch (fmt.bytesPerSample) {
    case 1:
      return (v, at) => (v.getUint8(at) - 128) / 128;
    case 2:
      return (v, at) => v.getInt16(at, true) / 32768;
    case 3:
      return (v, at) => (v.getUint8(at) | (v.getUint8(at + 1) << 8) | (v.getInt8(at + 2) << 16)) / 8388608;
    default:
      return (v, at) => v.getInt32(at, true) / 2147483648;
  }
}

/**
 * Converts whole interleaved frames `bytes` of format `fmt` into `out` ([ch][frame]) from frame `at` on.
 * Samples pass through sanitizeSample.
 */
export function decodeWavFrames(bytes: Uint8Array, fmt: WavFormat, out: Float32Array[], at: number): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const frameBytes = fmt.bytesPerSample * fmt.channels;
  const frames = Math.floor(bytes.length / frameBytes);
  const read = sampleReader(fmt);
  for (let c = 0; c < fmt.channels; c++) {
    const o = out[c];
    let pos = c * fmt.bytesPerSample;
    for (let i = 0; i < frames; i++, pos += frameBytes) o[at + i] = sanitizeSample(read(view, pos));
  }
}

/**
 * Parses a whole WAV file held in memory. bytes: the file; name: used in error messages.
 * Returns planar float audio at the file's rate and channel count.
 * Errors (DemixError codes): NOT_AUDIO, CORRUPT, TRUNCATED, UNSUPPORTED_CODEC, ZERO_LENGTH.
 */
export function parseWav(bytes: Uint8Array, name?: string): Audio {
  const { format, dataStart, frames } = readWavLayout((o, n) => bytes.subarray(o, o + n), bytes.length, name);
  const channels = Array.from({ length: format.channels }, () => new Float32Array(frames));
  decodeWavFrames(bytes.subarray(dataStart, dataStart + frames * format.bytesPerSample * format.channels), format, channels, 0);
  return { sampleRate: format.sampleRate, channels };
}

/** Speaker masks for WAVE_FORMAT_EXTENSIBLE by channel count (FL FR FC LFE BL BR SL SR, the usual orders). */
const CHANNEL_MASKS: Record<number, number> = { 1: 0x4, 2: 0x3, 3: 0x7, 4: 0x33, 5: 0x37, 6: 0x3f, 7: 0x13f, 8: 0x63f };

/** The layout of a WAV file to write: channel count, rate (Hz) and 16/24-bit PCM or 32-bit float samples. */
export interface WavSpec {
  channels: number;
  sampleRate: number;
  bitDepth: 16 | 24 | 32;
}

/**
 * The header of a WAV file of `spec` holding `frames` frames (its length depends on the spec alone); the
 * sample data (wavSamples) and, for an odd data size, one pad byte follow it. bitDepth: 16 or 24 → integer
 * PCM, 32 → float32; more than two channels are written as WAVE_FORMAT_EXTENSIBLE.
 * Throws BAD_AUDIO for an impossible spec and TOO_LARGE past the 4 GB RIFF limit.
 */
export function wavHeader(spec: WavSpec, frames: number): Uint8Array {
  const { channels: nCh, sampleRate, bitDepth } = spec;
  if (nCh < 1 || nCh > MAX_CHANNELS) throw new DemixError('BAD_AUDIO', `cannot write ${nCh} channels to WAV`);
  if (!(sampleRate >= 1 && sampleRate <= MAX_RATE) || !Number.isInteger(sampleRate)) {
    throw new DemixError('BAD_AUDIO', `cannot write sample rate ${sampleRate} Hz to WAV`);
  }
  const bps = bitDepth / 8;
  const isFloat = bitDepth === 32;
  const extensible = nCh > 2;
  const fmtSize = extensible ? 40 : isFloat ? 18 : 16;
  const factSize = isFloat ? 12 : 0;
  const dataSize = frames * nCh * bps;
  const headerSize = 12 + 8 + fmtSize + factSize + 8;
  if (headerSize + dataSize + (dataSize & 1) > 0xffffffff) {
    throw new DemixError('TOO_LARGE', `audio of ${frames} frames × ${nCh} channels exceeds the 4 GB WAV limit; write FLAC instead`);
  }
  const out = new Uint8Array(headerSize);
  const v = new DataView(out.buffer);
  const ascii = (at: number, s: string): void => {
    for (let i = 0; i < 4; i++) out[at + i] = s.charCodeAt(i);
  };
  ascii(0, 'RIFF');
  v.setUint32(4, headerSize + dataSize + (dataSize & 1) - 8, true);
  ascii(8, 'WAVE');
  ascii(12, 'fmt ');
  v.setUint32(16, fmtSize, true);
  const tag = isFloat ? FORMAT_FLOAT : FORMAT_PCM;
  v.setUint16(20, extensible ? FORMAT_EXTENSIBLE : tag, true);
  v.setUint16(22, nCh, true);
  v.setUint32(24, sampleRate, true);
  v.setUint32(28, sampleRate * nCh * bps, true);
  v.setUint16(32, nCh * bps, true);
  v.setUint16(34, bitDepth, true);
  if (fmtSize >= 18) v.setUint16(36, fmtSize - 18, true); // cbSize
  if (extensible) {
    v.setUint16(38, bitDepth, true); // valid bits
    v.setUint32(40, CHANNEL_MASKS[nCh] ?? 0, true);
    v.setUint16(44, tag, true);
    GUID_TAIL.forEach((b, i) => (out[46 + i] = b));
  }
  let pos = 20 + fmtSize;
  if (isFloat) {
    ascii(pos, 'fact');
    v.setUint32(pos + 4, 4, true);
    v.setUint32(pos + 8, Math.min(frames, 0xffffffff), true);
    pos += 12;
  }
  ascii(pos, 'data');
  v.setUint32(pos + 4, dataSize, true);
  return out;
}

/** The sample data of `channels` ([ch][frame], floats) as a WAV file of `bitDepth` holds it: (frames * ch * bitDepth/8) bytes. */
export function wavSamples(channels: Float32Array[], bitDepth: 16 | 24 | 32): Uint8Array {
  const frames = channels.length === 0 ? 0 : channels[0].length;
  const out = new Uint8Array((frames * channels.length * bitDepth) / 8);
  writeSamples(channels, new DataView(out.buffer), 0, bitDepth);
  return out;
}

/**
 * Encodes planar audio as a WAV file (see wavHeader for the formats and errors).
 */
export function encodeWav(audio: Audio, bitDepth: 16 | 24 | 32): Uint8Array {
  const nCh = audio.channels.length;
  const frames = lengthOf(audio);
  if (audio.channels.some((ch) => ch.length !== frames)) throw new DemixError('BAD_AUDIO', 'channels differ in length');
  const header = wavHeader({ channels: nCh, sampleRate: audio.sampleRate, bitDepth }, frames);
  const dataSize = (frames * nCh * bitDepth) / 8;
  const out = new Uint8Array(header.length + dataSize + (dataSize & 1));
  out.set(header);
  writeSamples(audio.channels, new DataView(out.buffer), header.length, bitDepth);
  return out;
}

/** Interleaves `channels` ([ch][frame], floats) into `v` from byte `start` as 16/24-bit PCM or float32. */
function writeSamples(channels: Float32Array[], v: DataView, start: number, bitDepth: 16 | 24 | 32): void {
  // Typed-array stores (1.5-3x faster than DataView's); 16 and 32 bits through DataView on a big-endian host.
  const nCh = channels.length;
  const frames = nCh === 0 ? 0 : channels[0].length;
  const offset = v.byteOffset + start;
  const aligned = LITTLE_ENDIAN && offset % (bitDepth / 8) === 0; // what 16- and 32-bit views need
  for (let c = 0; c < nCh; c++) {
    const x = channels[c];
    if (bitDepth === 24) {
      const out = new Uint8Array(v.buffer, offset, frames * nCh * 3);
      for (let i = 0, at = 3 * c; i < x.length; i++, at += 3 * nCh) {
        const q = quantize(x[i], 8388608);
        out[at] = q; // stores keep the low 8 bits
        out[at + 1] = q >> 8;
        out[at + 2] = q >> 16;
      }
    } else if (bitDepth === 16 && aligned) {
      const out = new Int16Array(v.buffer, offset, frames * nCh);
      for (let i = 0, at = c; i < x.length; i++, at += nCh) out[at] = quantize(x[i], 32768);
    } else if (bitDepth === 32 && aligned) {
      const out = new Float32Array(v.buffer, offset, frames * nCh);
      for (let i = 0, at = c; i < x.length; i++, at += nCh) out[at] = Number.isFinite(x[i]) ? x[i] : 0;
    } else if (bitDepth === 16) {
      for (let i = 0, at = start + 2 * c; i < x.length; i++, at += 2 * nCh) v.setInt16(at, quantize(x[i], 32768), true);
    } else {
      for (let i = 0, at = start + 4 * c; i < x.length; i++, at += 4 * nCh) v.setFloat32(at, Number.isFinite(x[i]) ? x[i] : 0, true);
    }
  }
}

const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1; // WAV samples are little-endian

/** Rounds x·scale to an integer in [-scale, scale-1] (NaN → 0). */
function quantize(x: number, scale: number): number {
  const q = Math.round(x * scale);
  return q >= scale ? scale - 1 : q < -scale ? -scale : q || 0;
}
