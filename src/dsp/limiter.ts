// True-peak measurement (4x oversampling) and a look-ahead brick-wall limiter for mixes that must not clip.

/** Convert decibels to a linear amplitude factor. */
export function dbToGain(db: number): number {
  return Math.pow(10, db / 20);
}

/** Convert a linear amplitude factor to decibels (-Infinity for 0). */
export function gainToDb(gain: number): number {
  return 20 * Math.log10(gain);
}

const OVERSAMPLE = 4;
const TAPS_PER_PHASE = 12;

/**
 * Polyphase interpolation filter for 4x oversampling (Blackman-windowed sinc, cut-off at the input's
 * Nyquist): `phases[p][k]` weights input sample `n - k + TAPS_PER_PHASE/2` for the point `n + (p+1)/4`.
 */
const PHASES: Float32Array[] = (() => {
  const len = OVERSAMPLE * TAPS_PER_PHASE;
  const centre = (len - 1) / 2;
  const h = new Float64Array(len);
  for (let i = 0; i < len; i++) {
    const t = (i - centre) / OVERSAMPLE; // input samples
    const sinc = t === 0 ? 1 : Math.sin(Math.PI * t) / (Math.PI * t);
    const w = 0.42 - 0.5 * Math.cos((2 * Math.PI * (i + 0.5)) / len) + 0.08 * Math.cos((4 * Math.PI * (i + 0.5)) / len);
    h[i] = sinc * w;
  }
  const phases: Float32Array[] = [];
  for (let p = 0; p < OVERSAMPLE; p++) {
    const taps = new Float32Array(TAPS_PER_PHASE);
    let sum = 0;
    for (let k = 0; k < TAPS_PER_PHASE; k++) {
      taps[k] = h[k * OVERSAMPLE + p];
      sum += taps[k];
    }
    for (let k = 0; k < TAPS_PER_PHASE; k++) taps[k] /= sum; // unity gain at DC for every phase
    phases.push(taps);
  }
  return phases;
})();

/**
 * True-peak envelope of one channel at sample `i`: max |x| over the sample and the three 4x-oversampled
 * points between it and the next, from samples i-5 .. i+6 (zero outside x). x: (samples), linear.
 */
function envelopeAt(x: Float32Array, i: number): number {
  const n = x.length;
  const half = TAPS_PER_PHASE / 2;
  let peak = Math.abs(x[i]);
  const interior = i >= TAPS_PER_PHASE && i + half < n; // all taps inside: no bounds checks
  for (let p = 0; p < OVERSAMPLE; p++) {
    const taps = PHASES[p];
    let acc = 0;
    if (interior) {
      for (let k = 0, j = i + half; k < TAPS_PER_PHASE; k++, j--) acc += taps[k] * x[j];
    } else {
      for (let k = 0; k < TAPS_PER_PHASE; k++) {
        const j = i - k + half;
        if (j >= 0 && j < n) acc += taps[k] * x[j];
      }
    }
    const a = Math.abs(acc);
    if (a > peak) peak = a;
  }
  return peak;
}

/** Samples before and after `i` that envelopeAt(x, i) reads. */
export const TRUE_PEAK_REACH = { before: TAPS_PER_PHASE / 2 - 1, after: TAPS_PER_PHASE / 2 };

/** Largest true-peak envelope value (see envelopeAt) over samples [from, to) of x. x: (samples), linear. */
export function truePeakIn(x: Float32Array, from: number, to: number): number {
  let peak = 0;
  for (let i = from; i < to; i++) {
    const v = envelopeAt(x, i);
    if (v > peak) peak = v;
  }
  return peak;
}

/** Per-sample true-peak envelope of one channel, max-ed into `out`. x: (samples), out: (samples), linear. */
function truePeakEnvelope(x: Float32Array, out: Float32Array): void {
  for (let i = 0; i < x.length; i++) {
    const peak = envelopeAt(x, i);
    if (peak > out[i]) out[i] = peak;
  }
}

/** True peak (linear, 4x oversampled) over all channels. channels: [ch][samples]. */
export function truePeak(channels: Float32Array[]): number {
  if (channels.length === 0) return 0;
  const env = new Float32Array(channels[0].length);
  for (const ch of channels) truePeakEnvelope(ch, env);
  let peak = 0;
  for (let i = 0; i < env.length; i++) if (env[i] > peak) peak = env[i];
  return peak;
}

