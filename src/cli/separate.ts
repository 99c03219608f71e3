// `demix separate`: files and folders in, `<out>/<track>/<stem>.<ext>` out, one line per failure.
import { constants } from 'node:fs';
import { access, mkdir, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import { startModuleWorker } from '../worker-rpc.js';
import { AUDIO_EXTENSIONS, discoverAudio } from '../audio/discover.js';
import { DemixError } from '../errors.js';
import { SILENT_DBFS, SILENT_LUFS } from '../separate/loudness.js';
import { DEFAULT_CHUNK_SECONDS, DEFAULT_WIENER_ITERATIONS, outputStems } from '../separate/pipeline.js';
import { defaultModelName } from '../models/node.js';
import { listModels, loadSeparator } from '../separate/registry.js';
import { formatHelp, HELP_OPTION, intOption, listOption, parseOptions } from './args.js';
import type { OptionSpec } from './args.js';
import type { Command } from './commands.js';
import { Progress, progressMode } from './progress.js';
import { describe, FORMATS, processTrack, trackName, type Format, type TrackSettings, type TrackSummary } from './separate-track.js';
import { readStemFileSettings, STEM_FILE_OPTIONS } from './stem-output.js';

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
  { name: 'jobs', short: 'j', type: 'string', value: 'N', description: 'tracks separated at the same time, each in a worker thread with its own memory', default: '1' },
  { name: 'quiet', short: 'q', type: 'boolean', description: 'no progress and no summary lines (errors are still printed)' },
  HELP_OPTION,
];

export { trackName } from './separate-track.js';

const modelWidth = Math.max(...listModels().map((m) => m.name.length)) + 2;
const HELP = formatHelp(
  'demix separate <files or folders...> [options]',
  'Split each song into stems. Folders are searched recursively for audio files:\n' +
    `  ${AUDIO_EXTENSIONS.join(' ')}\n` +
    'A file that cannot be separated prints one line naming it and the problem and leaves\n' +
    'no output; the others go on; the exit code is 1 if any failed. Stems keep the input\'s\n' +
    'sample rate and channels (mono stays mono, more than two channels are downmixed to\n' +
    'stereo). --json reports loudness in LUFS and peaks in dBFS (null for digital silence).',
  OPTIONS,
  'Models:\n' + listModels().map((m) => `  ${m.name.padEnd(modelWidth)}${m.summary}`).join('\n'),
);

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
  const settings: TrackSettings & { jobs: number; json: boolean; quiet: boolean } = {
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
  return settings;
}

