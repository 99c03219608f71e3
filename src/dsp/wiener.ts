// Multichannel Wiener filtering of source estimates by expectation-maximisation (the local Gaussian model of
// Duong, Vincent & Gribonval 2010, as norbert applies it): each source j at bin (t, f) is a zero-mean complex
// Gaussian with covariance v_j(t,f)·R_j(f), v_j a power spectral density and R_j a spatial covariance matrix
// (its stereo image); the mixture's covariance is their sum, and each source is its posterior mean given the mixture.
import { DemixError } from '../errors.js';
import type { Spectrogram } from './spectrogram.js';

export interface WienerOptions {
  eps?: number; // regularisation relative to the mixture's scale (default float32 epsilon, 1.19e-7, as norbert)
  /**
   * α of generalised Wiener filtering (Liutkus & Badeau 2015): each EM step takes v_j = (mean over channels of
   * |y_j|²)^(α/2), a fractional power spectrogram. 2 (default) is norbert's power spectral density; 1 filters
   * magnitudes, so with identical stereo images the step returns the soft masks and only R_j changes them.
   */
  exponent?: number;
}

const FLOAT32_EPS = 1.1920929e-7;

/**
 * Source spectrograms from the mixture and magnitude estimates: `iterations` = 0 gives soft masks
 * (per channel, by magnitude ratio); each iteration re-estimates v_j and R_j from the current source estimates and
 * applies the multichannel Wiener filter. Whatever the filter leaves unexplained is shared out by power, so the
 * estimates sum exactly to the mixture. Mono or stereo.
 * mix: C channels of (nFrames * nBins) complex; estimates: [target][channel] of (nFrames * nBins) magnitudes →
 * one Spectrogram per target, same shape as mix. Temporaries: O(targets · nBins), whatever the length.
 */
export function wiener(mix: Spectrogram, estimates: Float32Array[][], iterations: number, opts: WienerOptions = {}): Spectrogram[] {
  const nCh = mix.re.length;
  const size = mix.nFrames * mix.nBins;
  if (nCh < 1 || nCh > 2) throw new DemixError('BAD_WIENER_INPUT', `the Wiener filter handles mono or stereo, got ${nCh} channels`);
  if (estimates.length === 0) throw new DemixError('BAD_WIENER_INPUT', 'the Wiener filter needs at least one source estimate');
  for (const e of estimates) {
    if (e.length !== nCh || e.some((ch) => ch.length !== size)) {
      throw new DemixError('BAD_WIENER_INPUT', `Wiener estimates must be ${nCh} channels of ${mix.nFrames}x${mix.nBins} magnitudes`);
    }
  }
  if (!Number.isInteger(iterations) || iterations < 0) throw new DemixError('BAD_WIENER_INPUT', `Wiener iterations must be a non-negative integer, got ${iterations}`);
  const exponent = opts.exponent ?? 2;
  if (!(exponent > 0 && exponent <= 4)) throw new DemixError('BAD_WIENER_INPUT', `the Wiener exponent must be in (0, 4], got ${exponent}`);
  const out: Spectrogram[] = estimates.map(() => ({
    nFrames: mix.nFrames,
    nBins: mix.nBins,
    re: Array.from({ length: nCh }, () => new Float32Array(size)),
    im: Array.from({ length: nCh }, () => new Float32Array(size)),
  }));
  const next = (): SpatialCovariance | undefined => (iterations > 0 ? new SpatialCovariance(estimates.length, mix.nBins, nCh) : undefined);
  let acc = next();
  softMasks(mix, estimates, out, acc);
  if (acc === undefined) return out;
  // norbert works on the mixture divided by max(1, max|x| / 10); the same eps in the original units:
  let peak = 0;
  for (let c = 0; c < nCh; c++) {
    const xr = mix.re[c];
    const xi = mix.im[c];
    for (let i = 0; i < size; i++) peak = Math.max(peak, xr[i] * xr[i] + xi[i] * xi[i]);
  }
  const scale2 = Math.max(1, Math.sqrt(peak) / 10) ** 2;
  const eps = opts.eps ?? FLOAT32_EPS;
  const reg = Math.sqrt(eps) * scale2 ** (exponent / 2); // the filter's regularisation, in units of v_j
  for (let it = 0; acc !== undefined; it++) {
    const cov = acc.finish(eps * scale2);
    acc = it + 1 < iterations ? next() : undefined;
    if (nCh === 2) filterStereo(mix, out, cov, reg, exponent / 2, acc);
    else filterMono(mix, out, cov, reg, exponent / 2, acc);
  }
  return out;
}

