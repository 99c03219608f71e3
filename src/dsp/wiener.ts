// Multichannel Wiener filtering of source estimates by expectation-maximisation (the local Gaussian model of
// Duong, Vincent & Gribonval 2010, as norbert applies it): each source j at bin (t, f) is a zero-mean complex
// Gaussian with covariance v_j(t,f)·R_j(f), v_j a power spectral density and R_j a spatial covariance matrix
// (its stereo image); the mixture's covariance is their sum, and each source is its posterior mean given the mixture.
import { DemixError } from '../errors.js';
import type { Spectrogram } from './spectrogram.js';

export interface WienerOptions {
  eps?: number; // regularisation relative to the mixture's scale (default float32 epsilon, 1.19e-7, as norbert)
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
  const out: Spectrogram[] = estimates.map(() => ({
    nFrames: mix.nFrames,
    nBins: mix.nBins,
    re: Array.from({ length: nCh }, () => new Float32Array(size)),
    im: Array.from({ length: nCh }, () => new Float32Array(size)),
  }));
  softMasks(mix, estimates, out);
  if (iterations === 0) return out;
  // norbert works on the mixture divided by max(1, max|x| / 10); the same eps in the original units:
  let peak = 0;
  for (let c = 0; c < nCh; c++) for (let i = 0; i < size; i++) peak = Math.max(peak, mix.re[c][i] * mix.re[c][i] + mix.im[c][i] * mix.im[c][i]);
  const scale2 = Math.max(1, Math.sqrt(peak) / 10) ** 2;
  const eps = opts.eps ?? FLOAT32_EPS;
  for (let it = 0; it < iterations; it++) {
    const cov = spatialCovariances(out, eps * scale2);
    if (nCh === 2) filterStereo(mix, out, cov, Math.sqrt(eps) * scale2, eps * scale2 * scale2);
    else filterMono(mix, out, cov, Math.sqrt(eps) * scale2);
  }
  return out;
}

/** y_j = (v_j / Σ_k v_k)·x per channel and bin, x/J where every estimate is 0. */
function softMasks(mix: Spectrogram, estimates: Float32Array[][], out: Spectrogram[]): void {
  const nSrc = estimates.length;
  const size = mix.nFrames * mix.nBins;
  for (let c = 0; c < mix.re.length; c++) {
    const xr = mix.re[c];
    const xi = mix.im[c];
    for (let i = 0; i < size; i++) {
      let total = 0;
      for (let j = 0; j < nSrc; j++) total += estimates[j][c][i];
      const inv = total > 0 ? 1 / total : 0;
      for (let j = 0; j < nSrc; j++) {
        const m = total > 0 ? estimates[j][c][i] * inv : 1 / nSrc;
        out[j].re[c][i] = m * xr[i];
        out[j].im[c][i] = m * xi[i];
      }
    }
  }
}

/**
 * R_j(f) = Σ_t y_j y_jᴴ / (eps + Σ_t v_j), v_j = mean over channels of |y_j|². Returns, per source, (nBins * 4)
 * float64 [R00, R11, Re R01, Im R01] (mono: R00 only).
 */
function spatialCovariances(y: Spectrogram[], eps: number): Float64Array[] {
  const { nFrames, nBins } = y[0];
  const nCh = y[0].re.length;
  return y.map((s) => {
    const r = new Float64Array(nBins * 4);
    const vSum = new Float64Array(nBins);
    const [r0, r1] = s.re;
    const [i0, i1] = s.im;
    for (let t = 0; t < nFrames; t++) {
      const o = t * nBins;
      for (let f = 0; f < nBins; f++) {
        const a = o + f;
        const p0 = r0[a] * r0[a] + i0[a] * i0[a];
        if (nCh === 1) {
          r[4 * f] += p0;
          vSum[f] += p0;
          continue;
        }
        const p1 = r1[a] * r1[a] + i1[a] * i1[a];
        r[4 * f] += p0;
        r[4 * f + 1] += p1;
        r[4 * f + 2] += r0[a] * r1[a] + i0[a] * i1[a]; // y0 · conj(y1)
        r[4 * f + 3] += i0[a] * r1[a] - r0[a] * i1[a];
        vSum[f] += (p0 + p1) / 2;
      }
    }
    for (let f = 0; f < nBins; f++) {
      const k = 1 / (eps + vSum[f]);
      for (let q = 0; q < 4; q++) r[4 * f + q] *= k;
    }
    return r;
  });
}

/**
 * One EM step for stereo, bin by bin: v_j from the current y_j, Cxx = Σ_j v_j R_j + reg·I,
 * y_j ← v_j R_j Cxx⁻¹ x, then the residual x − Σ_j y_j is shared out in proportion to v_j.
 */
