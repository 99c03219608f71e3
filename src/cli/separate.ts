// `demix separate`: files and folders in, `<out>/<track>/<stem>.<ext>` out, one line per failure.
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { access, mkdir, rename, rmdir, unlink } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { AUDIO_EXTENSIONS, discoverAudio } from '../audio/discover.js';
import { writeAudio } from '../audio/encode.js';
import { DemixError } from '../errors.js';
import { separate } from '../index.js';
import { measureLoudness, SILENT_DBFS, SILENT_LUFS } from '../separate/loudness.js';
import { DEFAULT_CHUNK_SECONDS, DEFAULT_WIENER_ITERATIONS, outputStems } from '../separate/pipeline.js';
import { defaultModelName } from '../models/node.js';
import { listModels, loadSeparator } from '../separate/registry.js';
import type { Separator } from '../separate/separator.js';
import { formatHelp, intOption, listOption, parseOptions } from './args.js';
import type { OptionSpec } from './args.js';
import type { Command } from './commands.js';
import { Progress, progressMode } from './progress.js';
import { readStemFileSettings, STEM_FILE_OPTIONS, writeSeparatedStemFile, type StemFileSettings } from './stem-output.js';

const FORMATS = ['wav', 'flac', 'mp3', 'stem'] as const;
type Format = (typeof FORMATS)[number];

const OPTIONS: readonly OptionSpec[] = [
  { name: 'output', short: 'o', type: 'string', value: 'DIR', description: 'folder for the stems: DIR/<track>/<stem>.<ext> (stem: DIR/<track>.stem.mp4)', default: 'stems' },
  { name: 'model', short: 'm', type: 'string', value: 'NAME|FILE', description: 'separator: a registered name or a model file', default: defaultModelName() },
  { name: 'stems', type: 'string', value: 'LIST', description: 'comma-separated stems to write, e.g. vocals,drums (default: all)' },
  { name: 'two-stems', type: 'string', value: 'STEM', description: 'write STEM and the rest as one stem (vocals -> vocals + accompaniment)' },
  { name: 'format', short: 'f', type: 'string', value: FORMATS.join('|'), description: 'output file format (stem: one NI Stems file per song)', default: 'wav' },
  { name: 'bit-depth', type: 'string', value: '16|24|32', description: 'sample size: wav 16, 24 or 32 (float), flac 16 or 24', default: '24' },
  ...STEM_FILE_OPTIONS,
  { name: 'sample-rate', type: 'string', value: 'HZ', description: 'sample rate of the stems (default: the input\'s)' },
  { name: 'wiener-iterations', type: 'string', value: 'N', description: `Wiener filter iterations; 0 = soft masks (default: the model's, else ${DEFAULT_WIENER_ITERATIONS}; classic 0)` },
  { name: 'chunk-seconds', type: 'string', value: 'S', description: 'longest piece separated at once (bounds memory)', default: String(DEFAULT_CHUNK_SECONDS) },
  { name: 'overwrite', type: 'boolean', description: 'replace existing stems (otherwise such a track fails)' },
  { name: 'skip-silent', type: 'boolean', description: `do not write stems that are effectively silent (< ${SILENT_LUFS} LUFS or peak < ${SILENT_DBFS} dBFS)` },
  { name: 'json', type: 'boolean', description: 'print a JSON summary (per track and stem: path, duration, loudness, peak, silent) on stdout' },
  { name: 'jobs', short: 'j', type: 'string', value: 'N', description: 'tracks separated at the same time', default: '1' },
  { name: 'quiet', short: 'q', type: 'boolean', description: 'no progress and no summary lines (errors are still printed)' },
  { name: 'help', short: 'h', type: 'boolean', description: 'show this help' },
];

const HELP = formatHelp(
  'demix separate <files or folders...> [options]',
  'Split each song into stems. Folders are searched recursively for audio files\n' +
    `(${AUDIO_EXTENSIONS.join(' ')}). A file that cannot be separated prints one line\n` +
    'naming it and the problem and leaves no output; the others go on; the exit code is 1\n' +
    'if any failed. Stems keep the input\'s sample rate and its channels (mono stays mono,\n' +
    'more than two channels are downmixed to stereo).',
  OPTIONS,
  'Models:\n' + listModels().map((m) => `  ${m.name}  ${m.summary}`).join('\n'),
);

