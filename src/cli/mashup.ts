// `demix mashup`: stems of one song laid over stems of another, matched in tempo and key and aligned on
// the first downbeat, then mixed through the true-peak limiter.
import { basename } from 'node:path';
import type { Audio } from '../audio/audio.js';
import { lengthOf } from '../audio/audio.js';
import { dbToGain } from '../dsp/limiter.js';
import { MIN_TEMPO_SECONDS } from '../dsp/tempo.js';
import { analyseSong, matchSource, matchTarget, planMatch, type MatchOptions, type SongAnalysis } from '../dj/mashup-match.js';
import { DemixError } from '../errors.js';
import { formatHelp, listOption, type OptionSpec, type ParsedArgs } from './args.js';
import type { Command } from './commands.js';
import { checkOutput, DJ_COMMON_OPTIONS, DjConsole, finishMix, MIX_OPTIONS, parseDjOptions, readMixSettings, writeMix, type MixSettings } from './mixdown.js';
import { FOUR_STEMS, loadStemSet, sumStems, type StemSet } from './stem-set.js';

const OPTIONS: readonly OptionSpec[] = [
  { name: 'output', short: 'o', type: 'string', value: 'FILE', description: 'the mashup: .wav, .flac or .mp3 (required)' },
  { name: 'vocals', type: 'string', value: 'SONG', description: 'shorthand: the vocals of SONG ... (same as --from SONG --take vocals)' },
  { name: 'instrumental', type: 'string', value: 'SONG', description: '... over the drums, bass and other of SONG (same as --onto SONG)' },
  { name: 'from', type: 'string', value: 'SONG', description: 'the song whose stems are moved (matched to the other\'s tempo and key)' },
  { name: 'take', type: 'string', value: 'LIST', description: 'stems taken from --from', default: 'vocals' },
  { name: 'onto', type: 'string', value: 'SONG', description: 'the song that sets tempo, key and length' },
  { name: 'keep', type: 'string', value: 'LIST', description: 'stems of --onto kept in the mix (default: those not taken)' },
  { name: 'bpm', type: 'string', value: 'BPM', description: 'tempo of the mashup (default: that of --onto)' },
  { name: 'source-bpm', type: 'string', value: 'BPM', description: 'tempo of --from, instead of detecting it' },
  { name: 'target-bpm', type: 'string', value: 'BPM', description: 'tempo of --onto, instead of detecting it' },
  { name: 'semitones', type: 'string', value: 'N', description: 'pitch shift of the moved stems (default: to the key of --onto; 0 = none)' },
  { name: 'offset', type: 'string', value: 'SECONDS', description: 'move the taken stems later (+) or earlier (-) after downbeat alignment', default: '0' },
  { name: 'source-gain', type: 'string', value: 'DB', description: 'gain of the moved stems', default: '0' },
  ...MIX_OPTIONS,
  ...DJ_COMMON_OPTIONS,
];

const HELP = formatHelp(
  'demix mashup --vocals <song A> --instrumental <song B> -o out.wav\n' +
    '       demix mashup --from <song A> --take drums[,bass...] --onto <song B> [--keep vocals,...] -o out.wav',
  'Lay stems of song A over stems of song B. Each song is separated (unless it is a stems folder or\n' +
    'an NI .stem.mp4); both songs\' tempo (BPM), first downbeat and key are detected and printed; A\'s\n' +
    'stems are time-stretched to B\'s tempo (or to --bpm, B too then) and pitch-shifted to B\'s key\n' +
    '(Rubber Band), their first downbeat is put on B\'s, and all goes through the true-peak limiter.\n' +
    'Tempi an octave apart are matched at half or double time. A song shorter than ' + MIN_TEMPO_SECONDS + ' s has no\n' +
    'reliable tempo: then nothing is stretched (unless --source-bpm/--target-bpm say the tempi) and the\n' +
    'songs are aligned at their starts, which the command announces.',
  OPTIONS,
  'Examples:\n' +
    '  demix mashup --vocals a.mp3 --instrumental b.mp3 -o mashup.wav\n' +
    '  demix mashup --from a.mp3 --take drums --onto b.mp3 --keep vocals,bass,other -o drums-swap.wav',
);

interface Plan {
  from: string;
  take: string[];
  onto: string;
  keep: string[];
}

