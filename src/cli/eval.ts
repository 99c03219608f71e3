// `demix eval`: BSS Eval v4 (as museval) + SI-SDR of estimate folders against MUSDB-style references.
import { readdir, stat } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import type { Audio } from '../audio/audio.js';
import { decodeFile, readStemFile } from '../audio/decode.js';
import { isAudioName } from '../audio/discover.js';
import { DemixError } from '../errors.js';
import { MUSDB_TARGETS, roundToPcm16 } from '../eval/aggregate.js';
import { formatHelp, HELP_OPTION, parseOptions } from './args.js';
import type { OptionSpec } from './args.js';
import type { Command } from './commands.js';
import { formatTable, scoreTrack, summarize, writeReport } from './eval-report.js';
import type { ScoredTrack } from './eval-report.js';

const OPTIONS: readonly OptionSpec[] = [
  { name: 'reference', short: 'r', type: 'string', value: 'PATH', description: 'true stems: a folder of <track>/<target>.wav, a folder of .stem.mp4 files, or a .stem.mp4 file (more paths may follow as arguments)' },
  { name: 'estimates', short: 'e', type: 'string', value: 'DIR', description: 'estimates: DIR/<track>/<target>.wav (any audio format)' },
  { name: 'json', type: 'string', value: 'FILE', description: 'write every track\'s per-frame scores (museval JSON layout) and the summary to FILE' },
  { name: 'float', type: 'boolean', description: 'score .stem.mp4 references as decoded floats instead of 16-bit PCM' },
  { name: 'quiet', short: 'q', type: 'boolean', description: 'print only the table (and errors)' },
  HELP_OPTION,
];

const HELP = formatHelp(
  'demix eval --reference <PATH> [PATH...] --estimates <DIR> [--json FILE]',
  'Score separated stems with BSS Eval v4 exactly as museval does for MUSDB18 (1 s frames, 512-tap\n' +
    'filters over the whole track, images decomposition) plus SI-SDR and the MDX challenge SDR.\n' +
    'Targets: vocals, drums, bass, other, accompaniment (reference: drums + bass + other).\n' +
    'Rules, as museval: the estimated targets of a track are scored jointly (at least two needed);\n' +
    'with vocals and accompaniment both estimated, those two get a pass of their own. A track with\n' +
    'references but no estimates is skipped with a notice; estimates without references, unknown\n' +
    'target names, other sample rates or channel counts, and silent stems fail that track (exit 1).\n' +
    '.stem.mp4 references are rounded to 16-bit PCM, as MUSDB\'s WAV export and MUSDB18-HQ hold them:\n' +
    'as decoded floats, the AAC encoder\'s empty top band makes SIR, SAR and ISR meaningless (--float).',
  OPTIONS,
);

/** A reference track: a stem file, or a folder of <target>.<ext> files. */
export interface ReferenceTrack {
  name: string;
  fromStemFile: boolean;
  load(): Promise<Record<string, Audio>>;
}

const STEM_SUFFIX = '.stem.mp4';

/** A .stem.mp4 reference; its AAC-decoded stems rounded to 16-bit PCM unless `float` (see roundToPcm16). */
function stemFileTrack(path: string, float: boolean): ReferenceTrack {
  const load = async () => {
    const { stems } = await readStemFile(path);
    return float ? stems : Object.fromEntries(Object.entries(stems).map(([k, a]) => [k, roundToPcm16(a)]));
  };
  return { name: basename(path).slice(0, -STEM_SUFFIX.length), fromStemFile: true, load };
}

/** Entries of `dir` (sorted) with symbolic links followed: name, full path, file or folder. */
async function listDir(dir: string): Promise<{ name: string; path: string; isFile: boolean; isDir: boolean }[]> {
  const names = (await readdir(dir)).sort((a, b) => a.localeCompare(b));
  const out = [];
  for (const name of names) {
    const path = join(dir, name);
    const info = await stat(path).catch(() => undefined);
    if (info) out.push({ name, path, isFile: info.isFile(), isDir: info.isDirectory() });
  }
  return out;
}

/** The target files (<target>.<audio ext>) in `dir`: target -> path. */
async function targetFiles(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const entry of await listDir(dir)) {
    if (entry.isFile && isAudioName(entry.name)) out[basename(entry.name, extname(entry.name))] = entry.path;
  }
  return out;
}

async function loadTargets(files: Record<string, string>): Promise<Record<string, Audio>> {
  const out: Record<string, Audio> = {};
  for (const [target, path] of Object.entries(files)) out[target] = await decodeFile(path);
  return out;
}

function folderTrack(name: string, files: Record<string, string>): ReferenceTrack {
  return { name, fromStemFile: false, load: () => loadTargets(files) };
}

