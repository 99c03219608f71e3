// BSS Eval v4 (SDR, ISR, SIR, SAR) computed as museval does in its MUSDB18 mode: the "images"
// decomposition with distortion filters fitted once over the whole track, then scored frame by frame.
//
// Per source j with true image s_j (all channels), estimate e_j:
//   P_j   = least-squares fit of e_j from delayed copies (0..L-1 samples) of s_j's channels,
//   P_all = the same fit from delayed copies of every reference source's channels,
// both fitted over the whole track, then in each frame the filters are applied to the frame's references
// alone (zero before the frame, with the L-1 sample tail after it) and
//   SDR = 10 log10(|s|^2 / |e - s|^2), ISR = 10 log10(|s|^2 / |P_j - s|^2),
//   SIR = 10 log10(|P_j|^2 / |P_all - P_j|^2), SAR = 10 log10(|P_all|^2 / |e - P_all|^2).
// A frame in which any reference or any estimate is silent (every sample's channel sum is 0) is NaN for all.
//
// Numerics: float64 throughout. Correlations come from block-wise FFTs accumulated in the frequency
// domain; the (sources*channels*L)^2 Gram matrix is block Toeplitz, solved in lag-0-whitened channel
// coordinates by block Levinson recursion plus iterative refinement (toeplitz.ts); frame energies are
// read off frame spectra (Parseval). Exact duplicate or all-zero reference channels are left out of the
// solves (they change no projection). Parity with museval: see test/eval/bsseval.test.ts.
import { DemixError } from '../errors.js';
import { RealFft64, nextPow2 } from './fft64.js';
import { solveBlockToeplitz } from './toeplitz.js';

/** Samples of one channel; float32 audio is used exactly as float64. */
export type Samples = Float32Array | Float64Array;

export interface BssEvalOptions {
  window?: number; // samples per frame (default 44100); >= the length means one frame over everything; <= ~2^19
  hop?: number; // samples between frame starts (default 44100)
  filterLength?: number; // taps of the distortion filters (default 512)
  names?: string[]; // source names for error messages (default "source <j>")
}

/** Per-frame scores in dB, [source][frame]; NaN where the frame was silent, +-Infinity where a ratio is. */
export interface BssEvalScores {
  sdr: Float64Array[];
  isr: Float64Array[];
  sir: Float64Array[];
  sar: Float64Array[];
  /**
   * 0 normally. When the references' whitened correlation matrix is still numerically singular (e.g. a
   * channel that is an exact filtered copy of another), museval's own solve is numerically undefined;
   * demix then adds the smallest diagonal loading, relative to the channel energy, that lets its solve
   * converge (1e-14 .. 1e-6) and reports it here. (On the 94 MUSDB previews: one clip, 1e-14.)
   */
  ridge: number;
}

const EPS = 2.220446049250313e-16; // float64 machine epsilon, museval's ridge on the Gram matrix
/** Largest frame transform (samples): frame spectra and every filter's spectrum are held at this size. */
const MAX_FRAME_FFT = 1 << 19;

/**
 * BSS Eval v4 images scores of `estimates` against `references`, both [source][channel][samples].
 * Estimates are zero-padded or truncated to the reference length (as museval's evaluate does).
 * Throws DemixError when shapes disagree or a whole reference or estimate source is silent.
 */
