// Musical key from a chromagram and the Krumhansl-Kessler key profiles, and the shift between two keys.
import type { Audio } from '../audio/audio.js';
import { forEachMagnitudeFrame, monoOf } from './frames.js';

export const PITCH_CLASSES = ['C', 'C#', 'D', 'Eb', 'E', 'F', 'F#', 'G', 'Ab', 'A', 'Bb', 'B'] as const;

export interface KeyEstimate {
  tonic: number; // pitch class 0..11 (0 = C)
  mode: 'major' | 'minor';
  name: string; // e.g. 'A minor'
  confidence: number; // correlation of the best key minus that of the runner-up (0..2)
  chroma: Float32Array; // (12) mean normalised chroma, C first
}

// Krumhansl & Kessler (1982) probe-tone ratings, tonic first.
const MAJOR_PROFILE = [6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88];
const MINOR_PROFILE = [6.33, 2.68, 3.52, 5.38, 2.6, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17];

export function keyName(tonic: number, mode: 'major' | 'minor'): string {
  return `${PITCH_CLASSES[((tonic % 12) + 12) % 12]} ${mode}`;
}

/**
 * Chroma of `audio`: per ~190 ms frame, spectral magnitude from 80 Hz to 5 kHz folded onto the 12 pitch
 * classes (each bin shared between its two nearest semitones), each frame normalised to unit sum so
 * that loud passages do not dominate, then averaged. Returns (12), C first.
 */
export async function chromagram(audio: Audio, maxSeconds = 180): Promise<Float32Array> {
  const sr = audio.sampleRate;
  const mono = monoOf(audio);
  const x = mono.subarray(0, Math.min(mono.length, Math.round(maxSeconds * sr)));
  const nFft = 1 << Math.round(Math.log2(sr * 0.186));
  const nBins = nFft / 2 + 1;
  // Per bin: lower pitch class and the weight of the upper neighbour.
  const lo = Math.max(1, Math.ceil((80 * nFft) / sr));
  const hi = Math.min(nBins - 1, Math.floor((5000 * nFft) / sr));
  const pcLow = new Int32Array(nBins);
  const upper = new Float32Array(nBins);
  for (let f = lo; f <= hi; f++) {
    const midi = 69 + 12 * Math.log2((f * sr) / nFft / 440);
    const below = Math.floor(midi);
    pcLow[f] = ((below % 12) + 12) % 12;
    upper[f] = midi - below;
  }
  const sum = new Float64Array(12);
  const frame = new Float64Array(12);
  let frames = 0;
  await forEachMagnitudeFrame(x, nFft, nFft / 2, (mag) => {
    frame.fill(0);
    let total = 0;
    for (let f = lo; f <= hi; f++) {
      const e = mag[f] * mag[f];
      frame[pcLow[f]] += e * (1 - upper[f]);
      frame[(pcLow[f] + 1) % 12] += e * upper[f];
      total += e;
    }
    if (total <= 1e-10) return; // silent frame
    for (let k = 0; k < 12; k++) sum[k] += Math.sqrt(frame[k] / total);
    frames++;
  });
  const out = new Float32Array(12);
  if (frames > 0) for (let k = 0; k < 12; k++) out[k] = sum[k] / frames;
  return out;
}

function correlation(a: ArrayLike<number>, b: ArrayLike<number>, shift: number): number {
  let ma = 0;
  let mb = 0;
  for (let k = 0; k < 12; k++) {
    ma += a[k] / 12;
    mb += b[k] / 12;
  }
  let num = 0;
  let da = 0;
  let db = 0;
  for (let k = 0; k < 12; k++) {
    const x = a[(k + shift) % 12] - ma;
    const y = b[k] - mb;
    num += x * y;
    da += x * x;
    db += y * y;
  }
  return da === 0 || db === 0 ? 0 : num / Math.sqrt(da * db);
}

/**
 * Estimates the key of `audio` (any rate, any channels): the major or minor Krumhansl-Kessler profile,
 * rotated to each of the 12 tonics, that correlates best with the chroma. Undefined for silence.
 */
export async function estimateKey(audio: Audio): Promise<KeyEstimate | undefined> {
  const chroma = await chromagram(audio);
  if (chroma.every((v) => v === 0)) return undefined;
  const scores: { tonic: number; mode: 'major' | 'minor'; r: number }[] = [];
  for (let tonic = 0; tonic < 12; tonic++) {
    scores.push({ tonic, mode: 'major', r: correlation(chroma, MAJOR_PROFILE, tonic) });
    scores.push({ tonic, mode: 'minor', r: correlation(chroma, MINOR_PROFILE, tonic) });
  }
  scores.sort((a, b) => b.r - a.r);
  const best = scores[0];
  return { tonic: best.tonic, mode: best.mode, name: keyName(best.tonic, best.mode), confidence: best.r - scores[1].r, chroma };
}

/**
 * Semitones (-6..+5) to shift music in key `from` so that it sits in key `to`. Between modes the
 * relative keys are matched (A minor and C major share their notes), so no shift changes the mode.
 */
export function keyShift(from: { tonic: number; mode: 'major' | 'minor' }, to: { tonic: number; mode: 'major' | 'minor' }): number {
  const relMajor = (k: { tonic: number; mode: 'major' | 'minor' }): number => (k.mode === 'minor' ? k.tonic + 3 : k.tonic);
  const d = (((relMajor(to) - relMajor(from)) % 12) + 12) % 12;
  return d > 5 ? d - 12 : d;
}
