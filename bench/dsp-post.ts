// Cost of the spectrogram post-processing per minute of 44.1 kHz stereo audio (nFft 4096, hop 1024):
// HPSS (both channels), centre masks and the 4-target Wiener filter at 0, 1 and 2 EM iterations. npx tsx bench/dsp-post.ts
import { Stft, magnitude } from '../src/dsp/stft.js';
import { hpss } from '../src/dsp/hpss.js';
import { centreMasks } from '../src/dsp/midside.js';
import { wiener } from '../src/dsp/wiener.js';
import { bestOf, formatTiming, type Timing } from './lib/timing.js';

const SR = 44100;
const n = SR * 60;
let seed = 99;
const rand = () => (seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32;
// A song-like test signal: a chord that changes every half second, noise bursts (drum hits) every quarter second.
const channels = [new Float32Array(n), new Float32Array(n)];
for (let i = 0; i < n; i++) {
  const bar = Math.floor(i / (SR / 2));
  const f0 = 110 * 2 ** ((bar * 5) % 12 / 12);
  const tone = Math.sin((2 * Math.PI * f0 * i) / SR) + 0.5 * Math.sin((2 * Math.PI * 1.5 * f0 * i) / SR);
  const hit = Math.exp(-(i % (SR / 4)) / 2000) * (rand() - 0.5);
  channels[0][i] = 0.3 * tone + 0.5 * hit;
  channels[1][i] = 0.2 * tone + 0.7 * hit;
}
const stft = await Stft.create();
const spec = stft.forward(channels);
const mags = magnitude(spec);

const time = (f: () => void): Timing => bestOf(2, f);
const line = (what: string, t: Timing) => console.log(`${what}, per minute of stereo audio: ${formatTiming(t, 60, 2)}`);

hpss(mags[0].subarray(0, 200 * spec.nBins), 200, spec.nBins); // warm-up
line('HPSS, 17x17 medians, 2 channels', time(() => mags.forEach((m) => hpss(m, spec.nFrames, spec.nBins))));
line('HPSS, 31x31 medians, 2 channels', time(() => mags.forEach((m) => hpss(m, spec.nFrames, spec.nBins, { harmonicKernel: 31, percussiveKernel: 31 }))));
line('Centre masks, 5-frame smoothing', time(() => centreMasks(spec)));
// Four rough magnitude estimates (shares of the mixture magnitude, different per target).
const estimates = [0.4, 0.3, 0.2, 0.1].map((w, j) => mags.map((m) => m.map((v, i) => v * (w + 0.3 * (((i * (j + 3)) % 7) / 7)))));
for (const it of [0, 1, 2]) line(`Wiener, 4 targets, ${it} iteration(s)`, time(() => wiener(spec, estimates, it)));