/** Adds bin f of a stereo estimate (y0, y1) to the sums of y·yᴴ ([R00, R11, Re R01, Im R01] per bin) and of v. */
function addToCovariance(sums: Float64Array, power: Float64Array, f: number, y0r: number, y0i: number, y1r: number, y1i: number): void {
  const p0 = y0r * y0r + y0i * y0i;
  const p1 = y1r * y1r + y1i * y1i;
  sums[4 * f] += p0;
  sums[4 * f + 1] += p1;
  sums[4 * f + 2] += y0r * y1r + y0i * y1i; // y0 · conj(y1)
  sums[4 * f + 3] += y0i * y1r - y0r * y1i;
  power[f] += (p0 + p1) / 2;
}

/**
 * Accumulates, frame by frame, R_j(f) = Σ_t y_j y_jᴴ / (eps + Σ_t v_j) with v_j the mean over channels of |y_j|²,
 * so the EM needs no separate pass over the estimates. finish() gives, per source, (nBins * 4) float64
 * [R00, R11, Re R01, Im R01] (mono: R00 only).
 */
class SpatialCovariance {
  readonly sums: Float64Array[]; // [source] of (nBins * 4)
  readonly power: Float64Array[]; // [source] of (nBins): Σ_t v_j
  constructor(nSrc: number, private readonly nBins: number, private readonly nCh: number) {
    this.sums = Array.from({ length: nSrc }, () => new Float64Array(nBins * 4));
    this.power = Array.from({ length: nSrc }, () => new Float64Array(nBins));
  }

  /** Adds frame t of source j's estimate y. */
  add(j: number, y: Spectrogram, t: number): void {
    const r = this.sums[j];
    const vSum = this.power[j];
    const o = t * this.nBins;
    const r0 = y.re[0];
    const i0 = y.im[0];
    if (this.nCh === 1) {
      for (let f = 0; f < this.nBins; f++) {
        const p0 = r0[o + f] * r0[o + f] + i0[o + f] * i0[o + f];
        r[4 * f] += p0;
        vSum[f] += p0;
      }
      return;
    }
    const r1 = y.re[1];
    const i1 = y.im[1];
    for (let f = 0; f < this.nBins; f++) addToCovariance(r, vSum, f, r0[o + f], i0[o + f], r1[o + f], i1[o + f]);
  }

  finish(eps: number): Float64Array[] {
    return this.sums.map((r, j) => {
      for (let f = 0; f < this.nBins; f++) {
        const k = 1 / (eps + this.power[j][f]);
        for (let q = 0; q < 4; q++) r[4 * f + q] *= k;
      }
      return r;
    });
  }
}

