// Centre-channel extraction from a stereo spectrogram: the part of the mix that is identical in both channels
// (lead vocals, kick, bass, usually panned centre) estimated from the inter-channel cross-spectrum, in the
// spirit of Avendano & Jot (2004): L = C + N_L, R = C + N_R with the side signals N_L, N_R uncorrelated with C and
// with each other gives E[L·R*] = E|C|², so the centre's power per bin is the real cross-spectrum, and its
// Wiener gain in each channel is that power over the channel's power.
import { DemixError } from '../errors.js';
import type { Spectrogram } from './spectrogram.js';

export interface CentreOptions {
  frames?: number; // odd length of the centred moving average of the (cross-)spectra over time (default 5)
}

/**
 * Soft centre masks for a stereo spectrogram: [left, right] of (nFrames * nBins) in [0, 1], frame-major.
 * mask_c = clamp(Re E[L·R*], 0, min(E|L|², E|R|²)) / E|c|², expectations by a moving average over `frames` frames.
 * Identical channels give 1, independent or opposite-phase channels give ≈ 0; 1 − mask is the side part.
 */
export function centreMasks(s: Spectrogram, opts: CentreOptions = {}): Float32Array[] {
  if (s.re.length !== 2) throw new DemixError('BAD_CENTRE_INPUT', `centre extraction needs a stereo spectrogram, got ${s.re.length} channels`);
  const frames = opts.frames ?? 5;
  if (!Number.isInteger(frames) || frames < 1 || frames % 2 === 0) {
    throw new DemixError('BAD_CENTRE_INPUT', `centre extraction needs an odd number of smoothing frames, got ${frames}`);
  }
  const { nFrames, nBins } = s;
  const [lr, rr] = s.re;
  const [li, ri] = s.im;
  const half = (frames - 1) / 2;
  // Running sums over frames t−half .. t+half (clipped to the spectrogram) of |L|², |R|², Re(L·R*), per bin.
  const pl = new Float64Array(nBins);
  const pr = new Float64Array(nBins);
  const cross = new Float64Array(nBins);
  const update = (t: number, sign: number) => {
    const o = t * nBins;
    for (let f = 0; f < nBins; f++) {
      const a = o + f;
      pl[f] += sign * (lr[a] * lr[a] + li[a] * li[a]);
      pr[f] += sign * (rr[a] * rr[a] + ri[a] * ri[a]);
      cross[f] += sign * (lr[a] * rr[a] + li[a] * ri[a]);
    }
  };
  for (let t = 0; t < Math.min(half, nFrames); t++) update(t, 1);
  const left = new Float32Array(nFrames * nBins);
  const right = new Float32Array(nFrames * nBins);
  for (let t = 0; t < nFrames; t++) {
    if (t + half < nFrames) update(t + half, 1);
    if (t - half - 1 >= 0) update(t - half - 1, -1);
    const o = t * nBins;
    for (let f = 0; f < nBins; f++) {
      // Relative floor: the running sums can drift a few ulps below zero after subtractions.
      const l = pl[f] > 1e-20 ? pl[f] : 0;
      const r = pr[f] > 1e-20 ? pr[f] : 0;
      const c = Math.min(Math.max(cross[f], 0), l, r);
      left[o + f] = l > 0 ? c / l : 0;
      right[o + f] = r > 0 ? c / r : 0;
    }
  }
  return [left, right];
}
