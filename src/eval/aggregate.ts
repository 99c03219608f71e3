// Track-level evaluation as museval's eval_mus_track does it (which targets are scored together, the
// vocals/accompaniment pass, rounding, its JSON layout) and aggregation: median over frames, then tracks.
import type { Audio } from '../audio/audio.js';
import { DemixError } from '../errors.js';
import { bssEval } from './bsseval.js';
import type { Samples } from './bsseval.js';
import { siSdr, trackSdr } from './sisdr.js';

/** MUSDB18 targets in musdb's order; accompaniment is drums + bass + other. */
export const MUSDB_TARGETS = ['vocals', 'drums', 'bass', 'other', 'accompaniment'] as const;
export const SOURCES = ['vocals', 'drums', 'bass', 'other'] as const;
const ACCOMPANIMENT_SOURCES = ['drums', 'bass', 'other'] as const;

export const METRICS = ['SDR', 'SIR', 'SAR', 'ISR'] as const;
export type Metric = (typeof METRICS)[number];

/** museval's per-track JSON (`EvalStore`): frame values rounded to 1e-5 dB, null where museval has NaN. */
export interface MusevalTrack {
  targets: { name: string; frames: { time: number; duration: number; metrics: Record<Metric, number | null> }[] }[];
}

/** Per-target whole-track scores that museval does not give: SI-SDR and the MDX challenge SDR (dB). */
export type TrackScores = Record<string, { siSdr: number; mdxSdr: number }>;

export interface TrackEvalOptions {
  window?: number; // frame length in seconds (default 1)
  hop?: number; // frame hop in seconds (default 1)
  onNotice?: (message: string) => void; // announced rules (e.g. a target scored in its own pass)
}

/** museval's quantisation: to 1e-5 with ties to even; non-finite values become null (NaN). */
export function roundMetric(x: number): number | null {
  if (!Number.isFinite(x)) return null;
  const scaled = x * 1e5;
  const floor = Math.floor(scaled);
  const frac = scaled - floor;
  // exact ties only when x * 1e5 is exactly representable (x a multiple of 1e-5/2 in binary)
  const tie = frac === 0.5 && (floor + 0.5) / 1e5 === x;
  const rounded = tie ? (floor % 2 === 0 ? floor : floor + 1) : Math.round(scaled);
  return Number((rounded / 1e5).toFixed(5));
}

/**
 * `audio` rounded to the 16-bit PCM grid (v -> round(32768 v) / 32768, clipped), as a 16-bit WAV export
 * holds it. Scoring AAC-decoded stems (.stem.mp4) as floats leaves their encoder-emptied top band almost
 * exactly zero, which makes the 512-tap projections ill-posed and SIR/SAR/ISR meaningless; MUSDB's WAV
 * export, MUSDB18-HQ and the museval fixtures are all 16-bit PCM.
 */
export function roundToPcm16(audio: Audio): Audio {
  return {
    sampleRate: audio.sampleRate,
    channels: audio.channels.map((x) => x.map((v) => Math.max(-32768, Math.min(32767, Math.round(v * 32768))) / 32768)),
  };
}

/**
 * The reference audio of every MUSDB target that can be formed from `sources` (vocals, drums, bass,
 * other; accompaniment = drums + bass + other summed in float64).
 */
export function referenceTargets(sources: Record<string, Audio>): Record<string, Audio> {
  const out: Record<string, Audio> = {};
  for (const s of SOURCES) if (sources[s]) out[s] = sources[s];
  if (sources.accompaniment) out.accompaniment = sources.accompaniment;
  else if (ACCOMPANIMENT_SOURCES.every((s) => sources[s])) {
    const parts = ACCOMPANIMENT_SOURCES.map((s) => sources[s]);
    out.accompaniment = {
      sampleRate: parts[0].sampleRate,
      channels: parts[0].channels.map((_, c) => {
        const sum = new Float32Array(parts[0].channels[c].length);
        for (let i = 0; i < sum.length; i++) sum[i] = parts[0].channels[c][i] + parts[1].channels[c][i] + parts[2].channels[c][i];
        return sum;
      }),
    };
  }
  return out;
}

/**
 * Scores one track like museval's eval_mus_track. `references` holds the true stems (vocals, drums, bass,
 * other, optionally accompaniment), `estimates` any MUSDB targets. Rules (museval's, announced):
 * all estimated targets except accompaniment are scored jointly (at least two are needed); when both
 * vocals and accompaniment are estimated, those two are scored in a pass of their own and vocals is
 * reported from that pass; estimates are zero-padded or truncated to the reference length. Throws
 * DemixError for unknown target names, a target without reference, mismatched sample rates or channel
 * counts, and (from bssEval) silent sources.
 */
