// Native Instruments Stems (.stem.mp4) container work, pure: the `stem` metadata box (NI's JSON manifest
// in moov/udta), the track flags NI's players expect, and a box-tree rewrite that keeps chunk offsets right.
import { DemixError } from '../errors.js';

/** NI's stem order inside a .stem.mp4 (tracks 2–5; track 1 is the master). */
export const NI_STEM_ORDER = ['drums', 'bass', 'other', 'vocals'] as const;
export type NiStem = (typeof NI_STEM_ORDER)[number];

/** Default names and colours (one per NI_STEM_ORDER entry), as Traktor shows them. */
export const NI_DEFAULT_NAMES: readonly string[] = ['Drums', 'Bass', 'Other', 'Vocals'];
export const NI_DEFAULT_COLORS: readonly string[] = ['#009E73', '#D55E00', '#CC79A7', '#56B4E9'];

/** The JSON manifest of NI's stem format, version 1. */
export interface NiStemManifest {
  version: 1;
  stems: { name: string; color: string }[]; // 4 entries, NI order
  mastering_dsp: {
    compressor: {
      enabled: boolean;
      input_gain: number; // dB
      output_gain: number; // dB
      threshold: number; // dB
      dry_wet: number; // percent
      attack: number; // s
      release: number; // s
      ratio: number;
      hp_cutoff: number; // Hz, side-chain high-pass
    };
    limiter: {
      enabled: boolean;
      threshold: number; // dB
      ceiling: number; // dB
      release: number; // s
    };
  };
}

/**
 * The manifest for four stems with the given names and colours. The mastering chain is off: demix's
 * stems sum back to the master already, so a player must not compress or limit their sum.
 */
export function stemManifest(names: readonly string[] = NI_DEFAULT_NAMES, colors: readonly string[] = NI_DEFAULT_COLORS): NiStemManifest {
  if (names.length !== 4 || colors.length !== 4) {
    throw new DemixError('usage', `a stem file needs exactly 4 stem names and 4 colours, got ${names.length} and ${colors.length}`);
  }
  for (const c of colors) {
    if (!/^#[0-9a-fA-F]{6}$/.test(c)) throw new DemixError('usage', `stem colour "${c}" is not of the form #RRGGBB`);
  }
  for (const n of names) {
    if (n.trim() === '') throw new DemixError('usage', 'stem names must not be empty');
  }
  return {
    version: 1,
    stems: names.map((name, i) => ({ name, color: colors[i].toUpperCase() })),
    mastering_dsp: {
      compressor: { enabled: false, input_gain: 0, output_gain: 0, threshold: 0, dry_wet: 100, attack: 0.003, release: 0.3, ratio: 2, hp_cutoff: 20 },
      limiter: { enabled: false, threshold: 0, ceiling: -0.3, release: 0.05 },
    },
  };
}

/** A DemixError for a malformed MP4, its message naming the file. */
function corrupt(message: string, file: string | undefined): DemixError {
  return new DemixError('CORRUPT_MP4', file ? `${file}: ${message}` : message, file);
}

/** One MP4 box: a container with children, or a leaf whose payload (after the 8/16-byte header) is kept. */
interface Box {
  type: string; // four characters
  children?: Box[];
  payload?: Uint8Array;
}

/** Boxes whose payload is nothing but child boxes (the path down to the sample tables). */
const CONTAINERS = new Set(['moov', 'trak', 'mdia', 'minf', 'stbl', 'udta', 'edts', 'dinf']);

interface TopBox {
  type: string;
  start: number; // byte offset in the file
  size: number; // bytes, header included
  headerSize: number; // 8 or 16
}

function fourcc(bytes: Uint8Array, at: number): string {
  return String.fromCharCode(bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]);
}

/** Box headers between `start` and `end` of `bytes`; throws on sizes that leave the range. */
function scanBoxes(bytes: Uint8Array, start: number, end: number, file: string | undefined): TopBox[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: TopBox[] = [];
  let pos = start;
  while (pos + 8 <= end) {
    let size = view.getUint32(pos);
    const type = fourcc(bytes, pos + 4);
    let headerSize = 8;
    if (size === 1) {
      if (pos + 16 > end) throw corrupt(`truncated 64-bit size of box "${type}"`, file);
      size = Number(view.getBigUint64(pos + 8));
      headerSize = 16;
    } else if (size === 0) {
      size = end - pos;
    }
    if (size < headerSize || pos + size > end) throw corrupt(`box "${type}" at byte ${pos} claims ${size} bytes, beyond its parent`, file);
    out.push({ type, start: pos, size, headerSize });
    pos += size;
  }
  return out;
}

