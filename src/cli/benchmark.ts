// `demix benchmark`: separate every clip of a .stem.mp4 dataset with a model, score it like museval, and
// place it between the trivial floor (the mixture as every estimate) and the oracle ratio-mask ceilings.
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Audio } from '../audio/audio.js';
import { readStemFile } from '../audio/decode.js';
import { DemixError } from '../errors.js';
import { SOURCES, nanMedian, roundToPcm16 } from '../eval/aggregate.js';
import { idealRatioMasks } from '../eval/oracle.js';
import { separate } from '../index.js';
import { defaultModelName } from '../models/node.js';
import { loadSeparator } from '../separate/registry.js';
import { formatHelp, HELP_OPTION, listOption, parseOptions } from './args.js';
import type { OptionSpec } from './args.js';
import type { Command } from './commands.js';
import { formatTable, jsonNumbers, scoreTrack, summarize } from './eval-report.js';
import type { ScoredTrack, Summary } from './eval-report.js';

const STEM_SUFFIX = '.stem.mp4';

const OPTIONS: readonly OptionSpec[] = [
  { name: 'dataset', short: 'd', type: 'string', value: 'DIR', description: 'folder of .stem.mp4 clips (mixture + drums, bass, other, vocals)' },
  { name: 'model', short: 'm', type: 'string', value: 'NAME|FILE', description: 'separator to benchmark', default: defaultModelName() },
  { name: 'tracks', type: 'string', value: 'LIST', description: 'comma-separated clip names (file names, with or without .stem.mp4)' },
  { name: 'split', type: 'string', value: 'FILE', description: 'JSON {"train": [...], "valid": [...]} of clip file names; use with --subset' },
  { name: 'subset', type: 'string', value: 'NAME', description: 'which list of --split to run', default: 'valid' },
  { name: 'no-oracle', type: 'boolean', description: 'skip the mixture floor and the oracle mask ceilings' },
  { name: 'float', type: 'boolean', description: 'use the clips as decoded floats instead of 16-bit PCM' },
  { name: 'json', type: 'boolean', description: 'print the results as JSON on stdout instead of the table' },
  { name: 'quiet', short: 'q', type: 'boolean', description: 'no per-track lines' },
  HELP_OPTION,
];

const HELP = formatHelp(
  'demix benchmark --dataset <DIR> [--model NAME] [--tracks LIST | --split FILE [--subset NAME]] [--json]',
  'Separate each clip\'s mixture with the model, score the four stems with BSS Eval v4 (as museval,\n' +
    'MUSDB mode) and SI-SDR, and print the table and the real-time factor of the separation. For\n' +
    'scale, the same table for the mixture itself as every estimate (the floor) and for ideal ratio\n' +
    'masks (magnitude and power) computed from the true stems with the model\'s STFT and applied to the\n' +
    'mixture (the ceiling for mask-based separation). The mixture is the clip\'s own mixture stream, as\n' +
    'the model sees it. A clip whose reference stem is silent cannot be scored (museval refuses it too)\n' +
    'and is skipped with a notice. --json adds each clip\'s scores for the model (perTrack).\n' +
    'Clips are rounded to 16-bit PCM (mixture and stems), as MUSDB\'s WAV export and MUSDB18-HQ hold\n' +
    'them: as decoded floats, the AAC encoder\'s empty top band makes SIR, SAR and ISR meaningless.',
  OPTIONS,
);

/** The clip files to run: all of `dir`, or those named by --tracks or by a --split subset. */
async function selectClips(dir: string, values: Record<string, string | boolean | undefined>): Promise<string[]> {
  const all = (await readdir(dir).catch(() => {
    throw new DemixError('NOT_FOUND', `${dir}: no such folder`, dir);
  }))
    .filter((f) => f.toLowerCase().endsWith(STEM_SUFFIX))
    .sort();
  if (all.length === 0) throw new DemixError('NO_TRACKS', `${dir}: no ${STEM_SUFFIX} files`, dir);
  const named = listOption(values, 'tracks');
  let wanted: string[] | undefined = named;
  if (typeof values.split === 'string') {
    if (named) throw new DemixError('USAGE', '--tracks and --split cannot be combined');
    const path = values.split;
    let split: Record<string, unknown>;
    try {
      split = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
    } catch (err) {
      throw new DemixError('BAD_SPLIT', `${path}: not a readable JSON split (${(err as Error).message.split('\n')[0]})`, path);
    }
    const subset = values.subset as string;
    const list = split[subset];
    if (!Array.isArray(list) || !list.every((x) => typeof x === 'string')) {
      throw new DemixError('BAD_SPLIT', `${path}: has no list of clip names "${subset}"`, path);
    }
    wanted = list as string[];
  }
  if (!wanted) return all;
  const files = wanted.map((w) => (w.toLowerCase().endsWith(STEM_SUFFIX) ? w : w + STEM_SUFFIX));
  const missing = files.filter((f) => !all.includes(f));
  if (missing.length > 0) throw new DemixError('NOT_FOUND', `not in ${dir}: ${missing.join(', ')}`, dir);
  return files;
}

