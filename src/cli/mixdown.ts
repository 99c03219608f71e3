// The last step of remix and mashup: keep the mix from clipping (true-peak limiter or normalisation),
// say what happened, and write the file in the format its extension names.
import { access } from 'node:fs/promises';
import { extname } from 'node:path';
import type { Audio } from '../audio/audio.js';
import { writeAudio, type OutputFormat } from '../audio/encode.js';
import { gainToDb, limit, normalizePeak, samplePeak, truePeak } from '../dsp/limiter.js';
import { DemixError } from '../errors.js';
import { defaultModelName } from '../models/node.js';
import { HELP_OPTION, intOption, parseOptions, type OptionSpec, type ParsedArgs } from './args.js';
import { Progress, progressMode } from './progress.js';

export const OUTPUT_FORMATS: readonly OutputFormat[] = ['wav', 'flac', 'mp3'];

/** The separator choice (for songs that are not stems yet), -q and -h: the tail of every DJ command's options. */
export const DJ_COMMON_OPTIONS: readonly OptionSpec[] = [
  { name: 'model', short: 'm', type: 'string', value: 'NAME|FILE', description: 'separator for songs that are not stems yet', default: defaultModelName() },
  { name: 'quiet', short: 'q', type: 'boolean', description: 'print nothing but errors' },
  HELP_OPTION,
];

/** Options every mixing command shares (peak control and output encoding). */
export const MIX_OPTIONS: readonly OptionSpec[] = [
  { name: 'ceiling', type: 'string', value: 'DBTP', description: 'true-peak ceiling of the output', default: '-1' },
  { name: 'normalize', type: 'boolean', description: 'instead of limiting, scale the whole mix so its true peak sits on the ceiling' },
  { name: 'no-limit', type: 'boolean', description: 'neither limit nor normalise (clipping is reported)' },
  { name: 'bit-depth', type: 'string', value: '16|24|32', description: 'wav/flac sample size (32 = float for wav)', default: '24' },
  { name: 'bitrate', type: 'string', value: 'KBPS', description: 'mp3 bit rate in kb/s', default: '320' },
  { name: 'overwrite', type: 'boolean', description: 'replace an existing output file' },
];

/**
 * parseOptions, but a negative number after a string option is its value (`--ceiling -3`, `--offset
 * -0.5`), where node's parseArgs would take it for an option.
 */
export function parseDjOptions(argv: string[], specs: readonly OptionSpec[]): ParsedArgs {
  const strings = new Set(specs.filter((s) => s.type === 'string').flatMap((s) => (s.short ? [`--${s.name}`, `-${s.short}`] : [`--${s.name}`])));
  const joined: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (strings.has(argv[i]) && i + 1 < argv.length && /^-\d|^-\.\d/.test(argv[i + 1])) {
      joined.push(`${argv[i]}=${argv[i + 1]}`);
      i++;
    } else joined.push(argv[i]);
  }
  return parseOptions(joined, specs);
}

/**
 * What the DJ commands print: result lines on stdout; the progress of separations as a bar on a terminal
 * (lines when piped) on stderr; with -q nothing but errors.
 */
export class DjConsole {
  private readonly progress: Progress;

  constructor(private readonly quiet: boolean) {
    this.progress = new Progress(process.stderr, progressMode(process.stderr, quiet));
  }

  say(line: string): void {
    if (!this.quiet) this.progress.log(line, process.stdout);
  }

  /** A progress callback for `task` (e.g. the song being separated). */
  progressFor(task: string): (stage: string, fraction: number) => void {
    return (stage, fraction) => this.progress.update(task, stage, fraction);
  }

  /** Ends the progress of `task`. */
  done(task: string): void {
    this.progress.end(task);
  }

  close(): void {
    this.progress.close();
  }
}

export interface MixSettings {
  mode: 'limit' | 'normalize' | 'none';
  ceilingDb: number; // dBTP
  bitDepth: 16 | 24 | 32;
  bitrate: number; // kbit/s (mp3)
  overwrite: boolean;
}

