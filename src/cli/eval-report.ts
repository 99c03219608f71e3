// Shared by `demix eval` and `demix benchmark`: per-track scoring record, the summary table, the JSON report.
import type { Audio } from '../audio/audio.js';
import { writeFileAtomic } from '../audio/atomic.js';
import { MUSDB_TARGETS, METRICS, evalTrack, medianOverTracks, trackMedians } from '../eval/aggregate.js';
import type { MusevalTrack, TrackScores } from '../eval/aggregate.js';

/** One scored track: museval's per-frame JSON plus the whole-track scores. */
export interface ScoredTrack {
  name: string;
  museval: MusevalTrack;
  scores: TrackScores;
}

/** Summary columns: the museval medians then SI-SDR and the MDX challenge SDR. */
export const COLUMNS = [...METRICS, 'SI-SDR', 'MDX-SDR'] as const;
export type Column = (typeof COLUMNS)[number];
export type Summary = Record<string, Record<Column, number>>; // target -> column -> dB (median over tracks)

/** Scores one track (see evalTrack) and names it. */
export function scoreTrack(
  name: string,
  references: Record<string, Audio>,
  estimates: Record<string, Audio>,
  onNotice?: (message: string) => void,
): ScoredTrack {
  const { museval, scores } = evalTrack(references, estimates, { onNotice: onNotice && ((m) => onNotice(`${name}: ${m}`)) });
  return { name, museval, scores };
}

/** Median over tracks of each track's median over frames (BSS Eval) and of the whole-track scores. */
export function summarize(tracks: ScoredTrack[]): Summary {
  const perTrack = tracks.map((t) => {
    const medians = trackMedians(t.museval);
    const row: Record<string, Record<Column, number>> = {};
    for (const target of Object.keys(t.scores)) {
      const m = medians[target];
      row[target] = {
        SDR: m?.SDR ?? NaN,
        SIR: m?.SIR ?? NaN,
        SAR: m?.SAR ?? NaN,
        ISR: m?.ISR ?? NaN,
        'SI-SDR': t.scores[target].siSdr,
        'MDX-SDR': t.scores[target].mdxSdr,
      };
    }
    return row;
  });
  const summary = medianOverTracks<Column>(perTrack);
  const order = (t: string) => MUSDB_TARGETS.indexOf(t as (typeof MUSDB_TARGETS)[number]);
  return Object.fromEntries(Object.entries(summary).sort(([a], [b]) => order(a) - order(b)));
}

/** A fixed-width table; `groups` maps a row label (e.g. a method) to its summary; `note`: a last line. */
export function formatTable(groups: Record<string, Summary>, trackCount: number, note?: string): string {
  const labels = Object.keys(groups);
  const showGroup = labels.length > 1 || labels[0] !== '';
  const first = Math.max(8, ...labels.map((l) => l.length)) + 2;
  const lines = [
    (showGroup ? 'method'.padEnd(first) : '') + 'target'.padEnd(15) + COLUMNS.map((c) => c.padStart(9)).join(''),
  ];
  for (const label of labels) {
    for (const [target, row] of Object.entries(groups[label])) {
      const cells = COLUMNS.map((c) => (Number.isFinite(row[c]) ? row[c].toFixed(2) : '-').padStart(9));
      lines.push((showGroup ? label.padEnd(first) : '') + target.padEnd(15) + cells.join(''));
    }
  }
  lines.push(`median over ${trackCount} track(s) of each track's median over 1 s frames (BSS Eval v4, museval MUSDB mode); dB`);
  if (note) lines.push(note);
  return lines.join('\n') + '\n';
}

/** JSON-friendly numbers: NaN and infinities become null. */
export function jsonNumbers(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value, (_, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v)));
}

/** Writes the report atomically: { tracks: [{ name, targets (museval layout), scores }], ...extra }. */
export async function writeReport(path: string, tracks: ScoredTrack[], extra: Record<string, unknown>): Promise<void> {
  const report = {
    tracks: tracks.map((t) => ({ name: t.name, targets: t.museval.targets, scores: t.scores })),
    ...extra,
  };
  await writeFileAtomic(path, new TextEncoder().encode(JSON.stringify(jsonNumbers(report), null, 1) + '\n'), { overwrite: true });
}
