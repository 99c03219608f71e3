// Whole-signal separation scores besides BSS Eval: SI-SDR (scale-invariant SDR, Le Roux et al. 2019)
// and the SDR of the Music Demixing challenges (MDX 2021/2023), both over all channels at once.
import { DemixError } from '../errors.js';
import type { Samples } from './bsseval.js';

/** Floor added to both energies of the MDX SDR, as the challenge does. */
const MDX_EPS = 1e-7;

/**
 * SI-SDR in dB of `estimate` against `reference`, both [channel][samples] (estimate zero-padded or
 * truncated to the reference length): one optimal scale a = <s, e> / <s, s> over all channels,
 * SI-SDR = 10 log10(|a s|^2 / |a s - e|^2). No mean removal. NaN when the reference is silent.
 */
export function siSdr(reference: Samples[], estimate: Samples[]): number {
  const { ss, se } = innerProducts(reference, estimate);
  if (ss === 0) return NaN;
  const a = se / ss;
  const noise = residualEnergy(reference, estimate, a);
  return noise === 0 ? Infinity : 10 * Math.log10((a * a * ss) / noise);
}

/** MDX challenge SDR in dB: 10 log10((sum s^2 + 1e-7) / (sum (s - e)^2 + 1e-7)) over all channels and samples. */
export function trackSdr(reference: Samples[], estimate: Samples[]): number {
  const { ss } = innerProducts(reference, estimate);
  return 10 * Math.log10((ss + MDX_EPS) / (residualEnergy(reference, estimate, 1) + MDX_EPS));
}

/** Per-target MDX SDR and its mean over targets (the challenge's track score). */
export function trackSdrs(
  references: Record<string, Samples[]>,
  estimates: Record<string, Samples[]>,
): { perTarget: Record<string, number>; mean: number } {
  const perTarget: Record<string, number> = {};
  const names = Object.keys(estimates).filter((t) => t in references);
  for (const t of names) perTarget[t] = trackSdr(references[t], estimates[t]);
  const mean = names.length === 0 ? NaN : names.reduce((acc, t) => acc + perTarget[t], 0) / names.length;
  return { perTarget, mean };
}

/** sum s^2 and sum s e over all channels (estimate zero-padded or truncated to the reference length). */
function innerProducts(reference: Samples[], estimate: Samples[]): { ss: number; se: number } {
  if (reference.length !== estimate.length) {
    throw new DemixError('EVAL_CHANNELS', `reference has ${reference.length} channels, estimate ${estimate.length}`);
  }
  let ss = 0;
  let se = 0;
  for (let c = 0; c < reference.length; c++) {
    const s = reference[c];
    const e = estimate[c];
    for (let i = 0; i < s.length; i++) {
      ss += s[i] * s[i];
      se += s[i] * (i < e.length ? e[i] : 0);
    }
  }
  return { ss, se };
}

/** sum (a s - e)^2 over all channels, summed directly (no cancellation for good estimates). */
function residualEnergy(reference: Samples[], estimate: Samples[], a: number): number {
  let sum = 0;
  for (let c = 0; c < reference.length; c++) {
    const s = reference[c];
    const e = estimate[c];
    for (let i = 0; i < s.length; i++) {
      const d = a * s[i] - (i < e.length ? e[i] : 0);
      sum += d * d;
    }
  }
  return sum;
}