export function bssEval(references: Samples[][], estimates: Samples[][], options: BssEvalOptions = {}): BssEvalScores {
  const window = options.window ?? 44100;
  const hop = options.hop ?? 44100;
  const L = options.filterLength ?? 512;
  const nsrc = references.length;
  if (nsrc === 0) throw new DemixError('EVAL_SHAPE', 'bss_eval: no reference sources');
  if (estimates.length !== nsrc) {
    throw new DemixError('EVAL_SHAPE', `bss_eval: ${estimates.length} estimates for ${nsrc} reference sources`);
  }
  const nchan = references[0].length;
  const nsampl = references[0][0]?.length ?? 0;
  for (let j = 0; j < nsrc; j++) {
    if (references[j].length !== nchan || estimates[j].length !== nchan) {
      throw new DemixError(
        'EVAL_CHANNELS',
        `bss_eval: source ${j} has ${references[j].length} reference and ${estimates[j].length} estimate channels, expected ${nchan}`,
      );
    }
    if (references[j].some((ch) => ch.length !== nsampl)) {
      throw new DemixError('EVAL_SHAPE', `bss_eval: reference sources differ in length`);
    }
    if (estimates[j].some((ch) => ch.length !== estimates[j][0].length)) {
      throw new DemixError('EVAL_SHAPE', `bss_eval: estimate ${j} has channels of different lengths`);
    }
  }
  if (nchan === 0 || nsampl === 0) throw new DemixError('EVAL_SHAPE', 'bss_eval: references hold no samples');
  for (let j = 0; j < nsrc; j++) {
    const name = options.names?.[j] ?? `source ${j}`;
    if (isSilent(references[j], 0, nsampl)) {
      throw new DemixError('SILENT_REFERENCE', `reference ${name} is silent; BSS Eval (as museval) cannot score it`);
    }
    if (isSilent(estimates[j], 0, nsampl)) {
      throw new DemixError('SILENT_ESTIMATE', `estimate ${name} is silent; BSS Eval (as museval) cannot score it`);
    }
  }

  const M = nsrc * nchan;
  const refs = references.flat(); // [M] channel m = j * nchan + c
  const ests = estimates.flat(); // [M]
  // Reference channels spanning the filter subspace: a channel identical to an earlier one (dual-mono
  // stems) or all-zero adds no direction, only an exact singularity, so it is left out of the solves.
  const { basis, representative } = spanningChannels(refs, nsampl);
  const B = basis.length;
  const { gamma, cross } = correlations(basis.map((m) => refs[m]), ests, nsampl, L);
  // Filters onto all sources: [L][B][M] (delay, basis channel, estimate channel).
  const solved = solveBlockToeplitz(gamma, B, L, cross, M, EPS);
  let ridge = solved.ridge;
  // Filters onto each source alone: [nsrc] of [L][own basis channels][nchan].
  const ownFilters: { rows: number[]; filters: Float64Array }[] = [];
  for (let j = 0; j < nsrc; j++) {
    const own = Array.from({ length: nchan }, (_, c) => representative[j * nchan + c]);
    const rows = [...new Set(own.filter((q) => q >= 0))];
    const cols = Array.from({ length: nchan }, (_, c) => j * nchan + c);
    const g = subBlocks(gamma, B, B, L, rows, rows);
    const solvedOwn = solveBlockToeplitz(g, rows.length, L, subBlocks(cross, B, M, L, rows, cols), nchan, EPS);
    ownFilters.push({ rows, filters: solvedOwn.x });
    ridge = Math.max(ridge, solvedOwn.ridge);
  }

  const nwin = window < nsampl ? Math.floor((nsampl - window + hop) / hop) : 1;
  const frameLen = Math.min(window, nsampl);
  if (frameLen + L - 1 > MAX_FRAME_FFT) {
    throw new DemixError('EVAL_WINDOW', `bss_eval: frames of ${frameLen} samples are too long (at most ${MAX_FRAME_FFT - L + 1})`);
  }
  const frames = scoreFrames(refs, ests, nsrc, nchan, nsampl, nwin, frameLen, hop, L, basis, solved.x, ownFilters);
  return { ...frames, ridge };
}

/**
 * The channels that are neither all-zero nor an exact copy of an earlier channel (basis), and for each
 * channel the index in `basis` of the identical signal (-1 for an all-zero channel).
 */