/** One stem in the --json summary. Loudness/peaks are null for digital silence. */
interface StemSummary {
  name: string;
  path: string | null; // null when skipped as silent
  duration: number; // seconds
  loudness: number | null; // integrated loudness, LUFS
  peak: number | null; // sample peak, dBFS
  truePeak: number | null; // dBTP
  silent: boolean;
}

interface TrackSummary {
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

interface Settings {
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
  separator: Separator;
  signal: AbortSignal;
  progress: Progress;
}

/** Track folder name: the file name without `.stem.mp4` or its last extension. */
export function trackName(file: string): string {
  const base = basename(file);
  if (base.toLowerCase().endsWith('.stem.mp4')) return base.slice(0, -'.stem.mp4'.length);
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(0, dot) : base;
}

/** One line describing `err` that names `input`. */
function describe(err: unknown, input: string): string {
  if (err instanceof Error && err.name === 'AbortError') return `${input}: cancelled`;
  const msg = err instanceof Error ? err.message.split('\n')[0] : String(err);
  const file = err instanceof DemixError ? err.file : undefined;
  return msg.includes(input) || (file !== undefined && msg.includes(file)) ? msg : `${input}: ${msg}`;
}

const finite = (x: number): number | null => (Number.isFinite(x) ? Math.round(x * 100) / 100 : null);
const exists = (p: string): Promise<boolean> => access(p).then(() => true, () => false);

/** Separates one file and writes its stems; throws on failure after removing what it wrote. */
async function processTrack(input: string, name: string, s: Settings): Promise<TrackSummary> {
  const dir = join(s.outDir, name);
  const names = outputStems(s.separator, { targets: s.targets, twoStems: s.twoStems });
  if (!s.overwrite) {
    for (const stem of names) {
      const target = s.format === 'stem' ? join(s.outDir, `${name}.stem.mp4`) : join(dir, `${stem}.${s.format}`);
      if (await exists(target)) throw new DemixError('OUTPUT_EXISTS', `${input}: ${target} already exists (use --overwrite to replace it)`, input);
    }
  }
  const result = await separate(input, {
    model: s.separator,
    targets: s.targets,
    twoStems: s.twoStems,
    wienerIterations: s.wienerIterations,
    chunkSeconds: s.chunkSeconds,
    sampleRate: s.sampleRate,
    signal: s.signal,
    onProgress: (e) => s.progress.update(name, e.stage, 0.9 * e.fraction),
  });
  if (s.format === 'stem') {
    const file = join(s.outDir, `${name}.stem.mp4`);
    await writeSeparatedStemFile(file, result.stems, s.stemFile, s.overwrite);
    const stems = names.map((stem) => {
      const m = measureLoudness(result.stems[stem]);
      return { name: stem, path: file, duration: result.duration, loudness: finite(m.loudness), peak: finite(m.samplePeak), truePeak: finite(m.truePeak), silent: m.silent };
    });
    return { input, name, output: file, ok: true, duration: result.duration, sampleRate: result.sampleRate, channels: result.channels, stems };
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
        duration: result.duration,
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
      s.signal.throwIfAborted();
      s.progress.update(name, 'write', 0.9 + (0.1 * (i + 1)) / names.length);
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
  return { input, name, output: dir, ok: true, duration: result.duration, sampleRate: result.sampleRate, channels: result.channels, stems };
}

/** Reads and checks the options; throws DemixError('usage') on a bad value. */
function readSettings(values: Record<string, string | boolean | undefined>) {
  const format = values.format as string;
  if (!(FORMATS as readonly string[]).includes(format)) {
    throw new DemixError('usage', `--format must be one of ${FORMATS.join(', ')}, got "${format}"`);
  }
  const bitDepth = intOption(values, 'bit-depth', [16, 24, 32]) as 16 | 24 | 32;
  if (format === 'flac' && bitDepth === 32) throw new DemixError('usage', '--bit-depth 32 is for wav only (flac: 16 or 24)');
  const chunkSeconds = Number(values['chunk-seconds']);
  if (!(chunkSeconds >= 1)) throw new DemixError('usage', `--chunk-seconds must be a number >= 1, got "${values['chunk-seconds']}"`);
  const sampleRate = intOption(values, 'sample-rate');
  if (sampleRate !== undefined && (sampleRate < 8000 || sampleRate > 384000)) {
    throw new DemixError('usage', `--sample-rate must be between 8000 and 384000 Hz, got ${sampleRate}`);
  }
  const jobs = intOption(values, 'jobs') ?? 1;
  if (jobs < 1) throw new DemixError('usage', '--jobs must be at least 1');
  const targets = listOption(values, 'stems');
  const twoStems = values['two-stems'] as string | undefined;
  if (targets && twoStems !== undefined) throw new DemixError('usage', '--stems and --two-stems cannot be combined');
  return {
    outDir: values.output as string,
    format: format as Format,
    bitDepth,
    stemFile: readStemFileSettings(values, format, targets !== undefined || twoStems !== undefined),
    sampleRate,
    wienerIterations: intOption(values, 'wiener-iterations'),
    chunkSeconds,
    targets,
    twoStems,
    overwrite: values.overwrite === true,
    skipSilent: values['skip-silent'] === true,
    jobs,
    json: values.json === true,
    quiet: values.quiet === true,
    model: values.model as string,
  };
}

/** Creates the output folder if needed and checks that it is writable; returns whether it was created. */
async function prepareOutput(outDir: string): Promise<boolean> {
  const created = !(await exists(outDir));
  try {
    await mkdir(outDir, { recursive: true });
    await access(outDir, constants.W_OK);
  } catch (err) {
    throw new DemixError('OUTPUT_NOT_WRITABLE', `${outDir}: cannot write to the output folder (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, outDir);
  }
  return created;
}

async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseOptions(argv, OPTIONS);
  const opts = readSettings(values);
  if (positionals.length === 0) throw new DemixError('usage', 'no input files or folders given (see demix separate --help)');
  const progress = new Progress(process.stderr, progressMode(process.stderr, opts.quiet));
  const say = (line: string) => {
    if (!opts.quiet && !opts.json) progress.log(line, process.stdout);
  };

  const separator = await loadSeparator(opts.model);
  outputStems(separator, opts); // reject bad --stems / --two-stems before touching the disk
  const { files, errors } = await discoverAudio(positionals);
  const createdOut = await prepareOutput(opts.outDir);
  const controller = new AbortController();
  const onSigint = () => controller.abort();
  process.once('SIGINT', onSigint);

  const summaries: TrackSummary[] = errors.map((e) => ({ input: e.file ?? '', name: '', output: '', ok: false, error: e.message, stems: [] }));
  for (const e of errors) progress.log(`demix separate: ${e.message}`, process.stderr);
  const settings: Settings = { ...opts, separator, signal: controller.signal, progress };
  const seen = new Map<string, string>(); // track name -> first input with it
  let next = 0;
  const worker = async () => {
    while (next < files.length) {
      const input = files[next++];
      const name = trackName(input);
      let summary: TrackSummary;
      try {
        const first = seen.get(name);
        if (first !== undefined) throw new DemixError('DUPLICATE_TRACK', `${input}: same track name "${name}" as ${first}; separate it in another run`, input);
        seen.set(name, input);
        summary = await processTrack(input, name, settings);
        const silent = summary.stems.filter((st) => st.silent).map((st) => st.name);
        const written = summary.stems.filter((st) => st.path !== null).length;
        say(`${input} -> ${summary.output}${opts.format === 'stem' ? '' : '/'} (${written} stems${silent.length ? `; silent: ${silent.join(', ')}${opts.skipSilent ? ' (skipped)' : ''}` : ''})`);
      } catch (err) {
        summary = { input, name, output: join(opts.outDir, name), ok: false, error: describe(err, input), stems: [] };
        progress.log(`demix separate: ${summary.error}`, process.stderr);
      }
      progress.end(name);
      summaries.push(summary);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(opts.jobs, Math.max(1, files.length)) }, worker));
  } finally {
    process.removeListener('SIGINT', onSigint);
    progress.close();
    await separator.dispose?.();
  }
  if (createdOut && summaries.every((t) => !t.ok)) await rmdir(opts.outDir).catch(() => undefined);
  if (opts.json) process.stdout.write(JSON.stringify({ tracks: summaries }, null, 2) + '\n');
  if (controller.signal.aborted) return 130;
  return summaries.some((t) => !t.ok) ? 1 : 0;
}

export const separateCommand: Command = {
  name: 'separate',
  summary: 'split songs into stems (vocals, drums, bass, other)',
  help: HELP,
  run,
};