function parseTree(bytes: Uint8Array, start: number, end: number, file: string | undefined): Box[] {
  return scanBoxes(bytes, start, end, file).map((b) => {
    const from = b.start + b.headerSize;
    const to = b.start + b.size;
    return CONTAINERS.has(b.type) ? { type: b.type, children: parseTree(bytes, from, to, file) } : { type: b.type, payload: bytes.subarray(from, to) };
  });
}

function treeSize(box: Box): number {
  const body = box.children ? box.children.reduce((s, c) => s + treeSize(c), 0) : box.payload!.length;
  return body + 8 > 0xffffffff ? body + 16 : body + 8;
}

function writeTree(box: Box, out: Uint8Array, at: number): number {
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  const size = treeSize(box);
  let pos = at;
  if (size > 0xffffffff) {
    view.setUint32(pos, 1);
    for (let i = 0; i < 4; i++) out[pos + 4 + i] = box.type.charCodeAt(i);
    view.setBigUint64(pos + 8, BigInt(size));
    pos += 16;
  } else {
    view.setUint32(pos, size);
    for (let i = 0; i < 4; i++) out[pos + 4 + i] = box.type.charCodeAt(i);
    pos += 8;
  }
  if (box.children) for (const c of box.children) pos = writeTree(c, out, pos);
  else {
    out.set(box.payload!, pos);
    pos += box.payload!.length;
  }
  return pos;
}

function child(box: Box, type: string): Box | undefined {
  return box.children?.find((c) => c.type === type);
}

/** The audio tracks (trak boxes whose handler is `soun`), in file order. */
function audioTracks(moov: Box): Box[] {
  return (moov.children ?? []).filter((t) => {
    if (t.type !== 'trak') return false;
    const hdlr = child(child(t, 'mdia') ?? { type: '' }, 'hdlr');
    return hdlr?.payload !== undefined && hdlr.payload.length >= 12 && fourcc(hdlr.payload, 8) === 'soun';
  });
}

/** Byte offset of alternate_group in a tkhd payload (after version/flags, times, id, duration, layer). */
function alternateGroupOffset(tkhd: Uint8Array): number {
  return tkhd[0] === 1 ? 4 + 8 + 8 + 4 + 4 + 8 + 8 + 2 : 4 + 4 + 4 + 4 + 4 + 4 + 8 + 2;
}

/**
 * Track header flags as NI's files have them: the first track enabled (plays in ordinary players),
 * the stems present but disabled, all five in alternate group 1 so a player picks one at a time.
 */
function setTrackFlags(tracks: Box[]): void {
  tracks.forEach((t, i) => {
    const tkhd = child(t, 'tkhd');
    if (!tkhd?.payload || tkhd.payload.length < 4) return;
    const p = tkhd.payload.slice(); // leaves share the input's buffer: copy before writing
    const groupAt = alternateGroupOffset(p);
    p[1] = 0;
    p[2] = 0;
    p[3] = i === 0 ? 0x03 : 0x02; // 1 = enabled, 2 = in movie
    if (p.length >= groupAt + 2) {
      p[groupAt] = 0;
      p[groupAt + 1] = 1;
    }
    tkhd.payload = p;
  });
}

