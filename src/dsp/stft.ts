// Short-time Fourier transform and its inverse, matching torch.stft / torch.istft (center=True, reflect padding,
// periodic Hann window, onesided, unnormalised) so the Python training and the TypeScript inference agree.
import { createRealFft, type RealFft } from './fft.js';
import { DEFAULT_STFT, type Spectrogram, type StftParams } from './spectrogram.js';
import { DemixError } from '../errors.js';

/** Periodic Hann window (torch.hann_window(n)): w[i] = 0.5 − 0.5·cos(2πi/n), (n). */
export function hannWindow(n: number): Float32Array {
  const w = new Float32Array(n);
  for (let i = 0; i < n; i++) w[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / n);
  return w;
}

/** Index of sample i of a signal of length len after reflect padding (mirror without repeating the edge sample). */
function reflectIndex(i: number, len: number): number {
  if (len === 1) return 0;
  const period = 2 * (len - 1);
  let j = i % period;
  if (j < 0) j += period;
  return j < len ? j : period - j;
}

/** Number of STFT frames of a signal of `length` samples: 1 + floor(length / hop). */
export function frameCount(length: number, hop: number): number {
  return 1 + Math.floor(length / hop);
}

export class Stft {
  readonly nFft: number; // samples
  readonly hop: number; // samples
  readonly nBins: number; // nFft / 2 + 1
  private readonly fft: RealFft;
  private readonly window: Float32Array; // (nFft)
  private lastNorm = { nFrames: -1, length: -1, inv: new Float32Array(0) }; // the inverse's last window sum: stems of a chunk share it

  private constructor(p: StftParams, fft: RealFft) {
    this.nFft = p.nFft;
    this.hop = p.hop;
    this.nBins = p.nFft / 2 + 1;
    this.fft = fft;
    this.window = hannWindow(p.nFft);
  }

  /** nFft must suit PFFFT (a multiple of 32 with factors 2, 3, 5 only); 0 < hop <= nFft. */
  static async create(p: StftParams = DEFAULT_STFT): Promise<Stft> {
    if (!Number.isInteger(p.hop) || p.hop <= 0 || p.hop > p.nFft) {
      throw new DemixError('BAD_STFT_PARAMS', `STFT hop ${p.hop} must be an integer in 1..nFft (${p.nFft})`);
    }
    return new Stft(p, await createRealFft(p.nFft));
  }

  /** x: [ch][samples] (all channels the same length) → spectrogram of 1 + floor(samples / hop) frames per channel. */
  forward(x: Float32Array[]): Spectrogram {
    const len = x.length === 0 ? 0 : x[0].length;
    const nFrames = frameCount(len, this.hop);
    const re: Float32Array[] = [];
    const im: Float32Array[] = [];
    for (const ch of x) {
      if (ch.length !== len) throw new DemixError('BAD_STFT_INPUT', `STFT channels differ in length (${ch.length} vs ${len})`);
      const r = new Float32Array(nFrames * this.nBins);
      const i = new Float32Array(nFrames * this.nBins);
      this.forwardChannel(ch, nFrames, r, i);
      re.push(r);
      im.push(i);
    }
    return { nFrames, nBins: this.nBins, re, im };
  }

  private forwardChannel(x: Float32Array, nFrames: number, re: Float32Array, im: Float32Array): void {
    const { nFft, hop, nBins, window, fft } = this;
    const half = nFft / 2;
    const len = x.length;
    for (let t = 0; t < nFrames; t++) {
      const start = t * hop - half;
      const buf = fft.buffer();
      if (len === 0) {
        buf.fill(0);
      } else if (start >= 0 && start + nFft <= len) {
        for (let i = 0; i < nFft; i++) buf[i] = x[start + i] * window[i];
      } else {
        for (let i = 0; i < nFft; i++) buf[i] = x[reflectIndex(start + i, len)] * window[i];
      }
      fft.forwardInPlace();
      const out = fft.buffer();
      const o = t * nBins;
      re[o] = out[0];
      im[o] = 0;
      re[o + half] = out[1];
      im[o + half] = 0;
      for (let k = 1, j = 2; k < half; k++, j += 2) {
        re[o + k] = out[j];
        im[o + k] = out[j + 1];
      }
    }
  }

