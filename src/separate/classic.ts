// The classical separator (`--model classic`), no weights: harmonic/percussive split by median filtering,
// a smooth low-band crossover for bass, and harmonic centre content in the vocal band for vocals.
import { hpss } from '../dsp/hpss.js';
import { centreMasks } from '../dsp/midside.js';
import type { Spectrogram } from '../dsp/spectrogram.js';
import { DEFAULT_STFT } from '../dsp/spectrogram.js';
import type { Separator } from './separator.js';
import { TARGETS } from './separator.js';

export interface ClassicOptions {
  bassCutoffHz?: number; // centre of the bass/rest crossover (default 150 Hz)
  vocalLowHz?: number; // lower edge of the vocal band (default 150 Hz)
  vocalHighHz?: number; // upper edge of the vocal band (default 8 kHz)
  harmonicKernel?: number; // HPSS median length along time, frames (odd)
  percussiveKernel?: number; // HPSS median length along frequency, bins (odd)
  hpssPower?: number; // exponent of the HPSS soft masks (2 = Wiener-like; larger = harder)
  centrePower?: number; // exponent on the centre mask: > 1 keeps only content panned firmly centre
  centreFrames?: number; // smoothing of the inter-channel statistics, frames (odd)
}

const SAMPLE_RATE = 44100;
const CROSSOVER_ORDER = 4; // slope of the smooth band edges: 1 / (1 + (f/fc)^order)

/** Smooth low-pass weight (0..1) at `hz` for a crossover at `cutoff`. */
const lowPass = (hz: number, cutoff: number): number => 1 / (1 + (hz / cutoff) ** CROSSOVER_ORDER);

/** Per-bin band weights: bass (low band) and vocal band, each (nBins). */
function bandWeights(nBins: number, nFft: number, o: Required<ClassicOptions>): { bass: Float32Array; vocal: Float32Array } {
  const bass = new Float32Array(nBins);
  const vocal = new Float32Array(nBins);
  for (let f = 0; f < nBins; f++) {
    const hz = (f * SAMPLE_RATE) / nFft;
    bass[f] = lowPass(hz, o.bassCutoffHz);
    vocal[f] = (1 - lowPass(hz, o.vocalLowHz)) * lowPass(hz, o.vocalHighHz);
  }
  return { bass, vocal };
}

/** Mean magnitude of the channels. spec: C channels -> (nFrames * nBins). */
function meanMagnitude(spec: Spectrogram): Float32Array {
  const n = spec.nFrames * spec.nBins;
  const out = new Float32Array(n);
  const scale = 1 / spec.re.length;
  spec.re.forEach((re, c) => {
    const im = spec.im[c];
    for (let i = 0; i < n; i++) out[i] += scale * Math.hypot(re[i], im[i]);
  });
  return out;
}

export function createClassicSeparator(opts: ClassicOptions = {}): Separator {
  const o: Required<ClassicOptions> = {
    bassCutoffHz: 150,
    vocalLowHz: 150,
    vocalHighHz: 8000,
    harmonicKernel: 17,
    percussiveKernel: 31,
    hpssPower: 2,
    centrePower: 1,
    centreFrames: 5,
    ...opts,
  };
  const stft = DEFAULT_STFT;
  const bands = bandWeights(stft.nFft / 2 + 1, stft.nFft, o);
  return {
    name: 'classic',
    targets: TARGETS,
    sampleRate: SAMPLE_RATE,
    stft,
    wienerIterations: 0, // on MUSDB clips the EM pass lowers the SDR of these masks (~0.3 dB)
    /** masks [vocals, drums, bass, other][channel] of (nFrames * nBins); they sum to one per bin. */
    async estimate(mix: Spectrogram): Promise<Float32Array[][]> {
      const { nFrames, nBins } = mix;
      const { harmonic, percussive } = hpss(meanMagnitude(mix), nFrames, nBins, {
        harmonicKernel: o.harmonicKernel,
        percussiveKernel: o.percussiveKernel,
        power: o.hpssPower,
      });
      const centre = centreMasks(mix, { frames: o.centreFrames }); // [channel] of (nFrames * nBins)
      const size = nFrames * nBins;
      const bass = new Float32Array(size);
      for (let t = 0, i = 0; t < nFrames; t++) for (let f = 0; f < nBins; f++, i++) bass[i] = harmonic[i] * bands.bass[f];
      const vocals = centre.map(() => new Float32Array(size));
      const other = centre.map(() => new Float32Array(size));
      centre.forEach((cm, c) => {
        for (let t = 0, i = 0; t < nFrames; t++) {
          for (let f = 0; f < nBins; f++, i++) {
            const rest = harmonic[i] * (1 - bands.bass[f]); // harmonic content above the bass band
            const v = bands.vocal[f] * (o.centrePower === 1 ? cm[i] : cm[i] ** o.centrePower);
            vocals[c][i] = rest * v;
            other[c][i] = rest * (1 - v);
          }
        }
      });
      const perChannel = (m: Float32Array) => mix.re.map((_, c) => (c === 0 ? m : m.slice()));
      return [vocals, perChannel(percussive), perChannel(bass), other];
    },
  };
}
