// Tempo (BPM), beat phase and first downbeat from an onset-strength envelope and its autocorrelation.
import type { Audio } from '../audio/audio.js';
import { forEachMagnitudeFrame, monoOf } from './frames.js';

export interface TempoEstimate {
  bpm: number; // beats per minute
  confidence: number; // 0..1: autocorrelation at the beat period relative to lag 0
  firstBeat: number; // s, first beat of the grid at or after the start
  firstDownbeat: number; // s, first bar start (4/4 assumed) at or after the start
}

export interface TempoOptions {
  minBpm?: number; // default 60
  maxBpm?: number; // default 200
  maxSeconds?: number; // analyse at most this much from the start (default 120 s)
}

/** Shorter audio holds too few beats for a reliable tempo: estimateTempo returns undefined. */
export const MIN_TEMPO_SECONDS = 6;

/** Hop of the onset envelope in samples at `sampleRate` (about 5.8 ms). */
function hopFor(sampleRate: number): number {
  return Math.max(64, Math.round(sampleRate / 172.265625));
}

/**
 * Onset strength: log-magnitude spectral flux (positive changes summed over bins up to 11 kHz) and its
 * low-band part (up to 150 Hz, kick and bass, for downbeats); both with the local mean removed and
 * half-wave rectified. x: (samples) → two envelopes of one value per hop; `lead` (s) is how early the
 * envelope peaks before the onset itself.
 */
async function onsetEnvelopes(x: Float32Array, sampleRate: number): Promise<{ all: Float32Array; low: Float32Array; fps: number; lead: number }> {
  const hop = hopFor(sampleRate);
  const nFft = 1 << Math.round(Math.log2(sampleRate * 0.046));
  const nBins = nFft / 2 + 1;
  const topBin = Math.min(nBins, Math.round((11000 * nFft) / sampleRate));
  const lowBin = Math.max(2, Math.round((150 * nFft) / sampleRate));
  const scale = 4 / nFft; // a full-scale sine peaks near 1 after the Hann window
  const prev = new Float32Array(nBins);
  const nFrames = 1 + Math.floor(x.length / hop);
  const all = new Float32Array(nFrames);
  const low = new Float32Array(nFrames);
  await forEachMagnitudeFrame(x, nFft, hop, (mag, t) => {
    let sAll = 0;
    let sLow = 0;
    for (let f = 1; f < topBin; f++) {
      const l = Math.log1p(100 * mag[f] * scale);
      const d = l - prev[f];
      prev[f] = l;
      if (t > 0 && d > 0) {
        sAll += d;
        if (f < lowBin) sLow += d;
      }
    }
    all[t] = sAll;
    low[t] = sLow;
  });
  const fps = sampleRate / hop;
  // The flux rises as an onset enters the window's main lobe, about a quarter window before its centre.
  const lead = nFft / 4 / sampleRate;
  return { all: detrend(all, Math.round(fps / 4)), low: detrend(low, Math.round(fps / 4)), fps, lead };
}

/** x minus its moving average over ±w, half-wave rectified. x: (frames). */
function detrend(x: Float32Array, w: number): Float32Array {
  const n = x.length;
  const prefix = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) prefix[i + 1] = prefix[i] + x[i];
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const a = Math.max(0, i - w);
    const b = Math.min(n, i + w + 1);
    out[i] = Math.max(0, x[i] - (prefix[b] - prefix[a]) / (b - a));
  }
  return out;
}

/** Linear interpolation of x at fractional index i (0 outside). */
function at(x: ArrayLike<number>, i: number): number {
  const j = Math.floor(i);
  if (j < 0 || j + 1 >= x.length) return j === x.length - 1 ? x[j] : 0;
  const f = i - j;
  return x[j] * (1 - f) + x[j + 1] * f;
}