/** Expands reference paths into tracks (see --reference); `float`: keep stem files' decoded floats. */
export async function findReferenceTracks(paths: string[], float = false): Promise<ReferenceTrack[]> {
  const tracks: ReferenceTrack[] = [];
  for (const path of paths) {
    const info = await stat(path).catch(() => {
      throw new DemixError('NOT_FOUND', `${path}: no such file or folder`, path);
    });
    if (info.isFile()) {
      if (!path.toLowerCase().endsWith(STEM_SUFFIX)) {
        throw new DemixError('USAGE', `${path}: a reference file must be a ${STEM_SUFFIX} stem file`, path);
      }
      tracks.push(stemFileTrack(path, float));
      continue;
    }
    const own = await targetFiles(path);
    if (Object.keys(own).some((t) => (MUSDB_TARGETS as readonly string[]).includes(t))) {
      tracks.push(folderTrack(basename(path), own));
      continue;
    }
    for (const entry of await listDir(path)) {
      if (entry.isFile && entry.name.toLowerCase().endsWith(STEM_SUFFIX)) tracks.push(stemFileTrack(entry.path, float));
      else if (entry.isDir) {
        const files = await targetFiles(entry.path);
        if (Object.keys(files).length > 0) tracks.push(folderTrack(entry.name, files));
      }
    }
  }
  if (tracks.length === 0) throw new DemixError('NO_TRACKS', `no reference tracks found in ${paths.join(', ')}`);
  const seen = new Set<string>();
  for (const t of tracks) {
    if (seen.has(t.name)) throw new DemixError('USAGE', `reference track "${t.name}" is given twice`);
    seen.add(t.name);
  }
  return tracks;
}

export const evalCommand: Command = {
  name: 'eval',
  summary: 'score separated stems against the true stems (BSS Eval v4 as museval, SI-SDR)',
  help: HELP,
  async run(argv) {
    const { values, positionals } = parseOptions(argv, OPTIONS);
    const refPaths = [...(typeof values.reference === 'string' ? [values.reference] : []), ...positionals];
    if (refPaths.length === 0) throw new DemixError('USAGE', '--reference is required (see demix eval --help)');
    const estimatesDir = values.estimates;
    if (typeof estimatesDir !== 'string') throw new DemixError('USAGE', '--estimates is required (see demix eval --help)');
    const quiet = values.quiet === true;
    const say = (line: string) => quiet || process.stderr.write(`${line}\n`);

    const references = await findReferenceTracks(refPaths, values.float === true);
    const estimated = new Map<string, Record<string, string>>();
    const entries = await listDir(estimatesDir).catch(() => {
      throw new DemixError('NOT_FOUND', `${estimatesDir}: no such folder`, estimatesDir);
    });
    for (const entry of entries) {
      if (!entry.isDir) continue;
      const files = await targetFiles(entry.path);
      if (Object.keys(files).length > 0) estimated.set(entry.name, files);
    }

    let failed = 0;
    const fail = (line: string) => {
      failed++;
      process.stderr.write(`demix eval: ${line}\n`);
    };
    for (const name of estimated.keys()) {
      if (!references.some((r) => r.name === name)) fail(`${join(estimatesDir, name)}: no reference track "${name}"`);
    }
    const scored: ScoredTrack[] = [];
    const unestimated = references.filter((r) => !estimated.has(r.name)).map((r) => r.name);
    if (unestimated.length > 0) {
      const names = unestimated.length <= 3 ? unestimated.join(', ') : `${unestimated.slice(0, 3).join(', ')} and ${unestimated.length - 3} more`;
      say(`note: no estimates in ${estimatesDir} for ${names}: skipped`);
    }
    for (const ref of references) {
      const files = estimated.get(ref.name);
      if (!files) continue;
      try {
        const truth = await ref.load();
        const missing = MUSDB_TARGETS.filter((t) => t !== 'accompaniment' && !(t in files));
        if (missing.length > 0 && missing.length < 4) say(`note: ${ref.name}: not estimated: ${missing.join(', ')}`);
        const track = scoreTrack(ref.name, truth, await loadTargets(files), say);
        scored.push(track);
        say(`${ref.name}: ${track.museval.targets.map((t) => t.name).join(', ')} scored`);
      } catch (err) {
        if (!(err instanceof DemixError)) throw err;
        fail(`${ref.name}: ${err.message}`);
      }
    }
    if (scored.length === 0) throw new DemixError('NO_TRACKS', 'no track could be scored');
    const summary = summarize(scored);
    const stemRefs = references.some((r) => r.fromStemFile);
    const note = stemRefs && values.float !== true ? '.stem.mp4 references rounded to 16-bit PCM as in MUSDB\'s WAV export (--float to keep the decoded floats)' : undefined;
    process.stdout.write(formatTable({ '': summary }, scored.length, note));
    if (typeof values.json === 'string') await writeReport(values.json, scored, { summary });
    return failed > 0 ? 1 : 0;
  },
};
