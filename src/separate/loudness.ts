// Loudness and peak of a stem: ITU-R BS.1770-4 / EBU R128 integrated loudness, sample and true peak,
// and the rule that calls a stem "effectively silent".
import type { Audio } from '../audio/audio.js';
import { gainToDb, samplePeak, truePeak } from '../dsp/limiter.js';

/**
 * A stem is effectively silent when its integrated loudness is below SILENT_LUFS (or undefined because
 * every 400 ms block falls under the -70 LUFS absolute gate), or its sample peak is below SILENT_DBFS.
 * -60 LUFS is ~37 LU under typical programme loudness (-23 LUFS broadcast, -14 streaming): bleed a
 * listener would not notice in a mix, and far above the noise floor of 16-bit audio (~ -96 dBFS).
 */
export const SILENT_LUFS = -60;
export const SILENT_DBFS = -60;

export interface LoudnessReport {
  loudness: number; // integrated loudness, LUFS (-Infinity when all blocks are gated out)
  samplePeak: number; // dBFS (-Infinity for digital silence)
  truePeak: number; // dBTP: peak of the 4x oversampled signal
  silent: boolean; // see SILENT_LUFS / SILENT_DBFS
}

export interface Biquad {
  b: [number, number, number];
  a: [number, number]; // a1, a2 (a0 normalised to 1)
}

// The K-weighting filter's analogue prototype (BS.1770-4 stage 1 shelf, stage 2 RLB high-pass),
// re-derived for any sample rate by the bilinear transform; at 48 kHz it reproduces the standard's table.
const SHELF_HZ = 1681.974450955533;
const SHELF_GAIN_DB = 3.999843853973347;
const SHELF_Q = 0.7071752369554196;
const HIGHPASS_HZ = 38.13547087602444;
const HIGHPASS_Q = 0.5003270373238773;

/** The two biquads of the K-weighting pre-filter at `sampleRate` (Hz). */
export function kWeighting(sampleRate: number): [Biquad, Biquad] {
  let k = Math.tan((Math.PI * SHELF_HZ) / sampleRate);
  const vh = 10 ** (SHELF_GAIN_DB / 20);
  const vb = vh ** 0.4996667741545416;
  let a0 = 1 + k / SHELF_Q + k * k;
  const shelf: Biquad = {
    b: [(vh + (vb * k) / SHELF_Q + k * k) / a0, (2 * (k * k - vh)) / a0, (vh - (vb * k) / SHELF_Q + k * k) / a0],
    a: [(2 * (k * k - 1)) / a0, (1 - k / SHELF_Q + k * k) / a0],
  };
  k = Math.tan((Math.PI * HIGHPASS_HZ) / sampleRate);
  a0 = 1 + k / HIGHPASS_Q + k * k;
  const highpass: Biquad = {
    b: [1, -2, 1],
    a: [(2 * (k * k - 1)) / a0, (1 - k / HIGHPASS_Q + k * k) / a0],
  };
  return [shelf, highpass];
}

/** Channel weights G_i of BS.1770-4: 1 for front channels, 1.41 for surrounds, 0 for LFE (5.1 order L R C LFE Ls Rs). */
function channelWeights(nChannels: number): number[] {
  if (nChannels === 6) return [1, 1, 1, 0, 1.41, 1.41];
  return new Array<number>(nChannels).fill(1);
}

/**
 * Mean square of the K-weighted signal per 100 ms step, per channel: [ch][step]. The last partial
 * step is dropped; a signal shorter than one step yields one step over all of it.
 */