export function readMixSettings(values: ParsedArgs['values']): MixSettings {
  const ceilingDb = Number(values.ceiling);
  if (!(ceilingDb <= 0 && ceilingDb >= -20)) throw new DemixError('usage', `--ceiling must be a level in dBTP between -20 and 0, got "${values.ceiling}"`);
  if (values.normalize && values['no-limit']) throw new DemixError('usage', '--normalize and --no-limit cannot be combined');
  const kbps = intOption(values, 'bitrate') ?? 320;
  if (kbps < 32 || kbps > 320) throw new DemixError('usage', `--bitrate must be 32-320 kb/s, got ${kbps}`);
  return {
    mode: values.normalize ? 'normalize' : values['no-limit'] ? 'none' : 'limit',
    ceilingDb,
    bitDepth: intOption(values, 'bit-depth', [16, 24, 32]) as 16 | 24 | 32,
    bitrate: kbps,
    overwrite: values.overwrite === true,
  };
}

/** The output format named by `path`'s extension, or a usage error. */
export function outputFormat(path: string): OutputFormat {
  const ext = extname(path).slice(1).toLowerCase();
  if (!(OUTPUT_FORMATS as readonly string[]).includes(ext)) {
    throw new DemixError('usage', `${path}: output must end in ${OUTPUT_FORMATS.map((f) => `.${f}`).join(', ')}`, path);
  }
  return ext as OutputFormat;
}

/** Refuses an existing output before any heavy work (unless overwriting). */
export async function checkOutput(path: string, overwrite: boolean): Promise<void> {
  outputFormat(path);
  if (!overwrite && (await access(path).then(() => true, () => false))) {
    throw new DemixError('OUTPUT_EXISTS', `${path}: output already exists (use --overwrite to replace it)`, path);
  }
}

const db = (x: number): string => (x === -Infinity ? '-inf' : `${x >= 0 ? '+' : ''}${x.toFixed(1)}`);

/** Applies the peak control of `s` to `mix`; returns the result and one line per thing worth saying. */
export function finishMix(mix: Audio, s: Pick<MixSettings, 'mode' | 'ceilingDb'>): { audio: Audio; report: string[] } {
  const report: string[] = [];
  const before = samplePeak(mix.channels);
  const tp = gainToDb(truePeak(mix.channels));
  const over = before.clipped > 0 ? `, ${before.clipped} samples over full scale` : '';
  report.push(`mix peak: ${db(tp)} dBTP (sample peak ${db(gainToDb(before.peak))} dBFS${over})`);
  if (s.mode === 'limit') {
    const r = limit(mix.channels, mix.sampleRate, { ceilingDb: s.ceilingDb });
    report.push(
      r.maxReductionDb > 0.01
        ? `limiter: up to ${r.maxReductionDb.toFixed(1)} dB gain reduction; output true peak ${db(r.truePeakDb)} dBTP`
        : `limiter: no gain reduction needed (ceiling ${db(s.ceilingDb)} dBTP)`,
    );
    return { audio: { sampleRate: mix.sampleRate, channels: r.channels }, report };
  }
  if (s.mode === 'normalize') {
    const r = normalizePeak(mix.channels, s.ceilingDb);
    report.push(`normalised: ${db(r.gainDb)} dB, output true peak ${db(s.ceilingDb)} dBTP`);
    return { audio: { sampleRate: mix.sampleRate, channels: r.channels }, report };
  }
  if (before.clipped > 0) report.push(`warning: ${before.clipped} samples clip; drop --no-limit or add --normalize to avoid it`);
  return { audio: mix, report };
}

/** Writes the finished mix to `path` (format from the extension), atomically. */
export async function writeMix(path: string, audio: Audio, s: MixSettings): Promise<void> {
  await writeAudio(path, audio, { format: outputFormat(path), bitDepth: s.bitDepth, bitrate: s.bitrate, overwrite: s.overwrite });
}
