// One track of `demix separate`: separate a file, measure each stem, write the stems atomically (all or
// nothing; stem files in stem-files.ts). Shared by the in-process batch and the worker threads of --jobs.
import { basename, join } from 'node:path';
import { exists } from '../audio/atomic.js';
import { DemixError } from '../errors.js';
import { separate, type SeparateOptions, type SeparationInfo } from '../index.js';
import { measureLoudness, type LoudnessReport } from '../separate/loudness.js';
import { outputStems } from '../separate/pipeline.js';
import type { Separator } from '../separate/separator.js';
import { writeStemFiles } from './stem-files.js';
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

/** A stem's line in the summary. duration: seconds. */
function summarise(name: string, path: string | null, duration: number, m: LoudnessReport): StemSummary {
  return { name, path, duration, loudness: finite(m.loudness), peak: finite(m.samplePeak), truePeak: finite(m.truePeak), silent: m.silent };
}

/**
 * Separates one file and writes its stems: wav/flac/mp3 streamed into files as chunks finish, an NI stem
 * file (which ffmpeg muxes from all five parts at once) from the stems in memory. Throws on failure after
 * removing what it wrote.
 */
export async function processTrack(input: string, name: string, s: TrackSettings, ctx: TrackContext): Promise<TrackSummary> {
  const dir = join(s.outDir, name);
  const names = outputStems(ctx.separator, { targets: s.targets, twoStems: s.twoStems });
  if (!s.overwrite) {
    for (const stem of names) {
      const target = s.format === 'stem' ? join(s.outDir, `${name}.stem.mp4`) : join(dir, `${stem}.${s.format}`);
      if (await exists(target)) throw new DemixError('OUTPUT_EXISTS', `${input}: ${target} already exists (use --overwrite to replace it)`, input);
    }
  }
  const options: SeparateOptions = {
    model: ctx.separator,
    targets: s.targets,
    twoStems: s.twoStems,
    wienerIterations: s.wienerIterations,
    chunkSeconds: s.chunkSeconds,
    sampleRate: s.sampleRate,
    signal: ctx.signal,
    onProgress: (e) => ctx.onProgress(e.stage, 0.9 * e.fraction),
  };
  const track = (output: string, info: SeparationInfo, stems: StemSummary[]): TrackSummary => ({
    input, name, output, ok: true, duration: round(info.duration), sampleRate: info.sampleRate, channels: info.channels, stems,
  });
  if (s.format === 'stem') {
    const file = join(s.outDir, `${name}.stem.mp4`);
    const result = await separate(input, options);
    await writeSeparatedStemFile(file, result.stems, s.stemFile, s.overwrite);
    ctx.onProgress('write', 1);
    return track(file, result, names.map((stem) => summarise(stem, file, round(result.duration), measureLoudness(result.stems[stem]))));
  }
  const { info, stems } = await writeStemFiles(input, dir, { format: s.format, bitDepth: s.bitDepth, bitrate: s.stemFile.bitrate, skipSilent: s.skipSilent }, options);
  ctx.onProgress('write', 1);
  return track(dir, info, stems.map((st) => summarise(st.name, st.path, round(info.duration), st.loudness)));
}

/** Seconds to the millisecond. */
const round = (seconds: number): number => Math.round(seconds * 1000) / 1000;
