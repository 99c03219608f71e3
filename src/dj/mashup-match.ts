// Mashup matching (pure, Node and browser): the tempo and key of two songs, the stretch, pitch shift and
// downbeat offset that fit the first song's stems to the second, and the stems laid out accordingly.
// Used by `demix mashup` and the web app; the wording of what was done is theirs.
import type { Audio } from '../audio/audio.js';
import { lengthOf } from '../audio/audio.js';
import { toStereo } from '../audio/channels.js';
import { resample } from '../audio/resample.js';
import { estimateKey, keyShift, type KeyEstimate } from '../dsp/key.js';
import { stretch } from '../dsp/stretch.js';
import { estimateTempo, type TempoEstimate } from '../dsp/tempo.js';

/** A song as the matcher analyses it: the whole mix (tempo) and its pitched part, i.e. without drums (key). */
export interface SongView {
  all: Audio;
  harmonic: Audio;
}

/** What was detected in a song; a field is missing when it could not be (e.g. tempo of a song under MIN_TEMPO_SECONDS). */
export interface SongAnalysis {
  tempo?: TempoEstimate;
  key?: KeyEstimate;
}

/** Tempo (with first downbeat) of the whole song and key of its pitched part. */
export async function analyseSong(song: SongView): Promise<SongAnalysis> {
  return { tempo: await estimateTempo(song.all), key: await estimateKey(song.harmonic) };
}

/**
 * Ratio to stretch music at `from` BPM so that it plays at `to` BPM, allowing half or double time
 * when that needs less stretching; `factor` says which (1, 2 = source counted double, 0.5 = half).
 */
export function tempoRatio(from: number, to: number): { ratio: number; factor: number } {
  let best = { ratio: from / to, factor: 1 };
  for (const factor of [2, 0.5]) {
    const ratio = (from * factor) / to;
    if (Math.abs(Math.log(ratio)) < Math.abs(Math.log(best.ratio)) - 1e-9) best = { ratio, factor };
  }
  return best;
}

/** Choices that override the detection; all optional. */
export interface MatchOptions {
  bpm?: number; // tempo of the mashup (default: the target's); the target is stretched to it too
  sourceBpm?: number; // tempo of the source, instead of the detected one
  targetBpm?: number; // tempo of the target, instead of the detected one
  semitones?: number; // pitch shift of the source (default: from its key to the target's, 0 if either is unknown)
  offset?: number; // s, the source moved later (+) or earlier (-) after downbeat alignment (default 0)
}

/** How the source is fitted to the target. */
export interface MashupMatch {
  sourceBpm?: number; // given or detected; undefined when unknown
  targetBpm?: number; // given or detected; undefined when unknown
  outBpm?: number; // tempo of the mashup: given, else the target's
  tempoMatched: boolean; // sourceBpm and outBpm both known: the source is stretched to outBpm (else nothing is stretched)
  beatFactor: number; // the source's tempo counted ×1, ×2 (double time) or ×0.5 (half time) to stretch less
  sourceRatio: number; // time ratio (output / input duration) of the source
  targetRatio: number; // time ratio of the target: not 1 only when options.bpm moves it
  semitones: number; // pitch shift of the source
  downbeatsAligned: boolean; // tempo matched and both beat grids known: first downbeats put together
  shiftSeconds: number; // s, start of the source in the mashup (negative: its head cut), offset included
}

/** How to fit `source` to `target`: the options where given, else what the analyses say. */
export function planMatch(source: SongAnalysis, target: SongAnalysis, options: MatchOptions = {}): MashupMatch {
  const sourceBpm = options.sourceBpm ?? source.tempo?.bpm;
  const targetBpm = options.targetBpm ?? target.tempo?.bpm;
  const outBpm = options.bpm ?? targetBpm;
  const tempoMatched = sourceBpm !== undefined && outBpm !== undefined;
  const { ratio: sourceRatio, factor: beatFactor } = tempoMatched ? tempoRatio(sourceBpm, outBpm) : { ratio: 1, factor: 1 };
  const targetRatio = tempoMatched && targetBpm !== undefined && options.bpm !== undefined ? targetBpm / options.bpm : 1;
  // s, the shift that puts the stretched first downbeats together, when both beat grids are known
  const downbeatShift = tempoMatched && source.tempo && target.tempo ? target.tempo.firstDownbeat * targetRatio - source.tempo.firstDownbeat * sourceRatio : undefined;
  const downbeatsAligned = downbeatShift !== undefined;
  const shiftSeconds = (options.offset ?? 0) + (downbeatShift ?? 0);
  const semitones = options.semitones ?? (source.key && target.key ? keyShift(source.key, target.key) : 0);
  return { sourceBpm, targetBpm, outBpm, tempoMatched, beatFactor, sourceRatio, targetRatio, semitones, downbeatsAligned, shiftSeconds };
}

/** `audio` (planar) delayed by `shift` samples (negative: head cut), cut or zero-padded to `length` samples. */
function place(audio: Audio, shift: number, length: number): Audio {
  const channels = audio.channels.map((src) => {
    const out = new Float32Array(length);
    const from = Math.max(0, -shift); // first source sample used
    const to = Math.min(src.length, length - shift); // end of the source samples that fit
    if (to > from) out.set(src.subarray(from, to), from + shift);
    return out;
  });
  return { sampleRate: audio.sampleRate, channels };
}

/** The target's stems (summed, any channel count) stretched to the mashup tempo: stereo, round(length · targetRatio) samples. */
export async function matchTarget(target: Audio, match: MashupMatch): Promise<Audio> {
  return toStereo(await stretch(target, { timeRatio: match.targetRatio }));
}

/**
 * The source's stems (summed, any rate and channel count) resampled to `bed`'s rate, stretched, pitch-shifted
 * and started at match.shiftSeconds: stereo, exactly as long as `bed` (the matched target), ready to add to it.
 */
export async function matchSource(source: Audio, match: MashupMatch, bed: Audio): Promise<Audio> {
  const rate = bed.sampleRate;
  const atRate = source.sampleRate === rate ? source : await resample(source, rate);
  const moved = toStereo(await stretch(atRate, { timeRatio: match.sourceRatio, semitones: match.semitones }));
  return place(moved, Math.round(match.shiftSeconds * rate), lengthOf(bed));
}
