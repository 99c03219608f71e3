// Solver for symmetric positive definite block Toeplitz systems (BSS Eval's distortion-filter normal
// equations): block Levinson recursion, then iterative refinement with exact FFT-based residuals,
// which recovers the accuracy of a dense LU solve on the ill-conditioned Gram matrices of music.
import { DemixError } from '../errors.js';
import { RealFft64, nextPow2 } from './fft64.js';

const MAX_REFINEMENTS = 8;
const CONVERGED = 1e-12; // stop when the correction's energy is this small relative to the solution's
/** Diagonal loadings (in whitened units: relative to the channel energy) tried in turn when the refinement fails. */
const RIDGES = [0, 1e-14, 1e-12, 1e-10, 1e-8, 1e-6];
/** Whitened channels with less than this share of the strongest one's energy are exact dependences: dropped. */
const WHITEN_FLOOR = 1e-13;

export interface ToeplitzSolution {
  x: Float64Array; // [L][M][R]
  ridge: number; // diagonal loading (whitened units) that made the solve converge; 0 = none
}

/**
 * Solves (T + eps I) x = d where T has L x L blocks of size M x M, T[a][b] = gamma(a - b),
 * gamma(-k) = gamma(k)^T. gamma [L][M][M] row-major; d [L][M][R] (R right-hand sides).
 * The system is solved in lag-0-whitened coordinates (channels rotated and scaled so that gamma(0) = I;
 * the least-squares fit, hence every projection, is the same in any basis). That removes the
 * ill-conditioning of nearly dual-mono or panned-mono channels, which the Levinson recursion cannot
 * afford; channel combinations with less than WHITEN_FLOOR of the energy (exact dependences) are dropped.
 * If the refinement still cannot converge, the smallest diagonal loading from RIDGES that lets it is
 * added instead, and reported.
 */
export function solveBlockToeplitz(
  gamma: Float64Array,
  M: number,
  L: number,
  d: Float64Array,
  R: number,
  eps: number,
): ToeplitzSolution {
  const { vectors, values } = symmetricEigen(gamma.subarray(0, M * M), M);
  const top = Math.max(...values);
  const keep = values.flatMap((v, i) => (v > WHITEN_FLOOR * top ? [i] : []));
  const K = keep.length;
  const w = new Float64Array(M * K); // [M][K]: channel m -> whitened channel b
  for (const [b, i] of keep.entries()) {
    const scale = 1 / Math.sqrt(values[i]);
    for (let m = 0; m < M; m++) w[m * K + b] = vectors[m * M + i] * scale;
  }
  // gamma'(k) = W^T gamma(k) W ; d'(a) = W^T d(a)
  const g = new Float64Array(L * K * K);
  const dw = new Float64Array(L * K * R);
  const gw = new Float64Array(M * K);
  for (let k = 0; k < L; k++) {
    gw.fill(0);
    for (let m = 0; m < M; m++) {
      for (let q = 0; q < M; q++) {
        const v = gamma[k * M * M + m * M + q];
        for (let b = 0; b < K; b++) gw[m * K + b] += v * w[q * K + b];
      }
    }
    for (let a = 0; a < K; a++) {
      for (let b = 0; b < K; b++) {
        let acc = 0;
        for (let m = 0; m < M; m++) acc += w[m * K + a] * gw[m * K + b];
        g[k * K * K + a * K + b] = acc;
      }
      for (let s = 0; s < R; s++) {
        let acc = 0;
        for (let m = 0; m < M; m++) acc += w[m * K + a] * d[(k * M + m) * R + s];
        dw[(k * K + a) * R + s] = acc;
      }
    }
  }
  const loaded = Float64Array.from(g);
  for (const ridge of RIDGES) {
    const load = Math.max(eps, ridge);
    for (let b = 0; b < K; b++) loaded[b * K + b] = g[b * K + b] + load;
    const xw = refinedSolve(loaded, K, L, dw, R);
    if (!xw) continue;
    // back to the original channels: x(a) = W x'(a)
    const x = new Float64Array(L * M * R);
    for (let k = 0; k < L; k++) gemmRect(w, xw, k * K * R, x, k * M * R, M, K, R);
    return { x, ridge };
  }
  throw new DemixError('EVAL_NUMERIC', 'BSS Eval: the distortion-filter solve did not converge even with diagonal loading');
}