  /**
   * Inverse STFT (torch.istft, center=True): windowed overlap-add divided by the overlap-added squared window,
   * the nFft/2 padding removed, trimmed or zero-extended to `length` samples. s → [ch][length]. With `mask`
   * ([ch] of (nFrames * nBins) real gains), the inverse of mask · s, without the masked spectrogram in memory.
   */
  inverse(s: Spectrogram, length: number, mask?: Float32Array[]): Float32Array[] {
    if (s.nBins !== this.nBins) throw new DemixError('BAD_STFT_INPUT', `spectrogram has ${s.nBins} bins, this STFT makes ${this.nBins}`);
    const { nFft, hop, window, fft } = this;
    const half = nFft / 2;
    // Output sample n sits at padded position n + half; frames past the last one that reaches `length` are skipped.
    const nFrames = Math.min(s.nFrames, Math.floor((length + half - 1) / hop) + 1);
    const norm = this.windowSumInverse(nFrames, length);
    const scale = 1 / nFft;
    const out: Float32Array[] = [];
    for (let c = 0; c < s.re.length; c++) {
      const re = s.re[c];
      const im = s.im[c];
      const m = mask?.[c];
      const y = new Float32Array(length);
      for (let t = 0; t < nFrames; t++) {
        const o = t * this.nBins;
        const buf = fft.buffer();
        if (m) {
          buf[0] = m[o] * re[o];
          buf[1] = m[o + half] * re[o + half];
          for (let k = 1, j = 2; k < half; k++, j += 2) {
            buf[j] = m[o + k] * re[o + k];
            buf[j + 1] = m[o + k] * im[o + k];
          }
        } else {
          buf[0] = re[o];
          buf[1] = re[o + half];
          for (let k = 1, j = 2; k < half; k++, j += 2) {
            buf[j] = re[o + k];
            buf[j + 1] = im[o + k];
          }
        }
        fft.inverseInPlace();
        const frame = fft.buffer();
        const start = t * hop - half; // output index of frame sample 0
        const i0 = Math.max(0, -start);
        const i1 = Math.min(nFft, length - start);
        for (let i = i0; i < i1; i++) y[start + i] += frame[i] * window[i];
      }
      for (let n = 0; n < length; n++) y[n] *= norm[n] * scale;
      out.push(y);
    }
    return out;
  }

  /** 1 / Σ_t w²(n + nFft/2 − t·hop) per output sample, 0 where the sum vanishes: (length). */
  private windowSumInverse(nFrames: number, length: number): Float32Array {
    if (this.lastNorm.nFrames === nFrames && this.lastNorm.length === length) return this.lastNorm.inv;
    const { nFft, hop, window } = this;
    const half = nFft / 2;
    const sum = new Float64Array(length);
    for (let t = 0; t < nFrames; t++) {
      const start = t * hop - half;
      const i0 = Math.max(0, -start);
      const i1 = Math.min(nFft, length - start);
      for (let i = i0; i < i1; i++) sum[start + i] += window[i] * window[i];
    }
    const inv = new Float32Array(length);
    for (let n = 0; n < length; n++) inv[n] = sum[n] > 1e-10 ? 1 / sum[n] : 0;
    this.lastNorm = { nFrames, length, inv };
    return inv;
  }
}

/** Magnitudes |X| of a spectrogram: [ch] of (nFrames * nBins), frame-major like the input. */
export function magnitude(s: Spectrogram): Float32Array[] {
  return s.re.map((re, c) => {
    const im = s.im[c];
    const m = new Float32Array(re.length);
    for (let i = 0; i < re.length; i++) m[i] = Math.sqrt(re[i] * re[i] + im[i] * im[i]);
    return m;
  });
}