export const benchmarkCommand: Command = {
  name: 'benchmark',
  summary: 'separate and score a .stem.mp4 dataset; model vs mixture floor and oracle-mask ceilings',
  help: HELP,
  async run(argv) {
    const { values, positionals } = parseOptions(argv, OPTIONS);
    if (positionals.length > 0) throw new DemixError('USAGE', `unexpected argument "${positionals[0]}"`);
    const dir = values.dataset;
    if (typeof dir !== 'string') throw new DemixError('USAGE', '--dataset is required (see demix benchmark --help)');
    const clips = await selectClips(dir, values);
    const oracle = values['no-oracle'] !== true;
    const say = (line: string) => values.quiet === true || process.stderr.write(`${line}\n`);

    const sep = await loadSeparator(values.model as string);
    const methods: Record<string, ScoredTrack[]> = { [sep.name]: [] };
    if (oracle) Object.assign(methods, { mixture: [], 'IRM magnitude': [], 'IRM power': [] });
    let separateSeconds = 0;
    let audioSeconds = 0;
    try {
      for (const file of clips) {
        const name = file.slice(0, -STEM_SUFFIX.length);
        const clip = await readStemFile(join(dir, file));
        const pcm = (a: Audio) => (values.float === true ? a : roundToPcm16(a));
        const mixture = pcm(clip.mixture);
        const truth: Record<string, Audio> = Object.fromEntries(Object.entries(clip.stems).map(([k, a]) => [k, pcm(a)]));
        const t0 = performance.now();
        const result = await separate(mixture, { model: sep });
        const seconds = (performance.now() - t0) / 1000;
        const pick = (all: Record<string, Audio>) => Object.fromEntries(SOURCES.filter((s) => all[s]).map((s) => [s, all[s]]));
        const runs: [string, () => Promise<Record<string, Audio>>][] = [[sep.name, async () => pick(result.stems)]];
        if (oracle) {
          runs.push(['mixture', async () => Object.fromEntries(SOURCES.map((s) => [s, mixture]))]);
          runs.push(['IRM magnitude', () => idealRatioMasks(mixture, pick(truth), sep.stft, 1)]);
          runs.push(['IRM power', () => idealRatioMasks(mixture, pick(truth), sep.stft, 2)]);
        }
        try {
          const scored = [];
          for (const [method, estimates] of runs) scored.push([method, scoreTrack(name, truth, await estimates(), say)] as const);
          for (const [method, track] of scored) methods[method].push(track);
          separateSeconds += seconds;
          audioSeconds += mixture.channels[0].length / mixture.sampleRate;
          const sdr = (t: ScoredTrack) => t.museval.targets.map((x) => `${x.name} ${nanMedian(x.frames.map((f) => f.metrics.SDR)).toFixed(2)}`).join(', ');
          say(`${name}: ${sdr(scored[0][1])} (separated in ${seconds.toFixed(1)} s)`);
        } catch (err) {
          if (!(err instanceof DemixError && err.code.startsWith('SILENT_'))) throw err;
          say(`note: ${name}: skipped: ${err.message}`);
        }
      }
    } finally {
      await sep.dispose?.();
    }
    const count = methods[sep.name].length;
    if (count === 0) throw new DemixError('NO_TRACKS', 'no clip could be scored');
    const summaries: Record<string, Summary> = {};
    for (const [method, tracks] of Object.entries(methods)) summaries[method] = summarize(tracks);
    const rtf = separateSeconds / audioSeconds;
    if (values.json === true) {
      const perTrack = Object.fromEntries(methods[sep.name].map((t) => [t.name, summarize([t])]));
      const out = { model: sep.name, tracks: methods[sep.name].map((t) => t.name), realTimeFactor: rtf, methods: summaries, perTrack };
      process.stdout.write(JSON.stringify(jsonNumbers(out), null, 1) + '\n');
    } else {
      const note = values.float === true ? 'clips scored as decoded floats (--float)' : 'clips rounded to 16-bit PCM as in MUSDB\'s WAV export (--float to keep the decoded floats)';
      process.stdout.write(formatTable(summaries, count, note));
      process.stdout.write(
        `${sep.name}: separation real-time factor ${rtf.toFixed(3)} (${(1 / rtf).toFixed(1)}x real time; ` +
          `${separateSeconds.toFixed(1)} s for ${audioSeconds.toFixed(1)} s of audio)\n`,
      );
    }
    return 0;
  },
};
