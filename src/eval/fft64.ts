// Double-precision real FFT (power-of-two sizes) for the evaluation metrics: BSS Eval's least-squares
// filters are solved from correlations whose Gram matrix is ill-conditioned, so float32 transforms
// (src/dsp/fft.ts) would move the scores by more than the 0.01 dB that museval parity allows.

/** A real FFT of fixed size `n` (a power of two, >= 4) in float64. */
export class RealFft64 {
  readonly n: number;
  private readonly half: number; // n / 2: size of the packed complex transform
  private readonly cos: Float64Array; // [half / 2] cos(2 pi k / half)
  private readonly sin: Float64Array; // [half / 2] sin(2 pi k / half)
  private readonly rcos: Float64Array; // [half + 1] cos(2 pi k / n), for the real/complex split
  private readonly rsin: Float64Array; // [half + 1] sin(2 pi k / n)
  private readonly rev: Uint32Array; // [half] bit-reversal permutation
  private readonly zr: Float64Array; // [half] scratch, real part
  private readonly zi: Float64Array; // [half] scratch, imaginary part

  constructor(n: number) {
    if (!Number.isInteger(Math.log2(n)) || n < 4) throw new RangeError(`RealFft64: size ${n} is not a power of two >= 4`);
    this.n = n;
    const half = n / 2;
    this.half = half;
    this.cos = new Float64Array(Math.max(1, half / 2));
    this.sin = new Float64Array(Math.max(1, half / 2));
    for (let k = 0; k < half / 2; k++) {
      this.cos[k] = Math.cos((2 * Math.PI * k) / half);
      this.sin[k] = Math.sin((2 * Math.PI * k) / half);
    }
    this.rcos = new Float64Array(half + 1);
    this.rsin = new Float64Array(half + 1);
    for (let k = 0; k <= half; k++) {
      this.rcos[k] = Math.cos((2 * Math.PI * k) / n);
      this.rsin[k] = Math.sin((2 * Math.PI * k) / n);
    }
    this.rev = new Uint32Array(half);
    const bits = Math.log2(half);
    for (let i = 0; i < half; i++) {
      let r = 0;
      for (let b = 0, v = i; b < bits; b++, v >>= 1) r = (r << 1) | (v & 1);
      this.rev[i] = r;
    }
    this.zr = new Float64Array(half);
    this.zi = new Float64Array(half);
  }

  /** Spectrum of `x` (n samples, zero-filled past x.length): re, im [n/2 + 1] bins, unscaled. */
  forward(x: Float64Array, re: Float64Array, im: Float64Array): void {
    const { half, zr, zi, rev, rcos, rsin } = this;
    const len = x.length;
    for (let k = 0; k < half; k++) {
      const j = rev[k];
      const a = 2 * k;
      zr[j] = a < len ? x[a] : 0;
      zi[j] = a + 1 < len ? x[a + 1] : 0;
    }
    this.butterflies(-1);
    // Split the packed transform Z = FFT(even) + i FFT(odd) into the spectrum of x.
    re[0] = zr[0] + zi[0];
    im[0] = 0;
    re[half] = zr[0] - zi[0];
    im[half] = 0;
    for (let k = 1; k < half; k++) {
      const ar = zr[k];
      const ai = zi[k];
      const br = zr[half - k];
      const bi = -zi[half - k];
      const er = 0.5 * (ar + br); // even part
      const ei = 0.5 * (ai + bi);
      const orr = 0.5 * (ai - bi); // odd part = (a - b) / 2i
      const oi = -0.5 * (ar - br);
      const c = rcos[k];
      const s = -rsin[k];
      re[k] = er + orr * c - oi * s;
      im[k] = ei + orr * s + oi * c;
    }
  }

  /** Real signal from the spectrum re, im [n/2 + 1] into out [n]; scaled by 1/n so inverse(forward(x)) == x. */
  inverse(re: Float64Array, im: Float64Array, out: Float64Array): void {
    const { half, zr, zi, rev, rcos, rsin } = this;
    for (let k = 0; k < half; k++) {
      const ar = re[k];
      const ai = im[k];
      const br = re[half - k];
      const bi = -im[half - k];
      const er = ar + br;
      const ei = ai + bi;
      const dr = ar - br;
      const di = ai - bi;
      const c = rcos[k];
      const s = rsin[k];
      const orr = dr * c - di * s; // (X[k] - conj X[half - k]) e^{+2 pi i k / n}
      const oi = dr * s + di * c;
      const j = rev[k];
      zr[j] = er - oi; // E + i O
      zi[j] = ei + orr;
    }
    this.butterflies(1);
    const scale = 0.5 / half;
    for (let k = 0; k < half; k++) {
      out[2 * k] = zr[k] * scale;
      out[2 * k + 1] = zi[k] * scale;
    }
  }

  /** In-place radix-2 complex FFT of the bit-reversed scratch; sign -1 forward, +1 inverse (unscaled). */
  private butterflies(sign: number): void {
    const { half, zr, zi, cos, sin } = this;
    for (let size = 2; size <= half; size *= 2) {
      const h = size / 2;
      const step = half / size;
      for (let start = 0; start < half; start += size) {
        for (let k = 0, t = 0; k < h; k++, t += step) {
          const wr = cos[t];
          const wi = sign * sin[t];
          const i = start + k;
          const j = i + h;
          const xr = zr[j] * wr - zi[j] * wi;
          const xi = zr[j] * wi + zi[j] * wr;
          zr[j] = zr[i] - xr;
          zi[j] = zi[i] - xi;
          zr[i] += xr;
          zi[i] += xi;
        }
      }
    }
  }
}

/** The smallest power of two >= n. */
export function nextPow2(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}