function spanningChannels(channels: Samples[], nsampl: number): { basis: number[]; representative: number[] } {
  const basis: number[] = [];
  const representative: number[] = [];
  const same = (x: Samples, y: Samples) => {
    for (let n = 0; n < nsampl; n++) if (x[n] !== y[n]) return false;
    return true;
  };
  for (const x of channels) {
    let zero = true;
    for (let n = 0; n < nsampl && zero; n++) if (x[n] !== 0) zero = false;
    const q = zero ? -1 : basis.findIndex((k) => same(x, channels[k]));
    if (!zero && q < 0) basis.push(representative.length);
    representative.push(zero ? -1 : q < 0 ? basis.length - 1 : q);
  }
  return { basis, representative };
}

/** museval's silence test over samples [from, to): every sample's sum over channels is exactly 0. */
function isSilent(channels: Samples[], from: number, to: number): boolean {
  for (let n = from; n < to; n++) {
    let sum = 0;
    for (const ch of channels) sum += n < ch.length ? ch[n] : 0;
    if (sum !== 0) return false;
  }
  return true;
}

/** Copies src[from, from + dst.length) into dst, zero outside [0, min(src.length, end)). */
function copyWindow(dst: Float64Array, src: Samples, from: number, end: number): void {
  const stop = Math.min(src.length, end);
  for (let i = 0; i < dst.length; i++) {
    const n = from + i;
    dst[i] = n >= 0 && n < stop ? src[n] : 0;
  }
}

/**
 * Lagged inner products over the whole signals (zero outside [0, nsampl)):
 * gamma [L][M][M]: gamma[k][m][q] = sum_n ref_m[n] ref_q[n + k] (M references);
 * cross [L][M][E]: cross[a][m][e] = sum_n ref_m[n] est_e[n + a] (E estimate channels).
 * Block-wise: each block of ref_m is correlated with the matching span of the other signal widened by
 * L-1 samples on both sides; cross-spectra are summed over blocks and inverted once per pair.
 */
function correlations(refs: Samples[], ests: Samples[], nsampl: number, L: number) {
  const M = refs.length;
  const E = ests.length;
  const N = nextPow2(Math.max(8192, 4 * L));
  const B = N - 2 * (L - 1); // block hop
  const bins = N / 2 + 1;
  const fft = new RealFft64(N);
  const ys = [...refs, ...ests]; // every signal is correlated against the reference blocks
  const xRe = refs.map(() => new Float64Array(bins));
  const xIm = refs.map(() => new Float64Array(bins));
  const yRe = ys.map(() => new Float64Array(bins));
  const yIm = ys.map(() => new Float64Array(bins));
  const npairs = M * M + M * E; // ref x ref (all ordered pairs, only m <= q used) then ref x est
  const accRe = Array.from({ length: npairs }, () => new Float64Array(bins));
  const accIm = Array.from({ length: npairs }, () => new Float64Array(bins));
  const block = new Float64Array(B);
  const span = new Float64Array(N);

  for (let start = 0; start < nsampl; start += B) {
    for (let m = 0; m < M; m++) {
      copyWindow(block, refs[m], start, nsampl);
      fft.forward(block, xRe[m], xIm[m]);
    }
    for (let q = 0; q < ys.length; q++) {
      copyWindow(span, ys[q], start - (L - 1), nsampl);
      fft.forward(span, yRe[q], yIm[q]);
    }
    for (let m = 0; m < M; m++) {
      const ar = xRe[m];
      const ai = xIm[m];
      for (let q = 0; q < ys.length; q++) {
        if (q < M && q < m) continue;
        const p = q < M ? m * M + q : M * M + m * E + (q - M);
        const br = yRe[q];
        const bi = yIm[q];
        const sr = accRe[p];
        const si = accIm[p];
        for (let k = 0; k < bins; k++) {
          // conj(a) * b
          sr[k] += ar[k] * br[k] + ai[k] * bi[k];
          si[k] += ar[k] * bi[k] - ai[k] * br[k];
        }
      }
    }
  }

  const gamma = new Float64Array(L * M * M);
  const cross = new Float64Array(L * M * E);
  const z = new Float64Array(N);
  // z[i] = sum_n x[n] y[n + i - (L - 1)] for the span offset by L-1.
  for (let m = 0; m < M; m++) {
    for (let q = m; q < M; q++) {
      fft.inverse(accRe[m * M + q], accIm[m * M + q], z);
      for (let k = 0; k < L; k++) {
        gamma[k * M * M + m * M + q] = z[L - 1 + k]; // sum ref_m[n] ref_q[n + k]
        gamma[k * M * M + q * M + m] = z[L - 1 - k]; // sum ref_q[n] ref_m[n + k]
      }
    }
    for (let e = 0; e < E; e++) {
      fft.inverse(accRe[M * M + m * E + e], accIm[M * M + m * E + e], z);
      for (let a = 0; a < L; a++) cross[a * M * E + m * E + e] = z[L - 1 + a];
    }
  }
  return { gamma, cross };
}

