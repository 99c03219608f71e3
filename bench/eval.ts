// Scoring speed of BSS Eval v4 (museval MUSDB mode) on a 3-minute and a 7-second 4-target stereo track,
// plus SI-SDR / whole-track SDR, and on a real MUSDB preview when ../shared/data is there:
// npx tsx bench/eval.ts [seconds ...]
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { readStemFile } from '../src/audio/decode.js';
import { bssEval } from '../src/eval/bsseval.js';
import type { Samples } from '../src/eval/bsseval.js';
import { siSdr, trackSdr } from '../src/eval/sisdr.js';

const SR = 44100;

/** Deterministic music-like stems [4][2][n]: tones with envelopes, low-passed noise (bass), clicks, stereo noise floor. */
function stems(n: number, seed: number): Float32Array[][] {
  let s = seed;
  const rand = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32 - 0.5);
  return [220, 55, 110, 330].map((f0, j) => {
    const mono = new Float32Array(n);
    let lp = 0;
    for (let i = 0; i < n; i++) {
      const env = 0.5 + 0.5 * Math.sin((2 * Math.PI * i * (0.3 + j * 0.2)) / SR);
      lp += 0.05 * (rand() - lp);
      const tone = Math.sin((2 * Math.PI * f0 * i) / SR) + 0.3 * Math.sin((2 * Math.PI * 2.01 * f0 * i) / SR);
      mono[i] = 0.2 * env * tone + (j === 1 ? 0.5 * lp : 0.02 * rand()) + (j === 0 && i % 11025 < 200 ? 0.3 * rand() : 0);
    }
    const pan = 0.3 + 0.1 * j;
    return [mono.map((v) => v * (1 - pan) + 0.01 * rand()), mono.map((v, i) => v * pan + 0.1 * (mono[i - 7] ?? 0) + 0.01 * rand())];
  });
}

/** Estimates: own stem + 0.2 x the next stem + a little noise. */
function estimates(refs: Float32Array[][], seed: number): Float32Array[][] {
  let s = seed;
  const rand = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32 - 0.5);
  return refs.map((src, j) => src.map((ch, c) => ch.map((v, i) => v + 0.2 * refs[(j + 1) % 4][c][i] + 0.01 * rand())));
}

const CLIP = fileURLToPath(new URL('../../shared/data/musdb18-7/train/Music Delta - 80s Rock.stem.mp4', import.meta.url));
const durations = process.argv.slice(2).map(Number);
for (const seconds of durations.length > 0 ? durations : [7, 180, 0]) {
  if (seconds === 0 && !existsSync(CLIP)) continue;
  const refs = seconds === 0 ? Object.values((await readStemFile(CLIP)).stems).map((a) => a.channels) : stems(Math.round(seconds * SR), 1);
  const ests = estimates(refs, 2);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const scores = bssEval(refs as Samples[][], ests as Samples[][]);
  const wall = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0).user / 1e6;
  const t1 = performance.now();
  for (let j = 0; j < 4; j++) {
    siSdr(refs[j], ests[j]);
    trackSdr(refs[j], ests[j]);
  }
  const other = (performance.now() - t1) / 1000;
  const median = (a: Float64Array) => [...a].sort((x, y) => x - y)[a.length >> 1];
  const what = seconds === 0 ? `MUSDB preview (${(refs[0][0].length / SR).toFixed(1)} s)` : `${seconds} s`;
  console.log(
    `${what} 4-target stereo: BSS Eval ${wall.toFixed(2)} s wall (${cpu.toFixed(2)} s CPU, ` +
      `${(refs[0][0].length / SR / wall).toFixed(0)}x real time), SI-SDR + track SDR ${other.toFixed(3)} s; ` +
      `ridge ${scores.ridge}, median SDR ${scores.sdr.map((v) => median(v).toFixed(2)).join(' ')}`,
  );
}