/** out[oo..] = A B for A [M][K] (whole array a) and B [K][R] at b[bo..]. */
function gemmRect(a: Float64Array, b: Float64Array, bo: number, out: Float64Array, oo: number, M: number, K: number, R: number): void {
  for (let m = 0; m < M; m++) {
    for (let s = 0; s < R; s++) {
      let acc = 0;
      for (let k = 0; k < K; k++) acc += a[m * K + k] * b[bo + k * R + s];
      out[oo + m * R + s] = acc;
    }
  }
}

/** Eigen-decomposition of the symmetric M x M matrix a (cyclic Jacobi): vectors [M][M] column i for values[i]. */
function symmetricEigen(a: Float64Array, M: number): { vectors: Float64Array; values: number[] } {
  const s = Float64Array.from(a);
  const v = new Float64Array(M * M);
  for (let i = 0; i < M; i++) v[i * M + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    let diag = 0;
    for (let p = 0; p < M; p++) {
      diag += s[p * M + p] * s[p * M + p];
      for (let q = p + 1; q < M; q++) off += s[p * M + q] * s[p * M + q];
    }
    if (off <= 1e-30 * diag) break;
    for (let p = 0; p < M; p++) {
      for (let q = p + 1; q < M; q++) {
        const apq = s[p * M + q];
        if (apq === 0) continue;
        const theta = (s[q * M + q] - s[p * M + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const sn = t * c;
        for (let k = 0; k < M; k++) {
          // rotate columns p, q of s, then rows p, q; accumulate the rotation in v
          const skp = s[k * M + p];
          const skq = s[k * M + q];
          s[k * M + p] = c * skp - sn * skq;
          s[k * M + q] = sn * skp + c * skq;
        }
        for (let k = 0; k < M; k++) {
          const spk = s[p * M + k];
          const sqk = s[q * M + k];
          s[p * M + k] = c * spk - sn * sqk;
          s[q * M + k] = sn * spk + c * sqk;
        }
        for (let k = 0; k < M; k++) {
          const vkp = v[k * M + p];
          const vkq = v[k * M + q];
          v[k * M + p] = c * vkp - sn * vkq;
          v[k * M + q] = sn * vkp + c * vkq;
        }
      }
    }
  }
  return { vectors: v, values: Array.from({ length: M }, (_, i) => s[i * M + i]) };
}

/** Levinson solve plus iterative refinement; undefined when the refinement diverges or stalls. */
function refinedSolve(gamma: Float64Array, M: number, L: number, d: Float64Array, R: number): Float64Array | undefined {
  const levinson = new BlockLevinson(gamma, M, L);
  const product = new BlockConvolution(gamma, false, gamma, true, M, L, R);
  const x = levinson.solve(d, R);
  const tx = new Float64Array(d.length);
  const residual = new Float64Array(d.length);
  let previous = Infinity;
  for (let it = 0; it < MAX_REFINEMENTS; it++) {
    product.apply(x, tx);
    for (let i = 0; i < d.length; i++) residual[i] = d[i] - tx[i];
    const dx = levinson.solve(residual, R);
    // Energy of the correction in the T-norm (dx' T dx ~ dx' r) against the solution's (x' d), per column.
    let worst = 0;
    for (let s = 0; s < R; s++) {
      let corr = 0;
      let sol = 0;
      for (let i = s; i < d.length; i += R) {
        corr += dx[i] * residual[i];
        sol += x[i] * d[i];
      }
      worst = Math.max(worst, Math.abs(corr) / Math.max(Math.abs(sol), Number.MIN_VALUE));
    }
    if (!Number.isFinite(worst) || worst >= previous) return undefined;
    for (let i = 0; i < x.length; i++) x[i] += dx[i];
    if (worst < CONVERGED) return x;
    previous = worst;
  }
  return undefined;
}

/**
 * out[co + r*R + s] += alpha * sum_{i < count} sum_{c < M} A_i[r][c] B_i[c][s] for r < rows, s < R, where
 * A_i has rows of M entries at a[ao + i*aStep] (row-major; transA: A_i[r][c] = a[ao + i*aStep + c*M + r])
 * and B_i is M x R at b[bo + i*bStep]. One kernel serves both block-sequence dot products (count > 1)
 * and tall products (rows > M); four output columns are kept in locals.
 */
function blockDot(
  a: Float64Array,
  ao: number,
  aStep: number,
  transA: boolean,
  b: Float64Array,
  bo: number,
  bStep: number,
  count: number,
  out: Float64Array,
  co: number,
  rows: number,
  M: number,
  R: number,
  alpha: number,
): void {
  const cs = transA ? M : 1;
  const R4 = R - (R % 4);
  for (let r = 0; r < rows; r++) {
    const arow = ao + (transA ? r : r * M);
    const orow = co + r * R;
    for (let s = 0; s < R4; s += 4) {
      let acc0 = 0;
      let acc1 = 0;
      let acc2 = 0;
      let acc3 = 0;
      for (let i = 0; i < count; i++) {
        const ai = arow + i * aStep;
        let bi = bo + i * bStep + s;
        for (let c = 0; c < M; c++, bi += R) {
          const v = a[ai + c * cs];
          acc0 += v * b[bi];
          acc1 += v * b[bi + 1];
          acc2 += v * b[bi + 2];
          acc3 += v * b[bi + 3];
        }
      }
      out[orow + s] += alpha * acc0;
      out[orow + s + 1] += alpha * acc1;
      out[orow + s + 2] += alpha * acc2;
      out[orow + s + 3] += alpha * acc3;
    }
    for (let s = R4; s < R; s++) {
      let acc = 0;
      for (let i = 0; i < count; i++) {
        const ai = arow + i * aStep;
        const bi = bo + i * bStep + s;
        for (let c = 0; c < M; c++) acc += a[ai + c * cs] * b[bi + c * R];
      }
      out[orow + s] += alpha * acc;
    }
  }
}

/** out[co..] += alpha * A B for one M x M matrix A at a[ao..] and M x R matrix B at b[bo..]. */
function gemmAcc(a: Float64Array, ao: number, b: Float64Array, bo: number, out: Float64Array, co: number, M: number, R: number, alpha: number): void {
  blockDot(a, ao, 0, false, b, bo, 0, 1, out, co, M, M, R, alpha);
}

/**
 * Block Levinson (Whittle) recursion with monic forward and backward predictors, O(L^2 M^3). Keeps the
 * backward predictor and the inverse of its error covariance for every order n (L^2/2 blocks of M x M):
 * the last block column of T_n^{-1} is Bk_n Vb_n^{-1}, so each right-hand side afterwards costs
 * O(L^2 M^2 R) and no re-factoring.
 */
export class BlockLevinson {
  private readonly backward: Float64Array; // orders 1..L, order n at offset n(n-1)/2 * M*M: [n][M][M], monic last block
  private readonly vbInv: Float64Array; // [L][M][M]: inverse backward error covariance of each order

  constructor(
    private readonly gamma: Float64Array,
    private readonly M: number,
    private readonly L: number,
  ) {
    const MM = M * M;
    const back = new Float64Array(((L * (L + 1)) / 2) * MM);
    this.backward = back;
    this.vbInv = new Float64Array(L * MM);
    let f = new Float64Array(L * MM); // forward predictor, f_0 = I
    let nf = new Float64Array(L * MM);
    for (let i = 0; i < M; i++) {
      f[i * M + i] = 1;
      back[i * M + i] = 1;
    }
    const vf = Float64Array.from(gamma.subarray(0, MM)); // forward error covariance
    const vb = Float64Array.from(gamma.subarray(0, MM)); // backward error covariance
    let vfInv = invert(vf, M);
    this.vbInv.set(vfInv, 0);
    const df = new Float64Array(MM);
    const db = new Float64Array(MM);
    const kf = new Float64Array(MM);
    const kb = new Float64Array(MM);
    for (let n = 1; n < L; n++) {
      const bo = ((n * (n - 1)) / 2) * MM; // order n backward predictor
      const no = bo + n * MM; // order n + 1
      // df = sum_i gamma(n - i) f_i ; db = sum_i gamma(i + 1)^T b_i: what each predictor leaves at the new lag
      df.fill(0);
      db.fill(0);
      blockDot(gamma, n * MM, -MM, false, f, 0, MM, n, df, 0, M, M, M, 1);
      blockDot(gamma, MM, MM, true, back, bo, MM, n, db, 0, M, M, M, 1);
      // reflection coefficients kf = -vb^-1 df, kb = -vf^-1 db
      kf.fill(0);
      gemmAcc(this.vbInv, (n - 1) * MM, df, 0, kf, 0, M, M, -1);
      kb.fill(0);
      gemmAcc(vfInv, 0, db, 0, kb, 0, M, M, -1);
      // f' = [f; 0] + [0; b] kf ; b' = [0; b] + [f; 0] kb
      nf.set(f.subarray(0, n * MM));
      nf.fill(0, n * MM, (n + 1) * MM);
      blockDot(back, bo, 0, false, kf, 0, 0, 1, nf, MM, n * M, M, M, 1);
      back.copyWithin(no + MM, bo, bo + n * MM);
      blockDot(f, 0, 0, false, kb, 0, 0, 1, back, no, n * M, M, M, 1);
      // vf' = vf + db kf ; vb' = vb + df kb
      gemmAcc(db, 0, kf, 0, vf, 0, M, M, 1);
      gemmAcc(df, 0, kb, 0, vb, 0, M, M, 1);
      vfInv = invert(vf, M);
      this.vbInv.set(invert(vb, M), n * MM);
      [f, nf] = [nf, f];
    }
  }

  /** x [L][M][R] with T x = d, d [L][M][R]. */
  solve(d: Float64Array, R: number): Float64Array {
    const { gamma, M, L, backward, vbInv } = this;
    const MM = M * M;
    const MR = M * R;
    const x = new Float64Array(L * MR);
    gemmAcc(vbInv, 0, d, 0, x, 0, M, R, 1);
    const ex = new Float64Array(MR);
    const y = new Float64Array(MR);
    for (let n = 1; n < L; n++) {
      // ex = sum_i gamma(n - i) x_i - d_n ; then x_i -= b_i vb^-1 ex over the order n + 1 backward predictor
      for (let i = 0; i < MR; i++) ex[i] = -d[n * MR + i];
      blockDot(gamma, n * MM, -MM, false, x, 0, MR, n, ex, 0, M, M, R, 1);
      y.fill(0);
      gemmAcc(vbInv, n * MM, ex, 0, y, 0, M, R, 1);
      const bo = ((n * (n + 1)) / 2) * MM;
      blockDot(backward, bo, 0, false, y, 0, 0, 1, x, 0, (n + 1) * M, M, R, -1);
    }
    return x;
  }
}

/**
 * Product with a block Toeplitz matrix whose block on diagonal a - b = k is t(k): t(k) = causal[k] for
 * k >= 0 (k < causal blocks), t(-k) = anti[k] for k >= 1 (k < anti blocks), each optionally transposed,
 * zero elsewhere. causal, anti: [blocks][M][M]. Applied by FFT: each (row, column) entry is a convolution.
 */
export class BlockConvolution {
  private readonly fft: RealFft64;
  private readonly bins: number;
  private readonly tRe: Float64Array[]; // [M*M] spectra of the entry sequences
  private readonly tIm: Float64Array[];

  constructor(
    causal: Float64Array,
    causalT: boolean,
    anti: Float64Array,
    antiT: boolean,
    private readonly M: number,
    private readonly L: number,
    private readonly R: number,
  ) {
    const N = nextPow2(2 * L);
    const MM = M * M;
    this.fft = new RealFft64(N);
    this.bins = N / 2 + 1;
    this.tRe = [];
    this.tIm = [];
    const seq = new Float64Array(N);
    const nc = Math.min(L, causal.length / MM);
    const na = Math.min(L, anti.length / MM);
    for (let r = 0; r < M; r++) {
      for (let c = 0; c < M; c++) {
        seq.fill(0);
        const ci = causalT ? c * M + r : r * M + c;
        const ai = antiT ? c * M + r : r * M + c;
        for (let k = 0; k < nc; k++) seq[k] = causal[k * MM + ci];
        for (let k = 1; k < na; k++) seq[N - k] = anti[k * MM + ai];
        const re = new Float64Array(this.bins);
        const im = new Float64Array(this.bins);
        this.fft.forward(seq, re, im);
        this.tRe.push(re);
        this.tIm.push(im);
      }
    }
  }

  /** out [L][M][R] = (this matrix) x, x [L][M][R]. */
  apply(x: Float64Array, out: Float64Array): void {
    const { fft, bins, M, L, R } = this;
    const seq = new Float64Array(fft.n);
    const xRe = Array.from({ length: M }, () => new Float64Array(bins));
    const xIm = Array.from({ length: M }, () => new Float64Array(bins));
    const accRe = new Float64Array(bins);
    const accIm = new Float64Array(bins);
    for (let s = 0; s < R; s++) {
      for (let c = 0; c < M; c++) {
        for (let b = 0; b < L; b++) seq[b] = x[(b * M + c) * R + s];
        seq.fill(0, L);
        fft.forward(seq, xRe[c], xIm[c]);
      }
      for (let r = 0; r < M; r++) {
        accRe.fill(0);
        accIm.fill(0);
        for (let c = 0; c < M; c++) {
          const tr = this.tRe[r * M + c];
          const ti = this.tIm[r * M + c];
          const ar = xRe[c];
          const ai = xIm[c];
          for (let k = 0; k < bins; k++) {
            accRe[k] += tr[k] * ar[k] - ti[k] * ai[k];
            accIm[k] += tr[k] * ai[k] + ti[k] * ar[k];
          }
        }
        fft.inverse(accRe, accIm, seq);
        for (let a = 0; a < L; a++) out[(a * M + r) * R + s] = seq[a];
      }
    }
  }
}

/** Inverse of the M x M matrix a (Gauss-Jordan with partial pivoting); a singular pivot yields 0 there. */
function invert(a: Float64Array, M: number): Float64Array {
  const w = Float64Array.from(a);
  const inv = new Float64Array(M * M);
  for (let i = 0; i < M; i++) inv[i * M + i] = 1;
  for (let col = 0; col < M; col++) {
    let piv = col;
    for (let r = col + 1; r < M; r++) if (Math.abs(w[r * M + col]) > Math.abs(w[piv * M + col])) piv = r;
    if (piv !== col) {
      for (let c = 0; c < M; c++) {
        [w[col * M + c], w[piv * M + c]] = [w[piv * M + c], w[col * M + c]];
        [inv[col * M + c], inv[piv * M + c]] = [inv[piv * M + c], inv[col * M + c]];
      }
    }
    const p = w[col * M + col];
    const scale = p === 0 ? 0 : 1 / p;
    for (let c = 0; c < M; c++) {
      w[col * M + c] *= scale;
      inv[col * M + c] *= scale;
    }
    for (let r = 0; r < M; r++) {
      if (r === col) continue;
      const f = w[r * M + col];
      if (f === 0) continue;
      for (let c = 0; c < M; c++) {
        w[r * M + c] -= f * w[col * M + c];
        inv[r * M + c] -= f * inv[col * M + c];
      }
    }
  }
  return inv;
}
