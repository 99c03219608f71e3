// `demix remix`: re-balance a song from its stems (dB gains, mute, solo) into one file that does not clip.
import { basename } from 'node:path';
import { DemixError } from '../errors.js';
import { formatHelp, listOption, type OptionSpec } from './args.js';
import type { Command } from './commands.js';
import { checkOutput, DJ_COMMON_OPTIONS, DjConsole, finishMix, MIX_OPTIONS, parseDjOptions, readMixSettings, writeMix } from './mixdown.js';
import { FOUR_STEMS, loadStemSet, sumStems, TWO_STEMS } from './stem-set.js';

const OPTIONS: readonly OptionSpec[] = [
  { name: 'output', short: 'o', type: 'string', value: 'FILE', description: 'the remix: .wav, .flac or .mp3 (required)' },
  { name: 'gain', short: 'g', type: 'string', value: 'STEM=DB,...', description: 'gain per stem in dB, e.g. vocals=-6,drums=+3' },
  { name: 'mute', type: 'string', value: 'LIST', description: 'stems to leave out, e.g. bass,other' },
  { name: 'solo', type: 'string', value: 'LIST', description: 'keep only these stems, e.g. vocals' },
  ...MIX_OPTIONS,
  ...DJ_COMMON_OPTIONS,
];

const HELP = formatHelp(
  'demix remix <stems folder | song.stem.mp4 | song> -o out.wav [--gain vocals=-6,drums=+3] [--mute bass] [--solo ...]',
  'Re-balance a song from its stems. The input is a folder holding vocals, drums, bass and other\n' +
    '(or vocals and accompaniment) as audio files, e.g. what `demix separate` writes; an NI stem file;\n' +
    'or a plain song, separated first. Stems of different sample rates or lengths are resampled to\n' +
    'the highest rate and padded to the longest (and the command says so). The mix goes through a\n' +
    'look-ahead true-peak limiter (default ceiling -1 dBTP) unless --normalize or --no-limit.',
  OPTIONS,
  'Example:\n  demix remix stems/song -o song-remix.wav --gain vocals=-6,drums=+3 --mute bass',
);

/** Parses `vocals=-6,drums=+3` into stem -> dB. */
export function parseGains(raw: string | undefined): Record<string, number> {
  const gains: Record<string, number> = {};
  if (raw === undefined) return gains;
  for (const item of raw.split(',').map((s) => s.trim()).filter(Boolean)) {
    const m = /^([a-z_]+)\s*=\s*([+-]?\d+(?:\.\d+)?)\s*(?:db)?$/i.exec(item);
    if (!m) throw new DemixError('usage', `--gain: "${item}" is not STEM=DB (e.g. vocals=-6)`);
    gains[m[1].toLowerCase()] = Number(m[2]);
  }
  return gains;
}

/** Linear gain per stem from the gain, mute and solo options; checks every stem name against `names`. */
export function stemGains(names: readonly string[], gainsDb: Record<string, number>, mute: string[], solo: string[]): Record<string, number> {
  for (const [opt, list] of [['--gain', Object.keys(gainsDb)], ['--mute', mute], ['--solo', solo]] as const) {
    for (const n of list) {
      if (!names.includes(n)) throw new DemixError('usage', `${opt}: no stem "${n}" in this song (stems: ${names.join(', ')})`);
    }
  }
  const both = mute.filter((n) => solo.includes(n));
  if (both.length > 0) throw new DemixError('usage', `${both.join(', ')} cannot be both muted and soloed`);
  const gains: Record<string, number> = {};
  for (const n of names) {
    const audible = solo.length > 0 ? solo.includes(n) : !mute.includes(n);
    gains[n] = audible ? Math.pow(10, (gainsDb[n] ?? 0) / 20) : 0;
  }
  if (Object.values(gains).every((g) => g === 0)) throw new DemixError('usage', 'every stem is muted: nothing to mix');
  return gains;
}

async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseDjOptions(argv, OPTIONS);
  if (positionals.length !== 1) throw new DemixError('usage', 'give exactly one stems folder, .stem.mp4 or song (see demix remix --help)');
  const output = values.output as string | undefined;
  if (!output) throw new DemixError('usage', 'missing -o/--output FILE');
  const settings = readMixSettings(values);
  const gainsDb = parseGains(values.gain as string | undefined);
  const mute = listOption(values, 'mute') ?? [];
  const solo = listOption(values, 'solo') ?? [];
  const known = [...FOUR_STEMS, ...TWO_STEMS];
  for (const n of [...Object.keys(gainsDb), ...mute, ...solo]) {
    if (!known.includes(n)) throw new DemixError('usage', `unknown stem "${n}" (stems: ${known.join(', ')})`);
  }
  await checkOutput(output, settings.overwrite);
  const con = new DjConsole(values.quiet === true);
  const say = (line: string) => con.say(line);
  try {
    const input = positionals[0];
    const set = await loadStemSet(input, { model: values.model as string, onProgress: con.progressFor(basename(input)) });
    con.done(basename(input));
    for (const note of set.notes) say(`note: ${note}`);
    const names = Object.keys(set.stems);
    const gains = stemGains(names, gainsDb, mute, solo);
    const { audio, report } = finishMix(sumStems(set, names, gains), settings);
    await writeMix(output, audio, settings);
    const levels = names.map((n) => (gains[n] === 0 ? `${n} muted` : `${n} ${gainsDb[n] ? `${gainsDb[n] > 0 ? '+' : ''}${gainsDb[n]} dB` : '0 dB'}`));
    say(`${input} -> ${output} (${levels.join(', ')})`);
    for (const line of report) say(line);
    return 0;
  } finally {
    con.close();
  }
}

export const remixCommand: Command = {
  name: 'remix',
  summary: 're-balance a song from its stems (gain, mute, solo) without clipping',
  help: HELP,
  run,
};