/** Sample peak (linear) and the number of samples whose magnitude exceeds 1 (full scale). */
export function samplePeak(channels: Float32Array[]): { peak: number; clipped: number } {
  let peak = 0;
  let clipped = 0;
  for (const ch of channels) {
    for (let i = 0; i < ch.length; i++) {
      const a = Math.abs(ch[i]);
      if (a > peak) peak = a;
      if (a > 1) clipped++;
    }
  }
  return { peak, clipped };
}

export interface LimiterOptions {
  ceilingDb?: number; // dBTP the output's true peak must not exceed (default -1)
  lookaheadMs?: number; // attack / look-ahead time (default 5 ms)
  releaseMs?: number; // time constant of the gain recovery (default 80 ms)
}

export interface LimiterResult {
  channels: Float32Array[]; // [ch][samples], limited
  maxReductionDb: number; // largest gain reduction applied (dB, >= 0)
  truePeakDb: number; // true peak of the output (dBTP)
}

/**
 * Look-ahead true-peak limiter, offline: one gain curve for all channels (stereo image kept), so that
 * the true peak of the output stays at or under the ceiling. channels: [ch][samples], not modified.
 */
export function limit(channels: Float32Array[], sampleRate: number, opts: LimiterOptions = {}): LimiterResult {
  const ceiling = dbToGain(opts.ceilingDb ?? -1);
  const n = channels.length === 0 ? 0 : channels[0].length;
  const look = Math.max(1, Math.round(((opts.lookaheadMs ?? 5) / 1000) * sampleRate));
  const releaseCoef = 1 - Math.exp(-1 / (((opts.releaseMs ?? 80) / 1000) * sampleRate));

  // Gain each sample needs on its own (<= 1), aiming a hair (0.02 dB) under the ceiling.
  const target = ceiling * dbToGain(-0.02);
  const need = new Float32Array(n);
  for (const ch of channels) truePeakEnvelope(ch, need);
  for (let i = 0; i < n; i++) need[i] = need[i] > target ? target / need[i] : 1;

  // Forward-looking minimum over `look` samples, then release (slow recovery towards 1).
  const hold = slidingMinForward(need, look);
  let g = 1;
  for (let i = 0; i < n; i++) {
    g = Math.min(hold[i], g + (1 - g) * releaseCoef);
    hold[i] = g;
  }
  // Moving average over the past `look` samples: every term is <= need[i], so the ramp finishes on time.
  const gain = new Float32Array(n);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    sum += hold[i];
    if (i >= look) sum -= hold[i - look];
    gain[i] = sum / Math.min(i + 1, look);
  }

  let minGain = 1;
  const out = channels.map((ch) => {
    const y = new Float32Array(n);
    for (let i = 0; i < n; i++) y[i] = ch[i] * gain[i];
    return y;
  });
  for (let i = 0; i < n; i++) if (gain[i] < minGain) minGain = gain[i];

  // The gain curve's own modulation can lift inter-sample peaks a hair: trim any residue statically.
  let peak = truePeak(out);
  if (peak > ceiling) {
    const trim = target / peak;
    for (const y of out) for (let i = 0; i < n; i++) y[i] *= trim;
    minGain *= trim;
    peak = truePeak(out);
  }
  return { channels: out, maxReductionDb: -gainToDb(minGain), truePeakDb: gainToDb(peak) };
}

/** Static gain so that the true peak lands exactly on the ceiling (up or down). channels: [ch][samples]. */
export function normalizePeak(channels: Float32Array[], ceilingDb = -1): { channels: Float32Array[]; gainDb: number } {
  const peak = truePeak(channels);
  if (peak === 0) return { channels: channels.map((c) => c.slice()), gainDb: 0 };
  const g = dbToGain(ceilingDb) / peak;
  return { channels: channels.map((c) => c.map((v) => v * g)), gainDb: gainToDb(g) };
}

/** out[i] = min(x[i .. i+w-1]) (window clipped at the end), by a monotonic deque. x: (samples). */
function slidingMinForward(x: Float32Array, w: number): Float32Array {
  const n = x.length;
  const out = new Float32Array(n);
  const dq = new Int32Array(n);
  let head = 0;
  let tail = 0;
  for (let j = n - 1; j >= 0; j--) {
    while (tail > head && x[dq[tail - 1]] >= x[j]) tail--;
    dq[tail++] = j;
    while (dq[head] > j + w - 1) head++;
    out[j] = x[dq[head]];
  }
  return out;
}