function filterStereo(mix: Spectrogram, y: Spectrogram[], cov: Float64Array[], reg: number, detEps: number): void {
  const { nFrames, nBins } = mix;
  const nSrc = y.length;
  const v = new Float64Array(nSrc);
  const [xr0, xr1] = mix.re;
  const [xi0, xi1] = mix.im;
  for (let t = 0; t < nFrames; t++) {
    const o = t * nBins;
    for (let f = 0; f < nBins; f++) {
      const a = o + f;
      let c00 = reg;
      let c11 = reg;
      let c01r = 0;
      let c01i = 0;
      let vTotal = 0;
      for (let j = 0; j < nSrc; j++) {
        const s = y[j];
        const vj = (s.re[0][a] * s.re[0][a] + s.im[0][a] * s.im[0][a] + s.re[1][a] * s.re[1][a] + s.im[1][a] * s.im[1][a]) / 2;
        v[j] = vj;
        vTotal += vj;
        const R = cov[j];
        c00 += vj * R[4 * f];
        c11 += vj * R[4 * f + 1];
        c01r += vj * R[4 * f + 2];
        c01i += vj * R[4 * f + 3];
      }
      // z = Cxx⁻¹ x, with Cxx = [[c00, c01], [conj c01, c11]] Hermitian.
      const invDet = 1 / (detEps + c00 * c11 - (c01r * c01r + c01i * c01i));
      const x0r = xr0[a];
      const x0i = xi0[a];
      const x1r = xr1[a];
      const x1i = xi1[a];
      const z0r = (c11 * x0r - (c01r * x1r - c01i * x1i)) * invDet;
      const z0i = (c11 * x0i - (c01r * x1i + c01i * x1r)) * invDet;
      const z1r = (c00 * x1r - (c01r * x0r + c01i * x0i)) * invDet;
      const z1i = (c00 * x1i - (c01r * x0i - c01i * x0r)) * invDet;
      let e0r = x0r;
      let e0i = x0i;
      let e1r = x1r;
      let e1i = x1i;
      for (let j = 0; j < nSrc; j++) {
        // y_j = v_j R_j z, R_j = [[r00, r01], [conj r01, r11]].
        const R = cov[j];
        const vj = v[j];
        const r00 = R[4 * f];
        const r11 = R[4 * f + 1];
        const r01r = R[4 * f + 2];
        const r01i = R[4 * f + 3];
        const y0r = vj * (r00 * z0r + r01r * z1r - r01i * z1i);
        const y0i = vj * (r00 * z0i + r01r * z1i + r01i * z1r);
        const y1r = vj * (r01r * z0r + r01i * z0i + r11 * z1r);
        const y1i = vj * (r01r * z0i - r01i * z0r + r11 * z1i);
        const s = y[j];
        s.re[0][a] = y0r;
        s.im[0][a] = y0i;
        s.re[1][a] = y1r;
        s.im[1][a] = y1i;
        e0r -= y0r;
        e0i -= y0i;
        e1r -= y1r;
        e1i -= y1i;
      }
      shareResidual(y, a, 0, e0r, e0i, v, vTotal);
      shareResidual(y, a, 1, e1r, e1i, v, vTotal);
    }
  }
}

/** Mono EM step: y_j ← v_j R_j / (Σ_k v_k R_k + reg) · x, residual shared out by v_j. */
function filterMono(mix: Spectrogram, y: Spectrogram[], cov: Float64Array[], reg: number): void {
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
        v[j] = y[j].re[0][a] * y[j].re[0][a] + y[j].im[0][a] * y[j].im[0][a];
        vTotal += v[j];
        cxx += v[j] * cov[j][4 * f];
      }
      let er = xr[a];
      let ei = xi[a];
      for (let j = 0; j < nSrc; j++) {
        const g = (v[j] * cov[j][4 * f]) / cxx;
        y[j].re[0][a] = g * xr[a];
        y[j].im[0][a] = g * xi[a];
        er -= g * xr[a];
        ei -= g * xi[a];
      }
      shareResidual(y, a, 0, er, ei, v, vTotal);
    }
  }
}

/** Adds the residual (er, ei) of channel c at index a to the sources, in proportion to v (equally if all are 0). */
function shareResidual(y: Spectrogram[], a: number, c: number, er: number, ei: number, v: Float64Array, vTotal: number): void {
  const n = y.length;
  for (let j = 0; j < n; j++) {
    const w = vTotal > 0 ? v[j] / vTotal : 1 / n;
    y[j].re[c][a] += w * er;
    y[j].im[c][a] += w * ei;
  }
}
