// `demix karaoke`: the two-stem shortcut, a song in, its instrumental (optionally with a quiet guide
// vocal) and its a cappella out.
import { unlink } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Audio } from '../audio/audio.js';
import { writeAudio } from '../audio/encode.js';
import { DemixError } from '../errors.js';
import { formatHelp, type OptionSpec } from './args.js';
import type { Command } from './commands.js';
import type { OutputFormat } from '../audio/encode.js';
import { checkOutput, DJ_COMMON_OPTIONS, DjConsole, finishMix, MIX_OPTIONS, OUTPUT_FORMATS, parseDjOptions, readMixSettings } from './mixdown.js';
import { trackName } from './separate-track.js';
import { loadStemSet, sumStems } from './stem-set.js';

const OPTIONS: readonly OptionSpec[] = [
  { name: 'output', short: 'o', type: 'string', value: 'DIR', description: 'folder for DIR/<track>/{instrumental,acappella}.<ext>', default: 'karaoke' },
  { name: 'guide-vocals', type: 'string', value: 'DB', description: 'mix the lead vocal into the instrumental at this gain, e.g. -18 (default: none)' },
  { name: 'format', short: 'f', type: 'string', value: OUTPUT_FORMATS.join('|'), description: 'output file format', default: 'wav' },
  ...MIX_OPTIONS.filter((o) => ['bit-depth', 'bitrate', 'overwrite', 'ceiling'].includes(o.name)),
  ...DJ_COMMON_OPTIONS,
];

const HELP = formatHelp(
  'demix karaoke <song> [-o DIR] [--guide-vocals -18]',
  'Separate a song into vocals and everything else and write DIR/<track>/instrumental.<ext> (for\n' +
    'singing along) and DIR/<track>/acappella.<ext>. With --guide-vocals, a little of the lead vocal\n' +
    'stays in the instrumental (a gain in dB); that mix goes through the true-peak limiter. The song\n' +
    'may also be an NI .stem.mp4 or a stems folder (no separation then).',
  OPTIONS,
  'Example:\n  demix karaoke song.mp3 -o karaoke --guide-vocals -18',
);

async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseDjOptions(argv, OPTIONS);
  if (positionals.length !== 1) throw new DemixError('usage', 'give exactly one song (see demix karaoke --help)');
  const format = values.format as string;
  if (!(OUTPUT_FORMATS as readonly string[]).includes(format)) throw new DemixError('usage', `--format must be one of ${OUTPUT_FORMATS.join(', ')}, got "${format}"`);
  const mix = readMixSettings({ ...values, normalize: false, 'no-limit': false });
  let guideDb: number | undefined;
  if (values['guide-vocals'] !== undefined) {
    guideDb = Number(values['guide-vocals']);
    if (!(guideDb <= 0 && guideDb >= -60)) throw new DemixError('usage', `--guide-vocals must be a gain in dB between -60 and 0, got "${values['guide-vocals']}"`);
  }
  const input = positionals[0];
  const dir = join(values.output as string, trackName(input));
  const targets = { instrumental: join(dir, `instrumental.${format}`), acappella: join(dir, `acappella.${format}`) };
  for (const t of Object.values(targets)) await checkOutput(t, mix.overwrite);
  const con = new DjConsole(values.quiet === true);
  try {
    const set = await loadStemSet(input, { model: values.model as string, twoStems: true, onProgress: con.progressFor(basename(input)) });
    con.done(basename(input));
    for (const note of set.notes) con.say(`note: ${note}`);
    const band = Object.keys(set.stems).filter((n) => n !== 'vocals');
    const vocals = set.stems.vocals;
    let instrumental: Audio = band.length === 1 ? set.stems[band[0]] : sumStems(set, band);
    if (guideDb !== undefined) {
      const withGuide = sumStems(set, [...band, 'vocals'], { vocals: Math.pow(10, guideDb / 20) });
      const finished = finishMix(withGuide, { mode: 'limit', ceilingDb: mix.ceilingDb });
      instrumental = finished.audio;
      con.say(`guide vocals at ${guideDb} dB; ${finished.report.join('; ')}`);
    }
    const written: string[] = [];
    try {
      for (const [path, audio] of [[targets.instrumental, instrumental], [targets.acappella, vocals]] as const) {
        await writeAudio(path, audio, { format: format as OutputFormat, bitDepth: mix.bitDepth, bitrate: mix.bitrate, overwrite: mix.overwrite });
        written.push(path);
      }
    } catch (err) {
      await Promise.all(written.map((p) => unlink(p).catch(() => undefined)));
      throw err;
    }
    con.say(`${input} -> ${targets.instrumental}, ${targets.acappella}`);
    return 0;
  } finally {
    con.close();
  }
}

export const karaokeCommand: Command = {
  name: 'karaoke',
  summary: 'instrumental (optionally with a quiet guide vocal) and a cappella of a song',
  help: HELP,
  run,
};
