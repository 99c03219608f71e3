// `demix separate --format stem`: the options of NI stem file output and the writing of one song's
// separated stems as `<out>/<track>.stem.mp4`.
import type { Audio } from '../audio/audio.js';
import { NI_DEFAULT_COLORS, NI_DEFAULT_NAMES, NI_STEM_ORDER, stemManifest } from '../audio/stems-mp4.js';
import { writeStemFile } from '../audio/stems-mp4-node.js';
import { DemixError } from '../errors.js';
import { intOption, listOption, type OptionSpec, type ParsedArgs } from './args.js';
import { sumStems } from './stem-set.js';

export const STEM_FILE_OPTIONS: readonly OptionSpec[] = [
  { name: 'bitrate', type: 'string', value: 'KBPS', description: 'bit rate of mp3 (default 320) or of each AAC stream of a stem file (default 256)' },
  { name: 'stem-names', type: 'string', value: 'LIST', description: 'stem file: names of drums,bass,other,vocals', default: NI_DEFAULT_NAMES.join(',') },
  { name: 'stem-colors', type: 'string', value: 'LIST', description: 'stem file: colours #RRGGBB of drums,bass,other,vocals', default: NI_DEFAULT_COLORS.join(',') },
];

export interface StemFileSettings {
  bitrate?: number; // kbit/s; undefined = the format's default
  stemNames: string[]; // NI order
  stemColors: string[]; // NI order
}

/** Reads --bitrate, --stem-names and --stem-colors; a stem file needs all four stems. */
export function readStemFileSettings(values: ParsedArgs['values'], format: string, partial: boolean): StemFileSettings {
  const bitrate = intOption(values, 'bitrate');
  if (bitrate !== undefined && (bitrate < 32 || bitrate > 320)) throw new DemixError('usage', `--bitrate must be 32-320 kb/s, got ${bitrate}`);
  if (format === 'stem' && partial) throw new DemixError('usage', '--format stem holds all four stems: it cannot be combined with --stems or --two-stems');
  const stemNames = listOption(values, 'stem-names') ?? [...NI_DEFAULT_NAMES];
  const stemColors = listOption(values, 'stem-colors') ?? [...NI_DEFAULT_COLORS];
  for (const [opt, list] of [['--stem-names', stemNames], ['--stem-colors', stemColors]] as const) {
    if (list.length !== 4) throw new DemixError('usage', `${opt} needs 4 comma-separated values (drums, bass, other, vocals), got ${list.length}`);
  }
  stemManifest(stemNames, stemColors); // validates the colours
  return { bitrate, stemNames, stemColors };
}

/**
 * Writes separated stems (vocals, drums, bass, other) as an NI stem file. The master track is their
 * sum, which is the mixture: the pipeline keeps the stems mixture-consistent.
 */
export async function writeSeparatedStemFile(path: string, stems: Record<string, Audio>, s: StemFileSettings, overwrite: boolean): Promise<void> {
  const any = stems[NI_STEM_ORDER[0]];
  const master = sumStems({ stems, sampleRate: any.sampleRate }, [...NI_STEM_ORDER]);
  await writeStemFile(path, { master, stems: { drums: stems.drums, bass: stems.bass, other: stems.other, vocals: stems.vocals } }, {
    bitrate: (s.bitrate ?? 256) * 1000,
    names: s.stemNames,
    colors: s.stemColors,
    overwrite,
  });
}