/** Who gives which stems, from either the shorthand or the general options. */
export function planMashup(values: ParsedArgs['values']): Plan {
  const shorthand = values.vocals !== undefined || values.instrumental !== undefined;
  const general = values.from !== undefined || values.onto !== undefined || values.keep !== undefined;
  if (shorthand && general) throw new DemixError('usage', 'use either --vocals/--instrumental or --from/--take/--onto/--keep, not both');
  const from = (values.vocals ?? values.from) as string | undefined;
  const onto = (values.instrumental ?? values.onto) as string | undefined;
  if (!from || !onto) {
    throw new DemixError('usage', shorthand ? 'give both --vocals SONG and --instrumental SONG' : 'give --from SONG and --onto SONG (or --vocals and --instrumental)');
  }
  const take = shorthand ? ['vocals'] : (listOption(values, 'take') ?? ['vocals']);
  const keep = shorthand ? FOUR_STEMS.filter((s) => s !== 'vocals') : (listOption(values, 'keep') ?? FOUR_STEMS.filter((s) => !take.includes(s)));
  for (const [opt, list] of [['--take', take], ['--keep', keep]] as const) {
    if (list.length === 0) throw new DemixError('usage', `${opt}: no stems given`);
    for (const s of list) if (!FOUR_STEMS.includes(s)) throw new DemixError('usage', `${opt}: unknown stem "${s}" (stems: ${FOUR_STEMS.join(', ')})`);
  }
  return { from, take, onto, keep };
}

function numberOption(values: ParsedArgs['values'], name: string, min: number, max: number): number | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  const v = Number(raw);
  if (typeof raw !== 'string' || raw.trim() === '' || !(v >= min && v <= max)) throw new DemixError('usage', `--${name} must be a number from ${min} to ${max}, got "${raw}"`);
  return v;
}

/** The whole set (tempo) and its stems other than drums (key; all stems when drums are all it has). */
function analyseSet(set: StemSet): Promise<SongAnalysis> {
  const names = Object.keys(set.stems);
  const harmonic = names.filter((n) => n !== 'drums');
  return analyseSong({ all: sumStems(set, names), harmonic: sumStems(set, harmonic.length > 0 ? harmonic : names) });
}

async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseDjOptions(argv, OPTIONS);
  if (positionals.length > 0) throw new DemixError('usage', `unexpected argument "${positionals[0]}" (songs go after --vocals/--instrumental or --from/--onto)`);
  const output = values.output as string | undefined;
  if (!output) throw new DemixError('usage', 'missing -o/--output FILE');
  const plan = planMashup(values);
  const settings = readMixSettings(values);
  const match: MatchOptions = {
    bpm: numberOption(values, 'bpm', 30, 300),
    sourceBpm: numberOption(values, 'source-bpm', 30, 300),
    targetBpm: numberOption(values, 'target-bpm', 30, 300),
    semitones: numberOption(values, 'semitones', -24, 24),
    offset: numberOption(values, 'offset', -600, 600),
  };
  const sourceGain = dbToGain(numberOption(values, 'source-gain', -60, 24) ?? 0);
  await checkOutput(output, settings.overwrite);
  const con = new DjConsole(values.quiet === true);
  try {
    return await mashup(plan, { model: values.model as string, output, settings, sourceGain, match }, con);
  } finally {
    con.close();
  }
}

interface MashupOptions {
  model: string; // separator for plain songs
  output: string;
  settings: MixSettings;
  sourceGain: number; // linear gain of the moved stems
  match: MatchOptions; // what the user set instead of the detection
}