/** Creates the output folder if needed and checks that it is writable; returns whether it was created. */
async function prepareOutput(outDir: string): Promise<boolean> {
  const created = await access(outDir).then(() => false, () => true);
  try {
    await mkdir(outDir, { recursive: true });
    await access(outDir, constants.W_OK);
  } catch (err) {
    throw new DemixError('OUTPUT_NOT_WRITABLE', `${outDir}: cannot write to the output folder (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, outDir);
  }
  return created;
}

/** Runs tracks one at a time in this thread: `run(input, name, onProgress)` resolves to the track's summary. */
type TrackRunner = (input: string, name: string, onProgress: (stage: string, fraction: number) => void) => Promise<TrackSummary>;

/** Messages from a worker thread (see separate-worker.ts). */
export type WorkerMessage =
  | { type: 'progress'; stage: string; fraction: number }
  | { type: 'done'; summary: TrackSummary }
  | { type: 'failed'; error: string };

/** A worker thread that separates one track at a time with its own copy of the model. */
function startWorker(settings: TrackSettings): { run: TrackRunner; abort(): void; stop(): Promise<number> } {
  const worker = startModuleWorker('./separate-worker', import.meta.url, settings);
  let pending: { input: string; resolve(s: TrackSummary): void; reject(e: Error): void; onProgress(stage: string, f: number): void } | null = null;
  const fail = (err: Error) => {
    pending?.reject(err);
    pending = null;
  };
  worker.on('message', (m: WorkerMessage) => {
    if (!pending) return;
    if (m.type === 'progress') pending.onProgress(m.stage, m.fraction);
    else if (m.type === 'done') (pending.resolve(m.summary), (pending = null));
    else fail(new Error(m.error));
  });
  worker.on('error', fail);
  worker.on('exit', (code) => fail(new Error(`worker thread stopped (exit ${code})`)));
  return {
    run: (input, name, onProgress) =>
      new Promise((resolve, reject) => {
        pending = { input, resolve, reject, onProgress };
        worker.postMessage({ type: 'track', input, name });
      }),
    abort: () => worker.postMessage({ type: 'abort' }),
    stop: () => worker.terminate(),
  };
}

async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseOptions(argv, OPTIONS);
  const { jobs, json, quiet, ...settings } = readSettings(values);
  if (positionals.length === 0) throw new DemixError('usage', 'no input files or folders given (see demix separate --help)');
  const progress = new Progress(process.stderr, progressMode(process.stderr, quiet));
  const say = (line: string) => {
    if (!quiet && !json) progress.log(line, process.stdout);
  };

  const separator = await loadSeparator(settings.model);
  outputStems(separator, settings); // reject bad --stems / --two-stems before touching the disk
  const { files, errors } = await discoverAudio(positionals);
  const createdOut = await prepareOutput(settings.outDir);
  const controller = new AbortController();
  const nRunners = Math.min(jobs, Math.max(1, files.length));
  const workers = nRunners > 1 ? Array.from({ length: nRunners }, () => startWorker(settings)) : [];
  if (workers.length > 0) await separator.dispose?.(); // each worker loads its own
  const runners: TrackRunner[] =
    workers.length > 0
      ? workers.map((w) => w.run)
      : [(input, name, onProgress) => processTrack(input, name, settings, { separator, signal: controller.signal, onProgress })];
  const onSigint = () => {
    controller.abort();
    for (const w of workers) w.abort();
  };
  process.once('SIGINT', onSigint);

  const failures: TrackSummary[] = errors.map((e) => ({ input: e.file ?? '', name: '', output: '', ok: false, error: e.message, stems: [] }));
  for (const e of errors) progress.log(`demix separate: ${e.message}`, process.stderr);
  const results: TrackSummary[] = new Array(files.length);
  const seen = new Map<string, string>(); // track name -> first input with it
  let next = 0;
  const drain = async (runTrack: TrackRunner) => {
    while (next < files.length && !controller.signal.aborted) {
      const index = next++;
      const input = files[index];
      const name = trackName(input);
      let summary: TrackSummary;
      try {
        const first = seen.get(name);
        if (first !== undefined) throw new DemixError('DUPLICATE_TRACK', `${input}: same track name "${name}" as ${first}; separate it in another run`, input);
        seen.set(name, input);
        summary = await runTrack(input, name, (stage, fraction) => progress.update(name, stage, fraction));
        progress.end(name);
        const silent = summary.stems.filter((st) => st.silent).map((st) => st.name);
        const written = summary.stems.filter((st) => st.path !== null).length;
        say(`${input} -> ${summary.output}${settings.format === 'stem' ? '' : '/'} (${written} stems${silent.length ? `; silent: ${silent.join(', ')}${settings.skipSilent ? ' (skipped)' : ''}` : ''})`);
      } catch (err) {
        summary = { input, name, output: join(settings.outDir, name), ok: false, error: describe(err, input), stems: [] };
        progress.end(name);
        progress.log(`demix separate: ${summary.error}`, process.stderr);
      }
      results[index] = summary;
    }
  };
  try {
    await Promise.all(runners.map(drain));
  } finally {
    process.removeListener('SIGINT', onSigint);
    progress.close();
    await Promise.all(workers.map((w) => w.stop()));
    if (workers.length === 0) await separator.dispose?.();
  }
  const summaries = [...failures, ...results.filter((r) => r !== undefined)];
  if (createdOut && summaries.every((t) => !t.ok)) await rmdir(settings.outDir).catch(() => undefined);
  if (json) process.stdout.write(JSON.stringify({ tracks: summaries }, null, 2) + '\n');
  if (controller.signal.aborted) return 130;
  return summaries.some((t) => !t.ok) ? 1 : 0;
}

export const separateCommand: Command = {
  name: 'separate',
  summary: 'split songs into stems (vocals, drums, bass, other)',
  help: HELP,
  run,
};
