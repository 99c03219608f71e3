// Cost of the DJ workflows' DSP per minute of 44.1 kHz stereo audio: tempo and key detection, the true-peak
// limiter, and Rubber Band time-stretch + pitch-shift (R3 engine). npx tsx bench/dj.ts
import { estimateKey } from '../src/dsp/key.js';
import { limit } from '../src/dsp/limiter.js';
import { stretch } from '../src/dsp/stretch.js';
import { estimateTempo } from '../src/dsp/tempo.js';
import { bestOf, formatTiming, type Timing } from './lib/timing.js';

const SR = 44100;
const n = SR * 60;
// A song-like signal: a chord changing every half bar at 120 BPM over a kick on every beat, 2 dB too loud.
const channels = [new Float32Array(n), new Float32Array(n)];
for (let i = 0; i < n; i++) {
  const f0 = 110 * 2 ** ((Math.floor(i / SR) * 5) % 12 / 12);
  const tone = Math.sin((2 * Math.PI * f0 * i) / SR) + 0.5 * Math.sin((2 * Math.PI * 1.5 * f0 * i) / SR);
  const beat = i % (SR / 2);
  const kick = Math.exp(-beat / 3000) * Math.sin((2 * Math.PI * 55 * beat) / SR);
  channels[0][i] = 0.45 * tone + 0.8 * kick;
  channels[1][i] = 0.4 * tone + 0.8 * kick;
}
const audio = { sampleRate: SR, channels };

/** Wall and CPU time of one call of an async `f`. */
async function timeAsync(f: () => Promise<unknown>): Promise<Timing> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await f();
  const c = process.cpuUsage(c0);
  return { wall: (performance.now() - t0) / 1000, cpu: (c.user + c.system) / 1e6 };
}
const line = (what: string, t: Timing) => console.log(`${what}, per minute of stereo audio: ${formatTiming(t, 60, 2)}`);

line('Tempo (onset autocorrelation, beat grid)', await timeAsync(() => estimateTempo(audio, { maxSeconds: 60 })));
line('Key (chroma, Krumhansl-Kessler)', await timeAsync(() => estimateKey(audio)));
line('True-peak limiter, -1 dBTP', bestOf(2, () => limit(channels, SR)));
line('Rubber Band R3, x1.1 stretch and +1 semitone', await timeAsync(() => stretch(audio, { timeRatio: 1.1, semitones: 1 })));