async function mashup(plan: Plan, o: MashupOptions, con: DjConsole): Promise<number> {
  const { model, output, settings, sourceGain, match: given } = o;
  const offset = given.offset ?? 0;
  const say = (line: string) => con.say(line);
  const load = async (path: string, needed: string[]): Promise<StemSet> => {
    const set = await loadStemSet(path, { model, onProgress: con.progressFor(basename(path)) });
    con.done(basename(path));
    for (const note of set.notes) say(`note: ${note}`);
    const missing = needed.filter((s) => !set.stems[s]);
    if (missing.length > 0) throw new DemixError('MISSING_STEM', `${path}: has no ${missing.join(', ')} stem (it holds ${Object.keys(set.stems).join(', ')})`, path);
    return set;
  };
  const target = await load(plan.onto, plan.keep);
  const source = await load(plan.from, plan.take);
  const [a, b] = [await analyseSet(source), await analyseSet(target)];
  if (source.sampleRate !== target.sampleRate) say(`note: ${plan.from} resampled from ${source.sampleRate} Hz to ${target.sampleRate} Hz`);

  const describe = (path: string, x: SongAnalysis, override?: number): string => {
    const tempo = override !== undefined ? `${override} BPM (given)` : x.tempo ? `${x.tempo.bpm.toFixed(1)} BPM (confidence ${x.tempo.confidence.toFixed(2)})` : 'tempo unknown';
    const downbeat = x.tempo ? `, first downbeat ${x.tempo.firstDownbeat.toFixed(2)} s` : '';
    return `${path}: ${tempo}${downbeat}, key ${x.key?.name ?? 'unknown'}`;
  };
  say(describe(plan.from, a, given.sourceBpm));
  say(describe(plan.onto, b, given.targetBpm));

  // What the match does, said step by step: tempo, key, then (once the stems are laid out) alignment.
  const m = planMatch(a, b, given);
  const { sourceBpm: src, outBpm: out } = m;
  if (src !== undefined && out !== undefined) {
    if (m.beatFactor !== 1) say(`${plan.from}: ${src.toFixed(1)} BPM treated as ${(src * m.beatFactor).toFixed(1)} (${m.beatFactor === 2 ? 'double' : 'half'} time) to stretch less`);
    say(`tempo: ${src.toFixed(1)} -> ${out.toFixed(1)} BPM (stretch x${m.sourceRatio.toFixed(3)})${m.targetRatio !== 1 ? `; ${plan.onto} ${m.targetBpm!.toFixed(1)} -> ${out.toFixed(1)} BPM` : ''}`);
  } else {
    const which = [src === undefined ? plan.from : '', out === undefined ? plan.onto : ''].filter(Boolean).join(' and ');
    say(`fallback: no tempo for ${which} (under ${MIN_TEMPO_SECONDS} s or no clear beat); not time-stretching, aligning the starts (set --source-bpm/--target-bpm to override)`);
  }

  if (given.semitones === undefined && !(a.key && b.key)) say('fallback: a key could not be detected; no pitch shift (set --semitones to choose one)');
  const keys = a.key && b.key ? ` (${a.key.name} -> ${b.key.name})` : '';
  if (m.semitones !== 0 || given.semitones !== undefined) say(`key: ${plan.from} shifted by ${m.semitones > 0 ? '+' : ''}${m.semitones} semitones${keys}`);
  else if (keys) say(`key: no shift needed${keys}`);

  const gains = Object.fromEntries(plan.take.map((s) => [s, sourceGain]));
  const bed = await matchTarget(sumStems(target, plan.keep), m);
  const layered = await matchSource(sumStems(source, plan.take, gains), m, bed);

  if (m.downbeatsAligned) {
    say(`alignment: ${plan.from} starts ${m.shiftSeconds >= 0 ? 'at' : 'cut by'} ${Math.abs(m.shiftSeconds).toFixed(3)} s (first downbeats together${offset ? `, offset ${offset} s` : ''})`);
  } else if (m.tempoMatched) {
    const which = [a.tempo ? '' : plan.from, b.tempo ? '' : plan.onto].filter(Boolean).join(' and ');
    say(`alignment: no beat grid for ${which}; starts aligned${offset ? `, offset ${offset} s` : ''}`);
  } else if (offset) say(`alignment: ${plan.from} offset by ${offset} s`);
  const rate = bed.sampleRate;
  const length = lengthOf(bed);
  const mix: Audio = { sampleRate: rate, channels: bed.channels.map((c, ch) => c.map((v, i) => v + layered.channels[ch][i])) };

  const { audio, report } = finishMix(mix, settings);
  await writeMix(output, audio, settings);
  say(`${plan.take.join('+')} of ${plan.from} over ${plan.keep.join('+')} of ${plan.onto} -> ${output} (${(length / rate).toFixed(1)} s)`);
  for (const line of report) say(line);
  return 0;
}

export const mashupCommand: Command = {
  name: 'mashup',
  summary: 'stems of one song over another, matched in tempo and key, downbeats aligned',
  help: HELP,
  run,
};
