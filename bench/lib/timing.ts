// Timing helpers for the in-process benchmarks.

export interface Timing {
  wall: number; // seconds, fastest run
  cpu: number; // seconds of this process's CPU time (user + system), fastest run: near the wall time of an idle machine
}

/** Times `runs` calls of f and keeps the fastest (the least disturbed by other load on the machine). */
export function bestOf(runs: number, f: () => void): Timing {
  const best = { wall: Infinity, cpu: Infinity };
  for (let r = 0; r < runs; r++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    f();
    best.wall = Math.min(best.wall, (performance.now() - t0) / 1000);
    const c = process.cpuUsage(c0);
    best.cpu = Math.min(best.cpu, (c.user + c.system) / 1e6);
  }
  return best;
}

/** "0.301 s (CPU 0.290 s, 598x real time)" for `audioSeconds` of audio processed in `t`. */
export function formatTiming(t: Timing, audioSeconds: number, digits = 3): string {
  return `${t.wall.toFixed(digits)} s (CPU ${t.cpu.toFixed(digits)} s, ${(audioSeconds / t.wall).toFixed(0)}x real time)`;
}