/** Rows `rows` and columns `cols` of every block of a [L][R][C] block sequence: [L][rows][cols]. */
function subBlocks(blocks: Float64Array, R: number, C: number, L: number, rows: number[], cols: number[]): Float64Array {
  const out = new Float64Array(L * rows.length * cols.length);
  let o = 0;
  for (let k = 0; k < L; k++) {
    for (const r of rows) for (const c of cols) out[o++] = blocks[k * R * C + r * C + c];
  }
  return out;
}

const ENERGIES = 7;

/**
 * Adds, from half spectra of size n/2 + 1 (Parseval, so each is the signal energy), the energies of
 * s (true image), e - s, pj - s, pj, pa - pj, pa, e - pa to out[0..6], with pj / pa the projections
 * on the source alone / on all sources and e the estimate.
 */
function addEnergies(s: Spec, e: Spec, pj: Spec, pa: Spec, n: number, out: Float64Array): void {
  const half = n / 2;
  const acc = [0, 0, 0, 0, 0, 0, 0];
  for (let k = 0; k <= half; k++) {
    const w = k === 0 || k === half ? 1 : 2; // bins 1..half-1 stand for their mirror images too
    const sr = s.re[k];
    const si = s.im[k];
    const er = e.re[k];
    const ei = e.im[k];
    const jr = pj.re[k];
    const ji = pj.im[k];
    const ar = pa.re[k];
    const ai = pa.im[k];
    acc[0] += w * (sr * sr + si * si);
    acc[1] += w * ((er - sr) * (er - sr) + (ei - si) * (ei - si));
    acc[2] += w * ((jr - sr) * (jr - sr) + (ji - si) * (ji - si));
    acc[3] += w * (jr * jr + ji * ji);
    acc[4] += w * ((ar - jr) * (ar - jr) + (ai - ji) * (ai - ji));
    acc[5] += w * (ar * ar + ai * ai);
    acc[6] += w * ((er - ar) * (er - ar) + (ei - ai) * (ei - ai));
  }
  for (let i = 0; i < ENERGIES; i++) out[i] += acc[i] / n;
}

function db(num: number, den: number): number {
  return den === 0 ? Infinity : 10 * Math.log10(num / den);
}