export function evalTrack(
  references: Record<string, Audio>,
  estimates: Record<string, Audio>,
  options: TrackEvalOptions = {},
): { museval: MusevalTrack; scores: TrackScores } {
  const refs = referenceTargets(references);
  const names = Object.keys(estimates);
  for (const t of names) {
    if (!(MUSDB_TARGETS as readonly string[]).includes(t)) {
      throw new DemixError('EVAL_TARGET', `unknown target "${t}" (expected one of ${MUSDB_TARGETS.join(', ')})`);
    }
    if (!refs[t]) throw new DemixError('EVAL_TARGET', `no reference for estimated target "${t}"`);
  }
  const targets = MUSDB_TARGETS.filter((t) => names.includes(t));
  const rate = refs[targets[0] ?? 'vocals']?.sampleRate;
  for (const t of targets) {
    for (const [side, audio] of [['reference', refs[t]], ['estimate', estimates[t]]] as const) {
      if (audio.sampleRate !== rate) {
        throw new DemixError('EVAL_RATE', `${side} "${t}" is at ${audio.sampleRate} Hz, expected ${rate} Hz`);
      }
      if (audio.channels.length !== refs[targets[0]].channels.length) {
        throw new DemixError(
          'EVAL_CHANNELS',
          `${side} "${t}" has ${audio.channels.length} channels, expected ${refs[targets[0]].channels.length}`,
        );
      }
    }
  }
  for (const t of targets) {
    const want = refs[t].channels[0].length;
    const have = estimates[t].channels[0]?.length ?? 0;
    if (have !== want) {
      const how = have < want ? `${want - have} samples short: zero-padded` : `${have - want} samples long: truncated`;
      options.onNotice?.(`estimate "${t}" is ${how} to the reference length (as museval)`);
    }
  }
  const hasAcc = targets.includes('vocals') && targets.includes('accompaniment');
  const joint = targets.filter((t) => t !== 'accompaniment' || !hasAcc);
  if (joint.length < 2 && !hasAcc) {
    throw new DemixError('EVAL_TARGETS', `at least two targets are needed (BSS Eval scores targets jointly), got: ${targets.join(', ') || 'none'}`);
  }
  const window = Math.round((options.window ?? 1) * rate);
  const hop = Math.round((options.hop ?? 1) * rate);
  const museval: MusevalTrack = { targets: [] };
  const pass = (group: string[], report: string[]) => {
    const s = bssEval(
      group.map((t) => refs[t].channels as Samples[]),
      group.map((t) => estimates[t].channels as Samples[]),
      { window, hop, names: group },
    );
    if (s.ridge > 0) {
      options.onNotice?.(
        `references of ${group.join('/')} are numerically singular (e.g. dual-mono): a relative diagonal loading of ${s.ridge} was added to the filter solve`,
      );
    }
    for (const t of report) {
      const j = group.indexOf(t);
      museval.targets.push({
        name: t,
        frames: Array.from(s.sdr[j], (_, i) => ({
          time: (i * hop) / rate,
          duration: window / rate,
          metrics: { SDR: roundMetric(s.sdr[j][i]), SIR: roundMetric(s.sir[j][i]), SAR: roundMetric(s.sar[j][i]), ISR: roundMetric(s.isr[j][i]) },
        })),
      });
    }
  };
  if (joint.length >= 2) pass(joint, hasAcc ? joint.filter((t) => t !== 'vocals') : joint);
  if (hasAcc) {
    if (joint.length >= 2) options.onNotice?.('vocals and accompaniment scored in their own pass (as museval does)');
    pass(['vocals', 'accompaniment'], ['vocals', 'accompaniment']);
  }
  const scores: TrackScores = {};
  for (const t of targets) {
    scores[t] = { siSdr: siSdr(refs[t].channels, estimates[t].channels), mdxSdr: trackSdr(refs[t].channels, estimates[t].channels) };
  }
  return { museval, scores };
}

/** Median of the finite values of `xs` (NaN when there are none). */
export function nanMedian(xs: Iterable<number | null>): number {
  const v = [...xs].filter((x): x is number => x !== null && Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const h = v.length >> 1;
  return v.length % 2 === 1 ? v[h] : (v[h - 1] + v[h]) / 2;
}

/** Per target, each metric's median over the track's frames, ignoring NaN frames. */
export function trackMedians(track: MusevalTrack): Record<string, Record<Metric, number>> {
  const out: Record<string, Record<Metric, number>> = {};
  for (const t of track.targets) {
    out[t.name] = Object.fromEntries(METRICS.map((m) => [m, nanMedian(t.frames.map((f) => f.metrics[m]))])) as Record<Metric, number>;
  }
  return out;
}

/** Median over tracks of per-track values, per target and key (NaN tracks ignored). */
export function medianOverTracks<K extends string>(tracks: Record<string, Record<K, number>>[]): Record<string, Record<K, number>> {
  const out: Record<string, Record<K, number>> = {};
  const targets = [...new Set(tracks.flatMap((t) => Object.keys(t)))];
  for (const target of targets) {
    const keys = [...new Set(tracks.flatMap((t) => Object.keys(t[target] ?? {})))] as K[];
    out[target] = Object.fromEntries(keys.map((k) => [k, nanMedian(tracks.map((t) => t[target]?.[k] ?? NaN))])) as Record<K, number>;
  }
  return out;
}