/** Unbiased autocorrelation r[l] = mean_t x[t] x[t+l] for l = 0..maxLag. x: (frames). */
function autocorrelation(x: Float32Array, maxLag: number): Float64Array {
  const n = x.length;
  const r = new Float64Array(maxLag + 1);
  for (let l = 0; l <= maxLag && l < n; l++) {
    let s = 0;
    for (let t = 0; t + l < n; t++) s += x[t] * x[t + l];
    r[l] = s / (n - l);
  }
  return r;
}

/**
 * Periodicity score of a beat period `lag` (frames): mean autocorrelation on its first four multiples.
 * Penalising the points between them (to rule out half tempo) was tried and dropped: in real music dense
 * eighths and sixteenths make those points strong for the true period too; the tempo prior decides
 * between octaves instead, and a mashup matches half or double time anyway.
 */
function combScore(r: Float64Array, lag: number): number {
  let on = 0;
  for (let k = 1; k <= 4; k++) on += at(r, k * lag);
  return on / 4;
}

/** Log-normal preference for tempi near 120 BPM (one octave wide), to settle the metrical level. */
function tempoPrior(bpm: number): number {
  const octaves = Math.log2(bpm / 120);
  return Math.exp(-0.5 * octaves * octaves);
}

/**
 * Estimates the tempo and beat grid of `audio` (any rate and channel count). Returns undefined when the
 * audio is shorter than MIN_TEMPO_SECONDS or has no onsets at all (silence, a steady tone).
 */
export async function estimateTempo(audio: Audio, opts: TempoOptions = {}): Promise<TempoEstimate | undefined> {
  const minBpm = opts.minBpm ?? 60;
  const maxBpm = opts.maxBpm ?? 200;
  const sr = audio.sampleRate;
  const mono = monoOf(audio);
  if (mono.length < MIN_TEMPO_SECONDS * sr) return undefined;
  const x = mono.subarray(0, Math.min(mono.length, Math.round((opts.maxSeconds ?? 120) * sr)));
  const { all, low, fps, lead } = await onsetEnvelopes(x, sr);

  const maxLag = Math.ceil((4 * 60 * fps) / minBpm) + 2;
  const r = autocorrelation(all, maxLag);
  if (!(r[0] > 0)) return undefined;

  // Coarse scan over the tempo range, then a fine one around the best.
  let best = minBpm;
  let bestScore = -Infinity;
  const scan = (from: number, to: number, step: number): void => {
    for (let bpm = from; bpm <= to + 1e-9; bpm += step) {
      const s = combScore(r, (60 * fps) / bpm) * tempoPrior(bpm);
      if (s > bestScore) {
        bestScore = s;
        best = bpm;
      }
    }
  };
  scan(minBpm, maxBpm, 0.25);
  scan(Math.max(minBpm, best - 0.5), Math.min(maxBpm, best + 0.5), 0.01);
  const period = (60 * fps) / best; // frames

  // Beat phase: the offset whose grid collects the most onset strength.
  let phase = 0;
  let phaseScore = -Infinity;
  for (let p = 0; p < period; p += 0.25) {
    let s = 0;
    for (let t = p; t < all.length; t += period) s += at(all, t);
    if (s > phaseScore) {
      phaseScore = s;
      phase = p;
    }
  }
  // Downbeat: of the four beats of a 4/4 bar, the one with the strongest low-band (kick) onsets.
  let bar = 0;
  let barScore = -Infinity;
  for (let j = 0; j < 4; j++) {
    let s = 0;
    for (let t = phase + j * period; t < all.length; t += 4 * period) s += at(low, t) + 0.25 * at(all, t);
    if (s > barScore + 1e-12) {
      barScore = s;
      bar = j;
    }
  }
  return {
    bpm: Math.round(best * 100) / 100,
    confidence: Math.max(0, Math.min(1, at(r, period) / r[0])),
    firstBeat: phase / fps + lead,
    firstDownbeat: (phase + bar * period) / fps + lead,
  };
}
