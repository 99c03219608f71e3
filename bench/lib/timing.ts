// Timing helper for the in-process benchmarks.

/** Seconds of the fastest of `runs` calls of f (the least disturbed by other load on the machine). */
export function bestOf(runs: number, f: () => void): number {
  let best = Infinity;
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    f();
    best = Math.min(best, (performance.now() - t0) / 1000);
  }
  return best;
}