/** y_j = (v_j / Σ_k v_k)·x per channel and bin, x/J where every estimate is 0; frame by frame, feeding `acc`. */
function softMasks(mix: Spectrogram, estimates: Float32Array[][], out: Spectrogram[], acc: SpatialCovariance | undefined): void {
  const { nFrames, nBins } = mix;
  const nSrc = estimates.length;
  const inv = new Float32Array(nBins); // 1 / Σ_j v_j of the current frame and channel, 0 where the sum is 0
  for (let t = 0; t < nFrames; t++) {
    const o = t * nBins;
    for (let c = 0; c < mix.re.length; c++) {
      const xr = mix.re[c];
      const xi = mix.im[c];
      inv.fill(0);
      for (let j = 0; j < nSrc; j++) {
        const e = estimates[j][c];
        for (let f = 0; f < nBins; f++) inv[f] += e[o + f];
      }
      for (let f = 0; f < nBins; f++) inv[f] = inv[f] > 0 ? 1 / inv[f] : 0;
      for (let j = 0; j < nSrc; j++) {
        const e = estimates[j][c];
        const yr = out[j].re[c];
        const yi = out[j].im[c];
        for (let f = 0; f < nBins; f++) {
          const m = inv[f] > 0 ? e[o + f] * inv[f] : 1 / nSrc;
          yr[o + f] = m * xr[o + f];
          yi[o + f] = m * xi[o + f];
        }
      }
    }
    if (acc) for (let j = 0; j < nSrc; j++) acc.add(j, out[j], t);
  }
}

/**
 * One EM step for stereo, frame by frame and, within a frame, in passes over the bins: v_j from the current y_j,
 * Cxx = Σ_j v_j R_j + reg·I, z = Cxx⁻¹ x, y_j ← v_j R_j z. The residual x − Σ_j y_j = reg·z (the regularisation's
 * share) is given back in proportion to v_j, so Σ_j y_j = x. The new estimates feed `next` in the same pass.
 */
function filterStereo(mix: Spectrogram, y: Spectrogram[], cov: Float64Array[], reg: number, half: number, next: SpatialCovariance | undefined): void {
  const { nFrames, nBins } = mix;
  const nSrc = y.length;
  const v = Array.from({ length: nSrc }, () => new Float64Array(nBins)); // [source] of (nBins), this frame
  const vTotal = new Float64Array(nBins);
  const cxx = new Float64Array(4 * nBins); // Σ_j v_j R_j per bin: [c00, c11, Re c01, Im c01]
  const z = new Float64Array(4 * nBins); // Cxx⁻¹ x per bin: [z0r, z0i, z1r, z1i]
  const [xr0, xr1] = mix.re;
  const [xi0, xi1] = mix.im;
  for (let t = 0; t < nFrames; t++) {
    const o = t * nBins;
    vTotal.fill(0);
    cxx.fill(0);
    for (let j = 0; j < nSrc; j++) {
      const [yr0, yr1] = y[j].re;
      const [yi0, yi1] = y[j].im;
      const vj = v[j];
      const R = cov[j];
      for (let f = 0; f < nBins; f++) {
        const a = o + f;
        const p = fractionalPower((yr0[a] * yr0[a] + yi0[a] * yi0[a] + yr1[a] * yr1[a] + yi1[a] * yi1[a]) / 2, half);
        vj[f] = p;
        vTotal[f] += p;
        cxx[4 * f] += p * R[4 * f];
        cxx[4 * f + 1] += p * R[4 * f + 1];
        cxx[4 * f + 2] += p * R[4 * f + 2];
        cxx[4 * f + 3] += p * R[4 * f + 3];
      }
    }
    for (let f = 0; f < nBins; f++) {
      // z = Cxx⁻¹ x, with Cxx = [[c00, c01], [conj c01, c11]] Hermitian.
      const c00 = cxx[4 * f] + reg;
      const c11 = cxx[4 * f + 1] + reg;
      const c01r = cxx[4 * f + 2];
      const c01i = cxx[4 * f + 3];
      // Cxx − reg·I is positive semi-definite, so det >= reg² > 0.
      const invDet = 1 / (c00 * c11 - (c01r * c01r + c01i * c01i));
      const a = o + f;
      const x0r = xr0[a];
      const x0i = xi0[a];
      const x1r = xr1[a];
      const x1i = xi1[a];
      z[4 * f] = (c11 * x0r - (c01r * x1r - c01i * x1i)) * invDet;
      z[4 * f + 1] = (c11 * x0i - (c01r * x1i + c01i * x1r)) * invDet;
      z[4 * f + 2] = (c00 * x1r - (c01r * x0r + c01i * x0i)) * invDet;
      z[4 * f + 3] = (c00 * x1i - (c01r * x0i - c01i * x0r)) * invDet;
    }
    for (let j = 0; j < nSrc; j++) {
      // y_j = v_j R_j z + g_j z, R_j = [[r00, r01], [conj r01, r11]], g_j = reg · v_j / Σ_k v_k (reg / J if all are 0).
      const R = cov[j];
      const vj = v[j];
      const [yr0, yr1] = y[j].re;
      const [yi0, yi1] = y[j].im;
      const sums = next?.sums[j];
      const power = next?.power[j];
      for (let f = 0; f < nBins; f++) {
        const w = vj[f];
        const g = vTotal[f] > 0 ? (reg * w) / vTotal[f] : reg / nSrc;
        const r00 = R[4 * f];
        const r11 = R[4 * f + 1];
        const r01r = R[4 * f + 2];
        const r01i = R[4 * f + 3];
        const z0r = z[4 * f];
        const z0i = z[4 * f + 1];
        const z1r = z[4 * f + 2];
        const z1i = z[4 * f + 3];
        const a0r = w * (r00 * z0r + r01r * z1r - r01i * z1i) + g * z0r;
        const a0i = w * (r00 * z0i + r01r * z1i + r01i * z1r) + g * z0i;
        const a1r = w * (r01r * z0r + r01i * z0i + r11 * z1r) + g * z1r;
        const a1i = w * (r01r * z0i - r01i * z0r + r11 * z1i) + g * z1i;
        const a = o + f;
        yr0[a] = a0r;
        yi0[a] = a0i;
        yr1[a] = a1r;
        yi1[a] = a1i;
        if (sums && power) addToCovariance(sums, power, f, yr0[a], yi0[a], yr1[a], yi1[a]);
      }
    }
  }
}

