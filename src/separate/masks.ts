// Soft masks over the targets: normalised to sum to one, merged into a target and its complement, and the one
// stem a complete set of masks leaves over, taken in the time domain.

const MASK_FLOOR = 1e-8; // below this total mask weight a bin is split evenly between the targets
const SUM_TOLERANCE = 1e-6; // masks summing to one within this (a softmax's, in float32) are left as they are

/**
 * Normalises masks in place so that, per channel and bin, they sum to one over the targets.
 * masks: [target][channel] of (nFrames * nBins), non-negative.
 */
export function normaliseMasks(masks: Float32Array[][]): void {
  const nTargets = masks.length;
  for (let c = 0; c < masks[0].length; c++) {
    const ms = masks.map((m) => m[c]); // this channel's mask of each target
    const len = ms[0].length;
    for (let i = 0; i < len; i++) {
      let sum = 0;
      for (let j = 0; j < nTargets; j++) sum += ms[j][i];
      if (sum <= MASK_FLOOR) for (let j = 0; j < nTargets; j++) ms[j][i] = 1 / nTargets;
      else if (Math.abs(sum - 1) > SUM_TOLERANCE) for (let j = 0; j < nTargets; j++) ms[j][i] /= sum;
    }
  }
}

/** Sums the masks of all targets but `keep` into one: [[keep], [rest]]. masks: [target][channel]. */
export function mergeComplement(masks: Float32Array[][], keep: number): Float32Array[][] {
  const rest = masks[keep].map((m) => new Float32Array(m.length));
  masks.forEach((m, j) => {
    if (j === keep) return;
    m.forEach((ch, c) => {
      const r = rest[c];
      for (let i = 0; i < ch.length; i++) r[i] += ch[i];
    });
  });
  return [masks[keep], rest];
}

/**
 * The stem that stems with masks summing to one leave over: the mixture minus the others, sample by sample
 * (the iSTFT is linear and reconstructs the mixture), so it costs no iSTFT and the stems sum to the mix exactly.
 * mix: [channel] of (samples); others: [stem][channel] of (at least samples) → [channel] of (samples).
 */
export function remainder(mix: Float32Array[], others: Float32Array[][]): Float32Array[] {
  return mix.map((x, c) => {
    const y = x.slice();
    for (const s of others) {
      const o = s[c];
      for (let i = 0; i < y.length; i++) y[i] -= o[i];
    }
    return y;
  });
}
