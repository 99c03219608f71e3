// Seeded test signals for the DSP tests (deterministic, no fixtures needed).

/** Uniform pseudo-random numbers in [0, 1) from a linear congruential generator. */
export function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** White noise, uniform in [−amp/2, amp/2): (n). */
export function noise(n: number, seed: number, amp = 1): Float32Array {
  const r = lcg(seed);
  return new Float32Array(n).map(() => amp * (r() - 0.5));
}