/** Mono EM step: y_j ← v_j R_j / (Σ_k v_k R_k + reg) · x, the residual shared out by v_j; feeds `next`. */
function filterMono(mix: Spectrogram, y: Spectrogram[], cov: Float64Array[], reg: number, half: number, next: SpatialCovariance | undefined): void {
  const { nFrames, nBins } = mix;
  const nSrc = y.length;
  const v = new Float64Array(nSrc);
  const [xr] = mix.re;
  const [xi] = mix.im;
  for (let t = 0; t < nFrames; t++) {
    for (let f = 0, a = t * nBins; f < nBins; f++, a++) {
      let cxx = reg;
      let vTotal = 0;
      for (let j = 0; j < nSrc; j++) {
        v[j] = fractionalPower(y[j].re[0][a] * y[j].re[0][a] + y[j].im[0][a] * y[j].im[0][a], half);
        vTotal += v[j];
        cxx += v[j] * cov[j][4 * f];
      }
      let gainSum = 0;
      for (let j = 0; j < nSrc; j++) gainSum += (v[j] * cov[j][4 * f]) / cxx;
      for (let j = 0; j < nSrc; j++) {
        // Wiener gain plus this source's share of the residual gain 1 − Σ gains.
        const g = (v[j] * cov[j][4 * f]) / cxx + (1 - gainSum) * (vTotal > 0 ? v[j] / vTotal : 1 / nSrc);
        y[j].re[0][a] = g * xr[a];
        y[j].im[0][a] = g * xi[a];
      }
    }
    if (next) for (let j = 0; j < nSrc; j++) next.add(j, y[j], t);
  }
}

/** power^half: v_j for the exponent α = 2·half (no pow call for norbert's α = 2). */
function fractionalPower(power: number, half: number): number {
  return half === 1 ? power : half === 0.5 ? Math.sqrt(power) : power ** half;
}
