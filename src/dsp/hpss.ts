// Harmonic/percussive separation by median filtering (Fitzgerald 2010): harmonic sounds are smooth along time,
// percussive ones along frequency; soft (Wiener-style) masks compare the two median-filtered spectrograms.
import { DemixError } from '../errors.js';

export interface HpssOptions {
  harmonicKernel?: number; // frames of the median along time (odd; default 17)
  percussiveKernel?: number; // bins of the median along frequency (odd; default 17)
  power?: number; // exponent of the soft masks (default 2: Wiener-like; larger → harder masks)
  margin?: number; // >= 1; above 1 each mask needs its component to dominate by this factor, and
  //                  1 − harmonic − percussive is a residual (default 1: the masks sum to 1)
}

/** Index i of a line of length n under half-sample symmetric reflection (scipy.ndimage 'reflect': d c b a | a b c d | d c). */
function reflect(i: number, n: number): number {
  const period = 2 * n;
  let j = i % period;
  if (j < 0) j += period;
  return j < n ? j : period - 1 - j;
}

/** Sorts w[off .. off+k) ascending in place (insertion sort: k is small). */
function sortWindow(w: Float32Array, off: number, k: number): void {
  for (let i = off + 1; i < off + k; i++) {
    const v = w[i];
    let j = i - 1;
    while (j >= off && w[j] > v) {
      w[j + 1] = w[j];
      j--;
    }
    w[j + 1] = v;
  }
}

/** In the sorted window w[off .. off+k), replaces one occurrence of `leaving` by `entering`, keeping it sorted. */
function replaceSorted(w: Float32Array, off: number, k: number, leaving: number, entering: number): void {
  let lo = off;
  let hi = off + k - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (w[mid] < leaving) lo = mid + 1;
    else hi = mid;
  }
  let i = lo; // w[i] === leaving
  const end = off + k - 1;
  if (entering > leaving) {
    while (i < end && w[i + 1] < entering) {
      w[i] = w[i + 1];
      i++;
    }
  } else {
    while (i > off && w[i - 1] > entering) {
      w[i] = w[i - 1];
      i--;
    }
  }
  w[i] = entering;
}

function oddKernel(k: number, name: string): number {
  if (!Number.isInteger(k) || k < 1 || k % 2 === 0) throw new DemixError('BAD_HPSS_PARAMS', `HPSS ${name} must be an odd positive integer, got ${k}`);
  return k;
}

/**
 * Median of x over `k` frames centred on each frame, per bin (reflecting at the ends).
 * x: (nFrames * nBins) frame-major → out: (nFrames * nBins). One sorted window per bin, updated frame by frame,
 * so memory is walked in order and each step costs O(k) moves instead of a sort.
 */
export function medianAlongTime(x: Float32Array, nFrames: number, nBins: number, k: number, out = new Float32Array(nFrames * nBins)): Float32Array {
  const r = (k - 1) >> 1;
  const win = new Float32Array(nBins * k);
  for (let j = 0; j < k; j++) {
    const row = reflect(j - r, nFrames) * nBins;
    for (let f = 0; f < nBins; f++) win[f * k + j] = x[row + f];
  }
  for (let f = 0; f < nBins; f++) sortWindow(win, f * k, k);
  for (let t = 0; t < nFrames; t++) {
    const o = t * nBins;
    for (let f = 0, w = r; f < nBins; f++, w += k) out[o + f] = win[w];
    if (t + 1 === nFrames) break;
    const leave = reflect(t - r, nFrames) * nBins;
    const enter = reflect(t + r + 1, nFrames) * nBins;
    if (leave === enter) continue;
    for (let f = 0; f < nBins; f++) replaceSorted(win, f * k, k, x[leave + f], x[enter + f]);
  }
  return out;
}

/** Median of x over `k` bins centred on each bin, per frame (reflecting at the band edges). x, out: (nFrames * nBins). */
export function medianAlongFrequency(x: Float32Array, nFrames: number, nBins: number, k: number, out = new Float32Array(nFrames * nBins)): Float32Array {
  const r = (k - 1) >> 1;
  const win = new Float32Array(k);
  for (let t = 0; t < nFrames; t++) {
    const o = t * nBins;
    for (let j = 0; j < k; j++) win[j] = x[o + reflect(j - r, nBins)];
    sortWindow(win, 0, k);
    for (let f = 0; f < nBins; f++) {
      out[o + f] = win[r];
      if (f + 1 < nBins) replaceSorted(win, 0, k, x[o + reflect(f - r, nBins)], x[o + reflect(f + r + 1, nBins)]);
    }
  }
  return out;
}

/**
 * Harmonic and percussive soft masks of one channel. mag: (nFrames * nBins) linear magnitudes, frame-major →
 * masks of the same shape in [0, 1]; with margin 1 they sum to 1 (bins where both medians are 0 get 0.5 each).
 */
export function hpss(mag: Float32Array, nFrames: number, nBins: number, opts: HpssOptions = {}): { harmonic: Float32Array; percussive: Float32Array } {
  if (mag.length !== nFrames * nBins) throw new DemixError('BAD_HPSS_PARAMS', `HPSS input has ${mag.length} values, expected ${nFrames}x${nBins}`);
  const kh = oddKernel(opts.harmonicKernel ?? 17, 'harmonicKernel');
  const kp = oddKernel(opts.percussiveKernel ?? 17, 'percussiveKernel');
  const power = opts.power ?? 2;
  const margin = opts.margin ?? 1;
  if (!(power > 0) || !(margin >= 1)) throw new DemixError('BAD_HPSS_PARAMS', `HPSS needs power > 0 and margin >= 1 (got ${power}, ${margin})`);
  const harmonic = medianAlongTime(mag, nFrames, nBins, kh);
  const percussive = medianAlongFrequency(mag, nFrames, nBins, kp);
  const mp = Math.pow(margin, power);
  for (let i = 0; i < harmonic.length; i++) {
    const h = power === 2 ? harmonic[i] * harmonic[i] : Math.pow(harmonic[i], power);
    const p = power === 2 ? percussive[i] * percussive[i] : Math.pow(percussive[i], power);
    if (h + p <= 0) {
      harmonic[i] = percussive[i] = margin === 1 ? 0.5 : 0;
      continue;
    }
    harmonic[i] = h / (h + mp * p);
    percussive[i] = p / (p + mp * h);
  }
  return { harmonic, percussive };
}
