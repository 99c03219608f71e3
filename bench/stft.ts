// STFT / iSTFT speed on a 3-minute stereo 44.1 kHz signal (default nFft 4096, hop 1024): npx tsx bench/stft.ts
import { Stft } from '../src/dsp/stft.js';
import { bestOf, formatTiming } from './lib/timing.js';

const SR = 44100;
const SECONDS = 180;
const n = SR * SECONDS;
const channels = [0, 1].map((c) => {
  const x = new Float32Array(n);
  let s = 12345 + c;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    x[i] = 0.3 * Math.sin((2 * Math.PI * 220 * i) / SR) + 0.1 * (s / 2 ** 32 - 0.5);
  }
  return x;
});

const stft = await Stft.create();
stft.inverse(stft.forward(channels.map((x) => x.subarray(0, SR * 5))), SR * 5); // warm-up (JIT, WASM compile)

let spec = stft.forward(channels);
const tf = bestOf(3, () => (spec = stft.forward(channels)));
const ti = bestOf(3, () => stft.inverse(spec, n));
console.log(`3-min stereo 44.1 kHz, nFft ${stft.nFft}, hop ${stft.hop}, ${spec.nFrames} frames/channel, best of 3`);
console.log(`STFT : ${formatTiming(tf, SECONDS)}`);
console.log(`iSTFT: ${formatTiming(ti, SECONDS)}`);