/** Frame-wise decomposition and scores (see the module comment). */
function scoreFrames(
  refs: Samples[],
  ests: Samples[],
  nsrc: number,
  nchan: number,
  nsampl: number,
  nwin: number,
  frameLen: number,
  hop: number,
  L: number,
  basis: number[],
  filtersAll: Float64Array,
  filtersOwn: { rows: number[]; filters: Float64Array }[],
): Omit<BssEvalScores, 'ridge'> {
  const M = nsrc * nchan;
  const B = basis.length;
  const N = nextPow2(frameLen + L - 1);
  const bins = N / 2 + 1;
  const fft = new RealFft64(N);
  const tap = new Float64Array(L);
  const spectrum = (): Spec => ({ re: new Float64Array(bins), im: new Float64Array(bins) });

  // Filter spectra: all[j][q][c] maps basis channel q to output channel c of estimate j; own[j][i][c] the
  // i-th basis channel of source j.
  const all = Array.from({ length: nsrc }, (_, j) =>
    Array.from({ length: B }, (_, q) =>
      Array.from({ length: nchan }, (_, c) => {
        for (let a = 0; a < L; a++) tap[a] = filtersAll[a * B * M + q * M + j * nchan + c];
        const s = spectrum();
        fft.forward(tap, s.re, s.im);
        return s;
      }),
    ),
  );
  const own = filtersOwn.map(({ rows, filters }) =>
    rows.map((_, i) =>
      Array.from({ length: nchan }, (_, c) => {
        for (let a = 0; a < L; a++) tap[a] = filters[a * rows.length * nchan + i * nchan + c];
        const s = spectrum();
        fft.forward(tap, s.re, s.im);
        return s;
      }),
    ),
  );

  const out: Omit<BssEvalScores, 'ridge'> = { sdr: [], isr: [], sir: [], sar: [] };
  for (const k of ['sdr', 'isr', 'sir', 'sar'] as const) {
    for (let j = 0; j < nsrc; j++) out[k].push(new Float64Array(nwin).fill(NaN));
  }
  const frame = new Float64Array(frameLen);
  const X = refs.map(spectrum);
  const E = ests.map(spectrum);
  const pj = spectrum();
  const pa = spectrum();
  const energies = new Float64Array(ENERGIES);

  for (let t = 0; t < nwin; t++) {
    const start = t * hop;
    const stop = Math.min(start + frameLen, nsampl);
    let silent = false;
    for (let j = 0; j < nsrc && !silent; j++) {
      const channels = refs.slice(j * nchan, (j + 1) * nchan);
      const estChannels = ests.slice(j * nchan, (j + 1) * nchan);
      silent = isSilent(channels, start, stop) || isSilent(estChannels, start, stop);
    }
    if (silent) continue;
    for (let m = 0; m < M; m++) {
      copyWindow(frame, refs[m], start, stop);
      fft.forward(frame, X[m].re, X[m].im);
      copyWindow(frame, ests[m], start, stop);
      fft.forward(frame, E[m].re, E[m].im);
    }
    for (let j = 0; j < nsrc; j++) {
      energies.fill(0);
      for (let c = 0; c < nchan; c++) {
        const m = j * nchan + c;
        const rows = filtersOwn[j].rows;
        for (let i = 0; i < rows.length; i++) accumulateProduct(own[j][i][c], X[basis[rows[i]]], pj, bins, i === 0);
        for (let q = 0; q < B; q++) accumulateProduct(all[j][q][c], X[basis[q]], pa, bins, q === 0);
        addEnergies(X[m], E[m], pj, pa, N, energies);
      }
      const [sTrue, eDist, eSpat, sFilt, eInterf, sProj, eArtif] = energies;
      out.sdr[j][t] = db(sTrue, eDist);
      out.isr[j][t] = db(sTrue, eSpat);
      out.sir[j][t] = db(sFilt, eInterf);
      out.sar[j][t] = db(sProj, eArtif);
    }
  }
  return out;
}

/** A half spectrum: re, im [bins]. */
interface Spec {
  re: Float64Array;
  im: Float64Array;
}

/** acc += h * x (acc = h * x when `first`) over `bins` complex bins. */
function accumulateProduct(h: Spec, x: Spec, acc: Spec, bins: number, first: boolean): void {
  const { re: hr, im: hi } = h;
  const { re: xr, im: xi } = x;
  const { re: ar, im: ai } = acc;
  if (first) {
    for (let k = 0; k < bins; k++) {
      ar[k] = hr[k] * xr[k] - hi[k] * xi[k];
      ai[k] = hr[k] * xi[k] + hi[k] * xr[k];
    }
    return;
  }
  for (let k = 0; k < bins; k++) {
    ar[k] += hr[k] * xr[k] - hi[k] * xi[k];
    ai[k] += hr[k] * xi[k] + hi[k] * xr[k];
  }
}