function kWeightedStepEnergy(audio: Audio, stepLen: number): Float64Array[] {
  const [s, h] = kWeighting(audio.sampleRate);
  return audio.channels.map((x) => {
    const len = stepLen > 0 && x.length >= stepLen ? stepLen : Math.max(1, x.length);
    const nSteps = Math.floor(x.length / len);
    const energy = new Float64Array(nSteps);
    let s1 = 0, s2 = 0, h1 = 0, h2 = 0; // direct form II transposed states
    for (let i = 0; i < nSteps * len; i++) {
      const v = x[i];
      const y1 = s.b[0] * v + s1;
      s1 = s.b[1] * v - s.a[0] * y1 + s2;
      s2 = s.b[2] * v - s.a[1] * y1;
      const y2 = h.b[0] * y1 + h1;
      h1 = h.b[1] * y1 - h.a[0] * y2 + h2;
      h2 = h.b[2] * y1 - h.a[1] * y2;
      energy[(i / len) | 0] += y2 * y2;
    }
    for (let j = 0; j < nSteps; j++) energy[j] /= len;
    return energy;
  });
}

const lufs = (z: number): number => -0.691 + 10 * Math.log10(z);

/**
 * Integrated loudness (LUFS) per BS.1770-4: K-weighting, 400 ms blocks every 100 ms, absolute gate
 * -70 LUFS, relative gate -10 LU. A signal shorter than 400 ms is measured as one block.
 */
export function integratedLoudness(audio: Audio): number {
  if (audio.channels.length === 0 || audio.channels[0].length === 0) return -Infinity;
  const steps = kWeightedStepEnergy(audio, Math.round(audio.sampleRate * 0.1));
  const weights = channelWeights(audio.channels.length);
  const nSteps = steps[0].length;
  const perBlock = Math.min(4, nSteps); // steps per 400 ms block
  const blocks: number[] = []; // weighted sum over channels of each block's mean square
  for (let j = 0; j + perBlock <= nSteps; j++) {
    let z = 0;
    for (let c = 0; c < steps.length; c++) {
      let e = 0;
      for (let q = 0; q < perBlock; q++) e += steps[c][j + q];
      z += (weights[c] * e) / perBlock;
    }
    blocks.push(z);
  }
  const gatedMean = (threshold: number): number => {
    let sum = 0, n = 0;
    for (const z of blocks) if (lufs(z) > threshold) { sum += z; n++; }
    return n === 0 ? 0 : sum / n;
  };
  const absolute = gatedMean(-70);
  if (absolute === 0) return -Infinity;
  const relative = gatedMean(lufs(absolute) - 10);
  return relative === 0 ? -Infinity : lufs(relative);
}

const PEAK_REACH = 16; // samples around a candidate given to the interpolator (its taps reach 6 each side)

/**
 * True peak (linear, BS.1770-4 Annex 2: 4x oversampled), measured by the limiter's interpolator only around
 * samples of at least half the channel's sample peak: an inter-sample value above the sample peak needs
 * such neighbours, and elsewhere every interpolated value stays under the sample peak. Keeps a 3-minute
 * stem to a few milliseconds instead of seconds.
 */
function fastTruePeak(audio: Audio): number {
  let peak = 0;
  for (const x of audio.channels) {
    const sp = samplePeak([x]).peak;
    peak = Math.max(peak, sp);
    const threshold = sp / 2;
    for (let i = 0; i < x.length; i++) {
      if (Math.abs(x[i]) < threshold) continue;
      let end = i + 1; // extend the window while candidates follow closely
      for (let j = i + 1; j < x.length && j < end + 2 * PEAK_REACH; j++) if (Math.abs(x[j]) >= threshold) end = j + 1;
      const a = Math.max(0, i - PEAK_REACH);
      const b = Math.min(x.length, end + PEAK_REACH);
      peak = Math.max(peak, truePeak([x.subarray(a, b)]));
      i = end - 1;
    }
  }
  return peak;
}

/** Loudness, peaks and the silence flag of `audio`. */
export function measureLoudness(audio: Audio): LoudnessReport {
  const loudness = integratedLoudness(audio);
  const sp = gainToDb(samplePeak(audio.channels).peak);
  return { loudness, samplePeak: sp, truePeak: gainToDb(fastTruePeak(audio)), silent: !(loudness >= SILENT_LUFS) || sp < SILENT_DBFS };
}
