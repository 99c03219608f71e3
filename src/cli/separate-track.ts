// One track of `demix separate`: separate a file, measure each stem, write the stems atomically (all or
// nothing). Shared by the in-process batch and the worker threads of --jobs.
import { randomBytes } from 'node:crypto';
import { access, mkdir, rename, rmdir, unlink } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { writeAudio } from '../audio/encode.js';
import { DemixError } from '../errors.js';
import { separate } from '../index.js';
import { measureLoudness } from '../separate/loudness.js';
import { outputStems } from '../separate/pipeline.js';
import type { Separator } from '../separate/separator.js';
import { writeSeparatedStemFile, type StemFileSettings } from './stem-output.js';

export const FORMATS = ['wav', 'flac', 'mp3', 'stem'] as const;
export type Format = (typeof FORMATS)[number];

/** One stem in the --json summary. Loudness/peaks are null for digital silence. */
export interface StemSummary {
  name: string;
  path: string | null; // null when skipped as silent
  duration: number; // seconds
  loudness: number | null; // integrated loudness, LUFS
  peak: number | null; // sample peak, dBFS
  truePeak: number | null; // dBTP
  silent: boolean;
}

export interface TrackSummary {
  input: string;
  name: string;
  output: string; // folder of this track's stems
  ok: boolean;
  error?: string;
  duration?: number; // seconds
  sampleRate?: number; // Hz of the stems
  channels?: number;
  stems: StemSummary[];
}

/** What a track needs to know of the command line; plain data, so it can be sent to a worker thread. */
export interface TrackSettings {
  model: string;
  outDir: string;
  format: Format;
  bitDepth: 16 | 24 | 32;
  sampleRate?: number;
  wienerIterations?: number;
  chunkSeconds: number;
  targets?: string[];
  twoStems?: string;
  overwrite: boolean;
  skipSilent: boolean;
  stemFile: StemFileSettings;
}

/** The live parts of a track's run: the loaded separator, cancellation and a progress callback (0..1). */
export interface TrackContext {
  separator: Separator;
  signal: AbortSignal;
  onProgress(stage: string, fraction: number): void;
}

/** Track folder name: the file name without `.stem.mp4` or its last extension. */
export function trackName(file: string): string {
  const base = basename(file);
  if (base.toLowerCase().endsWith('.stem.mp4')) return base.slice(0, -'.stem.mp4'.length);
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(0, dot) : base;
}

/** One line describing `err` that names `input`. */
export function describe(err: unknown, input: string): string {
  if (err instanceof Error && err.name === 'AbortError') return `${input}: cancelled`;
  const msg = err instanceof Error ? err.message.split('\n')[0] : String(err);
  const file = err instanceof DemixError ? err.file : undefined;
  return msg.includes(input) || (file !== undefined && msg.includes(file)) ? msg : `${input}: ${msg}`;
}

const finite = (x: number): number | null => (Number.isFinite(x) ? Math.round(x * 100) / 100 : null);
const exists = (p: string): Promise<boolean> => access(p).then(() => true, () => false);

/** Separates one file and writes its stems; throws on failure after removing what it wrote. */
export async function processTrack(input: string, name: string, s: TrackSettings, ctx: TrackContext): Promise<TrackSummary> {
  const dir = join(s.outDir, name);
  const names = outputStems(ctx.separator, { targets: s.targets, twoStems: s.twoStems });
  if (!s.overwrite) {
    for (const stem of names) {
      const target = s.format === 'stem' ? join(s.outDir, `${name}.stem.mp4`) : join(dir, `${stem}.${s.format}`);
      if (await exists(target)) throw new DemixError('OUTPUT_EXISTS', `${input}: ${target} already exists (use --overwrite to replace it)`, input);
    }
  }
  const result = await separate(input, {
    model: ctx.separator,
    targets: s.targets,
    twoStems: s.twoStems,
    wienerIterations: s.wienerIterations,
    chunkSeconds: s.chunkSeconds,
    sampleRate: s.sampleRate,
    signal: ctx.signal,
    onProgress: (e) => ctx.onProgress(e.stage, 0.9 * e.fraction),
  });
  const duration = Math.round(result.duration * 1000) / 1000; // seconds, to the millisecond
  if (s.format === 'stem') {
    const file = join(s.outDir, `${name}.stem.mp4`);
    await writeSeparatedStemFile(file, result.stems, s.stemFile, s.overwrite);
    const stems = names.map((stem) => {
      const m = measureLoudness(result.stems[stem]);
      return { name: stem, path: file, duration, loudness: finite(m.loudness), peak: finite(m.samplePeak), truePeak: finite(m.truePeak), silent: m.silent };
    });
    return { input, name, output: file, ok: true, duration, sampleRate: result.sampleRate, channels: result.channels, stems };
  }

  const createdDir = !(await exists(dir));
  const temps: string[] = [];
  const finals: string[] = [];
  const stems: StemSummary[] = [];
  try {
    await mkdir(dir, { recursive: true }).catch((err: NodeJS.ErrnoException) => {
      throw new DemixError('OUTPUT_NOT_WRITABLE', `${input}: cannot create ${dir} (${err.code ?? err.message})`, input);
    });
    for (const [i, stem] of names.entries()) {
      const audio = result.stems[stem];
      const m = measureLoudness(audio);
      const target = join(dir, `${stem}.${s.format}`);
      const skip = s.skipSilent && m.silent;
      stems.push({
        name: stem,
        path: skip ? null : target,
        duration,
        loudness: finite(m.loudness),
        peak: finite(m.samplePeak),
        truePeak: finite(m.truePeak),
        silent: m.silent,
      });
      if (skip) continue;
      const tmp = join(dir, `.${stem}.${process.pid}-${randomBytes(4).toString('hex')}.tmp.${s.format}`);
      temps.push(tmp);
      await writeAudio(tmp, audio, { format: s.format, bitDepth: s.bitDepth, bitrate: s.stemFile.bitrate }).catch((err: unknown) => {
        if (err instanceof DemixError) throw err;
        const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
        throw new DemixError('OUTPUT_NOT_WRITABLE', `${input}: cannot write ${target} (${code})`, input);
      });
      ctx.signal.throwIfAborted();
      ctx.onProgress('write', 0.9 + (0.1 * (i + 1)) / names.length);
    }
    for (const [i, tmp] of temps.entries()) {
      const target = stems.filter((st) => st.path !== null)[i].path as string;
      await rename(tmp, target);
      finals.push(target);
    }
  } catch (err) {
    await Promise.all([...temps, ...finals].map((p) => unlink(p).catch(() => undefined)));
    if (createdDir) await rmdir(dir).catch(() => undefined);
    throw err;
  }
  return { input, name, output: dir, ok: true, duration, sampleRate: result.sampleRate, channels: result.channels, stems };
}
