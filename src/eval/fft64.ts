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

  /**
   * In-place complex FFT of the bit-reversed scratch; sign -1 forward, +1 inverse (unscaled). Radix-2
   * decimation in time with pairs of stages fused (radix 2^2): half the passes over memory, 3 twiddle
   * products per 4 points instead of 4.
   */
  private butterflies(sign: number): void {
    const { half, zr, zi, cos, sin } = this;
    let size = 2;
    if (Math.log2(half) % 2 === 1) {
      for (let i = 0; i < half; i += 2) {
        const xr = zr[i + 1];
        const xi = zi[i + 1];
        zr[i + 1] = zr[i] - xr;
        zi[i + 1] = zi[i] - xi;
        zr[i] += xr;
        zi[i] += xi;
      }
      size = 4;
    } else {
      size = 1;
    }
    // each pass combines four sub-transforms of length h into one of length 4h
    for (let h = size === 4 ? 2 : 1; 4 * h <= half; h *= 4) {
      const quarter = half / (4 * h); // twiddle table stride for W_{4h}
      for (let start = 0; start < half; start += 4 * h) {
        for (let k = 0; k < h; k++) {
          const t1 = k * quarter; // W_{4h}^k
          const t2 = 2 * t1; // W_{4h}^{2k} = W_{2h}^k
          const w1r = cos[t1];
          const w1i = sign * sin[t1];
          const w2r = cos[t2];
          const w2i = sign * sin[t2];
          const i0 = start + k;
          const i1 = i0 + h;
          const i2 = i1 + h;
          const i3 = i2 + h;
          // first stage (length 2h): (x0, x1) and (x2, x3) with W_{2h}^k
          const b1r = zr[i1] * w2r - zi[i1] * w2i;
          const b1i = zr[i1] * w2i + zi[i1] * w2r;
          const b3r = zr[i3] * w2r - zi[i3] * w2i;
          const b3i = zr[i3] * w2i + zi[i3] * w2r;
          const a0r = zr[i0] + b1r;
          const a0i = zi[i0] + b1i;
          const a1r = zr[i0] - b1r;
          const a1i = zi[i0] - b1i;
          const a2r = zr[i2] + b3r;
          const a2i = zi[i2] + b3i;
          const a3r = zr[i2] - b3r;
          const a3i = zi[i2] - b3i;
          // second stage (length 4h): (a0, a2) with W_{4h}^k, (a1, a3) with W_{4h}^{k+h} = sign i W_{4h}^k
          const c2r = a2r * w1r - a2i * w1i;
          const c2i = a2r * w1i + a2i * w1r;
          const d3r = a3r * w1r - a3i * w1i;
          const d3i = a3r * w1i + a3i * w1r;
          const c3r = -sign * d3i; // multiply by sign * i
          const c3i = sign * d3r;
          zr[i0] = a0r + c2r;
          zi[i0] = a0i + c2i;
          zr[i2] = a0r - c2r;
          zi[i2] = a0i - c2i;
          zr[i1] = a1r + c3r;
          zi[i1] = a1i + c3i;
          zr[i3] = a1r - c3r;
          zi[i3] = a1i - c3i;
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
