// Loading a song as stems for the DJ commands (remix, mashup, karaoke): a stems folder, an NI .stem.mp4,
// or any audio file separated on the fly; stems conformed to one rate, channel count and length.
import { readdir, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import type { Audio } from '../audio/audio.js';
import { lengthOf } from '../audio/audio.js';
import { toStereo } from '../audio/channels.js';
import { AUDIO_EXTENSIONS, decodeFile, readStemFile } from '../audio/decode.js';
import { resample } from '../audio/resample.js';
import { DemixError } from '../errors.js';
import { NI_STEM_ORDER } from '../audio/stems-mp4.js';
import { separate } from '../index.js';
import { TARGETS } from '../separate/separator.js';

/** The four stems every full set has, and the two of a karaoke (two-stem) set. */
export const FOUR_STEMS: readonly string[] = TARGETS;
export const TWO_STEMS: readonly string[] = ['vocals', 'accompaniment'];

export interface StemSet {
  stems: Record<string, Audio>; // stem name -> audio; all share sampleRate, channel count and length
  sampleRate: number; // Hz
  source: 'folder' | 'stem-file' | 'separated';
  notes: string[]; // what was done to make the stems fit together, for the user
}

export const isStemFile = (path: string): boolean => path.toLowerCase().endsWith('.stem.mp4');

/**
 * Stem files in `dir` by stem name (`vocals.wav`, `drums.flac`, ...). A folder is a stem set when it
 * holds all four stems or vocals + accompaniment; otherwise a MISSING_STEM error names what is missing.
 */
async function findStemFiles(dir: string): Promise<Record<string, string>> {
  const entries = await readdir(dir).catch((err: NodeJS.ErrnoException) => {
    throw new DemixError('INPUT_UNREADABLE', `${dir}: cannot read folder (${err.code ?? err.message})`, dir);
  });
  const found: Record<string, string> = {};
  for (const name of entries.sort()) {
    const ext = extname(name).toLowerCase();
    if (!AUDIO_EXTENSIONS.includes(ext)) continue;
    const stem = name.slice(0, -ext.length).toLowerCase();
    if ([...FOUR_STEMS, ...TWO_STEMS].includes(stem) && found[stem] === undefined) found[stem] = join(dir, name);
  }
  const full = FOUR_STEMS.every((s) => found[s]);
  const two = TWO_STEMS.every((s) => found[s]);
  if (full) return Object.fromEntries(FOUR_STEMS.map((s) => [s, found[s]]));
  if (two) return Object.fromEntries(TWO_STEMS.map((s) => [s, found[s]]));
  const missing = found.accompaniment ? TWO_STEMS.filter((s) => !found[s]) : FOUR_STEMS.filter((s) => !found[s]);
  throw new DemixError(
    'MISSING_STEM',
    `${dir}: stems folder lacks ${missing.join(', ')} (expected ${FOUR_STEMS.join(', ')} or ${TWO_STEMS.join(' + ')} as audio files, e.g. vocals.wav)`,
    dir,
  );
}

/**
 * Makes stems fit together: stereo if any is, the highest sample rate (resampled), the longest length
 * (shorter ones padded with silence). Returns the stems and a note for each change.
 */
export async function conformStems(stems: Record<string, Audio>, where: string): Promise<{ stems: Record<string, Audio>; sampleRate: number; notes: string[] }> {
  const names = Object.keys(stems);
  const notes: string[] = [];
  const rate = Math.max(...names.map((n) => stems[n].sampleRate));
  const stereo = names.some((n) => stems[n].channels.length > 1);
  const out: Record<string, Audio> = {};
  for (const n of names) {
    let a = stems[n];
    if (a.sampleRate !== rate) {
      notes.push(`${where}: ${n} resampled from ${a.sampleRate} Hz to ${rate} Hz to match the other stems`);
      a = await resample(a, rate);
    }
    if (stereo && a.channels.length !== 2) a = toStereo(a);
    out[n] = a;
  }
  const longest = Math.max(...names.map((n) => lengthOf(out[n])));
  for (const n of names) {
    const len = lengthOf(out[n]);
    if (len === longest) continue;
    notes.push(`${where}: ${n} is ${((longest - len) / rate).toFixed(3)} s shorter than the longest stem; padded with silence`);
    out[n] = {
      sampleRate: rate,
      channels: out[n].channels.map((c) => {
        const padded = new Float32Array(longest);
        padded.set(c);
        return padded;
      }),
    };
  }
  return { stems: out, sampleRate: rate, notes };
}

export interface LoadOptions {
  model?: string; // separator for plain audio files (default: the library's default model)
  twoStems?: boolean; // separate plain audio into vocals + accompaniment only
  onProgress?: (stage: string, fraction: number) => void;
}

/** Loads `path` as stems: a stems folder, a .stem.mp4, or an audio file to separate. */
export async function loadStemSet(path: string, opts: LoadOptions = {}): Promise<StemSet> {
  const st = await stat(path).catch(() => null);
  if (!st) throw new DemixError('INPUT_MISSING', `${path}: no such file or folder`, path);
  if (st.isDirectory()) {
    const files = await findStemFiles(path);
    const decoded: Record<string, Audio> = {};
    for (const [stem, file] of Object.entries(files)) decoded[stem] = await decodeFile(file);
    return { ...(await conformStems(decoded, path)), source: 'folder' };
  }
  if (isStemFile(path)) {
    const { stems, metadata } = await readStemFile(path);
    const set = await conformStems({ ...stems }, path);
    if (metadata === undefined) set.notes.unshift(`${path}: no NI stem metadata; assuming NI's stream order (${NI_STEM_ORDER.join(', ')})`);
    return { ...set, source: 'stem-file' };
  }
  const result = await separate(path, {
    model: opts.model,
    twoStems: opts.twoStems ? 'vocals' : undefined,
    onProgress: opts.onProgress ? (e) => opts.onProgress!(e.stage, e.fraction) : undefined,
  });
  return { stems: result.stems, sampleRate: result.sampleRate, source: 'separated', notes: [] };
}

/** Sum of the named stems (all of them when `names` is omitted). stems must share rate and shape. */
export function sumStems(set: Pick<StemSet, 'stems' | 'sampleRate'>, names = Object.keys(set.stems), gains?: Record<string, number>): Audio {
  const first = set.stems[names[0]];
  const channels = first.channels.map((c) => new Float32Array(c.length));
  for (const n of names) {
    const g = gains?.[n] ?? 1;
    if (g === 0) continue;
    set.stems[n].channels.forEach((c, ch) => {
      const out = channels[ch];
      for (let i = 0; i < c.length; i++) out[i] += g * c[i];
    });
  }
  return { sampleRate: set.sampleRate, channels };
}