/** Adds `delta` to every chunk offset (stco/co64) that points at or past `from`. */
function shiftChunkOffsets(moov: Box, from: number, delta: number, file: string | undefined): void {
  for (const t of moov.children ?? []) {
    if (t.type !== 'trak') continue;
    const stbl = child(child(child(t, 'mdia') ?? { type: '' }, 'minf') ?? { type: '' }, 'stbl');
    for (const table of stbl?.children ?? []) {
      if ((table.type !== 'stco' && table.type !== 'co64') || !table.payload) continue;
      const p = table.payload.slice();
      const view = new DataView(p.buffer);
      const count = view.getUint32(4);
      const width = table.type === 'stco' ? 4 : 8;
      if (8 + count * width > p.length) throw corrupt(`chunk offset table of ${count} entries overruns its box`, file);
      for (let i = 0; i < count; i++) {
        const at = 8 + i * width;
        if (width === 4) {
          const v = view.getUint32(at);
          if (v < from) continue;
          if (v + delta > 0xffffffff) throw new DemixError('UNSUPPORTED', `${file ?? 'stem file'}: grew past 4 GB with 32-bit chunk offsets`, file);
          view.setUint32(at, v + delta);
        } else {
          const v = view.getBigUint64(at);
          if (v >= BigInt(from)) view.setBigUint64(at, v + BigInt(delta));
        }
      }
      table.payload = p;
    }
  }
}

/**
 * Turns an MP4 with five audio tracks (master, then the stems in NI order) into an NI stem file:
 * writes `manifest` as the `stem` box in moov/udta (replacing one that is there), sets the track
 * flags, and moves chunk offsets if moov sits before the sample data. bytes: the whole file.
 */
export function makeStemMp4(bytes: Uint8Array, manifest: NiStemManifest, file?: string): Uint8Array {
  const top = scanBoxes(bytes, 0, bytes.length, file);
  const moovAt = top.findIndex((b) => b.type === 'moov');
  if (moovAt < 0) throw corrupt('no moov box: not an MP4 file', file);
  const m = top[moovAt];
  const [moov] = parseTree(bytes, m.start, m.start + m.size, file);
  const tracks = audioTracks(moov);
  if (tracks.length !== 5) throw corrupt(`a stem file needs 5 audio tracks, found ${tracks.length}`, file);
  setTrackFlags(tracks);

  let udta = child(moov, 'udta');
  if (!udta) {
    udta = { type: 'udta', children: [] };
    moov.children!.push(udta);
  }
  const stem: Box = { type: 'stem', payload: new TextEncoder().encode(JSON.stringify(manifest)) };
  const existing = udta.children!.findIndex((c) => c.type === 'stem');
  if (existing >= 0) udta.children![existing] = stem;
  else udta.children!.unshift(stem);

  const delta = treeSize(moov) - m.size;
  if (delta !== 0 && moovAt < top.length - 1) shiftChunkOffsets(moov, m.start + m.size, delta, file);

  const out = new Uint8Array(bytes.length + delta);
  out.set(bytes.subarray(0, m.start), 0);
  const end = writeTree(moov, out, m.start);
  out.set(bytes.subarray(m.start + m.size), end);
  return out;
}

/** The parsed JSON of the `stem` box in moov/udta, or undefined when the file has none. bytes: the whole file. */
export function readStemManifest(bytes: Uint8Array, file?: string): unknown {
  const moov = scanBoxes(bytes, 0, bytes.length, file).find((b) => b.type === 'moov');
  if (!moov) return undefined;
  const udta = scanBoxes(bytes, moov.start + moov.headerSize, moov.start + moov.size, file).find((b) => b.type === 'udta');
  if (!udta) return undefined;
  const stem = scanBoxes(bytes, udta.start + udta.headerSize, udta.start + udta.size, file).find((b) => b.type === 'stem');
  if (!stem) return undefined;
  const text = new TextDecoder().decode(bytes.subarray(stem.start + stem.headerSize, stem.start + stem.size));
  try {
    return JSON.parse(text);
  } catch {
    throw corrupt('the stem metadata box does not hold valid JSON', file);
  }
}

/** Track header flags and alternate group of each audio track, in file order (for checks and tests). */
export function trackFlags(bytes: Uint8Array, file?: string): { flags: number; alternateGroup: number }[] {
  const m = scanBoxes(bytes, 0, bytes.length, file).find((b) => b.type === 'moov');
  if (!m) return [];
  const [moov] = parseTree(bytes, m.start, m.start + m.size, file);
  return audioTracks(moov).map((t) => {
    const p = child(t, 'tkhd')!.payload!;
    const groupAt = alternateGroupOffset(p);
    return { flags: (p[1] << 16) | (p[2] << 8) | p[3], alternateGroup: (p[groupAt] << 8) | p[groupAt + 1] };
  });
}
