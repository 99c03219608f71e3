// The separation pipeline: bounded, cross-faded chunks of the mixture -> STFT -> separator masks ->
// mask normalisation -> Wiener filter -> iSTFT -> finished samples handed to sinks as chunks complete, for
// any Separator. Pure (no Node modules).
import type { Audio, AudioSink } from '../audio/audio.js';
import { lengthOf } from '../audio/audio.js';
import { AudioCollector } from '../audio/collect.js';
import type { Spectrogram } from '../dsp/spectrogram.js';
import { dbToGain } from '../dsp/limiter.js';
import { Stft, magnitude } from '../dsp/stft.js';
import { wiener } from '../dsp/wiener.js';
import { DemixError } from '../errors.js';
import { mergeComplement, normaliseMasks, remainder } from './masks.js';
import type { Separator } from './separator.js';

/** A progress report: `fraction` (0..1) of the whole job done, never decreasing; `stage` names the step. */
export interface ProgressEvent {
  stage: string;
  fraction: number;
}

export interface PipelineOptions {
  targets?: readonly string[]; // stems to return, a subset of the separator's targets (default: all)
  twoStems?: string; // return this target and its complement (`accompaniment` for vocals, else `no_<target>`)
  wienerIterations?: number; // EM iterations of the multichannel Wiener filter; 0 = soft masks (default: the separator's, else 1)
  wienerExponent?: number; // α of the filter's fractional power spectrograms (default: the separator's, else 2)
  chunkSeconds?: number; // longest piece processed at once (default 30 s): bounds the working memory
  overlapSeconds?: number; // overlap between consecutive chunks (default 2 s, at most half a chunk)
  onProgress?: (e: ProgressEvent) => void;
  signal?: AbortSignal; // aborting rejects with the signal's reason between steps
}

export const DEFAULT_CHUNK_SECONDS = 30;
export const DEFAULT_OVERLAP_SECONDS = 2;
export const DEFAULT_WIENER_ITERATIONS = 1;
/** Bound on the level normalisation's gain, dB either way: digital near-silence is not raised to music level. */
export const MAX_LEVEL_GAIN_DB = 40;

/**
 * The factor that brings the mixture's RMS level (over all its samples and channels) to `targetDb` dBFS, within
 * ±MAX_LEVEL_GAIN_DB; 1 without a target or for silence. The same factor for every chunk of a song.
 */
export function levelGain(mix: Audio, targetDb: number | undefined): number {
  if (targetDb === undefined) return 1;
  let energy = 0;
  let count = 0;
  for (const x of mix.channels) {
    for (let i = 0; i < x.length; i++) energy += x[i] * x[i];
    count += x.length;
  }
  if (!(energy > 0)) return 1;
  const db = targetDb - 10 * Math.log10(energy / count);
  return dbToGain(Math.max(-MAX_LEVEL_GAIN_DB, Math.min(MAX_LEVEL_GAIN_DB, db)));
}

/** Name of the complement stem in two-stem mode. */
export function complementName(target: string): string {
  return target === 'vocals' ? 'accompaniment' : `no_${target}`;
}

/** The stem names `separateAudio` returns for these options, in order. */
export function outputStems(sep: Pick<Separator, 'targets'>, opts: Pick<PipelineOptions, 'targets' | 'twoStems'>): string[] {
  if (opts.twoStems !== undefined) {
    if (!sep.targets.includes(opts.twoStems)) {
      throw new DemixError('usage', `--two-stems: "${opts.twoStems}" is not a target of this model (${sep.targets.join(', ')})`);
    }
    return [opts.twoStems, complementName(opts.twoStems)];
  }
  const wanted = opts.targets ?? sep.targets;
  for (const t of wanted) {
    if (!sep.targets.includes(t)) throw new DemixError('usage', `--stems: "${t}" is not a target of this model (${sep.targets.join(', ')})`);
  }
  if (wanted.length === 0) throw new DemixError('usage', '--stems: no stem requested');
  return sep.targets.filter((t) => wanted.includes(t));
}

/** A chunk of the signal: samples [start, end) with cross-fade ramps of `fadeIn` / `fadeOut` samples. */
interface Chunk {
  start: number;
  end: number;
  fadeIn: { from: number; length: number } | null; // absolute sample where the ramp up starts
  fadeOut: { from: number; length: number } | null;
}

/**
 * Splits `n` samples into chunks of at most `size` overlapping by `overlap`. Within each overlap the
 * outer quarters are left to the neighbour (edge effects of the STFT and the filters live there) and a
 * raised-cosine cross-fade spans the middle half, so the weights of overlapping chunks sum to one.
 */
export function planChunks(n: number, size: number, overlap: number): Chunk[] {
  if (n <= size) return [{ start: 0, end: n, fadeIn: null, fadeOut: null }];
  const step = size - overlap;
  const chunks: Chunk[] = [];
  for (let start = 0; ; start += step) {
    const end = Math.min(n, start + size);
    chunks.push({ start, end, fadeIn: null, fadeOut: null });
    if (end === n) break;
  }
  const margin = Math.floor(overlap / 4);
  const fade = overlap - 2 * margin;
  for (let k = 0; k + 1 < chunks.length; k++) {
    const ramp = { from: chunks[k + 1].start + margin, length: fade };
    chunks[k].fadeOut = ramp;
    chunks[k + 1].fadeIn = ramp;
  }
  return chunks;
}

/** Weight (0..1) of chunk `c` at absolute sample `i`. */
function chunkWeight(c: Chunk, i: number): number {
  let w = 1;
  if (c.fadeIn) w *= rampUp(i - c.fadeIn.from, c.fadeIn.length);
  if (c.fadeOut) w *= 1 - rampUp(i - c.fadeOut.from, c.fadeOut.length);
  return w;
}

/** Raised cosine from 0 (t <= 0) to 1 (t >= length). */
function rampUp(t: number, length: number): number {
  if (t <= 0) return 0;
  if (t >= length) return 1;
  return 0.5 - 0.5 * Math.cos((Math.PI * t) / length);
}

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

/**
 * Separates a 44.1 kHz stereo mixture with `sep`. Returns one Audio per output stem (same rate and
 * length as `mix`); with all targets (or two-stem mode) the stems sum to the mixture.
 */
export async function separateAudio(mix: Audio, sep: Separator, opts: PipelineOptions = {}): Promise<Record<string, Audio>> {
  const names = outputStems(sep, opts);
  const collectors = names.map(() => new AudioCollector(mix.sampleRate, 2, lengthOf(mix)));
  await separateInto(mix, sep, collectors, opts);
  return Object.fromEntries(names.map((name, s) => [name, collectors[s].audio]));
}

/**
 * Separates a 44.1 kHz stereo mixture with `sep` into `sinks`, one per stem of outputStems(sep, opts) in
 * that order: as each chunk completes, every sink is given the finished samples that follow the last it
 * got (stereo blocks at the mix's rate, at most one chunk long), then ended after the last. So memory
 * holds the mixture and one chunk's work, whatever the length; the samples are those of separateAudio.
 */
export async function separateInto(mix: Audio, sep: Separator, sinks: AudioSink[], opts: PipelineOptions = {}): Promise<void> {
  const { signal, onProgress } = opts;
  if (mix.channels.length !== 2) throw new DemixError('usage', `the pipeline needs stereo input, got ${mix.channels.length} channels`);
  if (mix.sampleRate !== sep.sampleRate) {
    throw new DemixError('usage', `the pipeline needs ${sep.sampleRate} Hz input, got ${mix.sampleRate} Hz`);
  }
  const names = outputStems(sep, opts);
  if (sinks.length !== names.length) throw new DemixError('usage', `${names.length} stems need as many sinks, got ${sinks.length}`);
  const keep = opts.twoStems !== undefined ? sep.targets.indexOf(opts.twoStems) : -1;
  const wanted = keep >= 0 ? [0, 1] : names.map((t) => sep.targets.indexOf(t)); // indices into the (merged) mask list
  const iterations = opts.wienerIterations ?? sep.wienerIterations ?? DEFAULT_WIENER_ITERATIONS;
  const exponent = opts.wienerExponent ?? sep.wienerExponent;
  const gain = levelGain(mix, sep.inputRmsDb);
  const n = mix.channels[0].length;
  if (n === 0) throw new DemixError('EMPTY_AUDIO', 'the mixture has no samples');
  const size = Math.max(1, Math.round((opts.chunkSeconds ?? DEFAULT_CHUNK_SECONDS) * mix.sampleRate));
  const overlap = Math.min(Math.floor(size / 2), Math.round((opts.overlapSeconds ?? DEFAULT_OVERLAP_SECONDS) * mix.sampleRate));
  const chunks = planChunks(n, size, overlap);
  const stft = await Stft.create(sep.stft);
  let carried: Float32Array[][] = names.map(() => [new Float32Array(0), new Float32Array(0)]); // [stem][channel]: the overlap with the next chunk, so far

  const report = (stage: string, fraction: number) => onProgress?.({ stage, fraction: Math.min(1, fraction) });
  report('separate', 0);
  // The separator works on chunk k+1 while the DSP below handles chunk k (a separator whose inference
  // runs off the main thread, like the ONNX one in Node, then overlaps with it).
  const start = (k: number) => {
    const input = mix.channels.map((x) => padTo(x.subarray(chunks[k].start, chunks[k].end), sep.stft.nFft)); // [ch] of (length)
    const spec = stft.forward(input);
    const masks = sep.estimate(spec, signal, gain);
    masks.catch(() => {}); // awaited below; a failure while chunk k-1 is still busy is not unhandled
    return { input, spec, masks };
  };
  let next = start(0);
  for (let k = 0; k < chunks.length; k++) {
    signal?.throwIfAborted();
    const chunk = chunks[k];
    const len = chunk.end - chunk.start;
    const { input, spec, masks: estimated } = next;
    const raw = await estimated;
    signal?.throwIfAborted();
    report('separate', (k + 0.5) / chunks.length);
    signal?.throwIfAborted();
    if (k + 1 < chunks.length) next = start(k + 1);
    if (!sep.masksSumToOne) normaliseMasks(raw);
    const masks = keep >= 0 ? mergeComplement(raw, keep) : raw;
    // Masks summing to one (and the Wiener filter, which keeps the sum) leave the last stem to the remainder.
    const complete = wanted.length === masks.length;
    const direct = complete ? wanted.slice(0, -1) : wanted; // stems that need their own iSTFT
    const length = input[0].length;
    const stems = // [stem][ch] of (length), in `wanted` order; soft masks straight into the iSTFT
      iterations === 0
        ? direct.map((j) => stft.inverse(spec, length, masks[j]))
        : pick(wiener(spec, magnitudeEstimates(masks, spec), iterations, { exponent }), direct).map((s) => stft.inverse(s, length));
    if (complete) stems.push(remainder(input, stems));
    report('separate', (k + 0.75) / chunks.length);
    const finished = (k + 1 < chunks.length ? chunks[k + 1].start : chunk.end) - chunk.start; // samples no later chunk touches
    const blocks = stems.map((y, s) =>
      carried[s].map((carry, c) => {
        const block = new Float32Array(len); // the chunk's samples of this stem and channel
        block.set(carry);
        addWeighted(block, y[c], chunk);
        return block;
      }),
    );
    carried = blocks.map((b) => b.map((x) => x.slice(finished))); // a copy: the blocks can go once the sinks are done
    await Promise.all(sinks.map((sink, s) => sink.write(blocks[s].map((x) => x.subarray(0, finished)))));
    report('separate', (k + 1) / chunks.length);
    await yieldToEventLoop();
  }
  signal?.throwIfAborted();
  await Promise.all(sinks.map((sink) => sink.end?.()));
}

/** x zero-padded to at least `min` samples (reflect padding of the STFT needs a frame's worth). */
function padTo(x: Float32Array, min: number): Float32Array {
  if (x.length >= min) return x;
  const y = new Float32Array(min);
  y.set(x);
  return y;
}

/** The Wiener filter's magnitude estimates, mask · |x|, computed in place of the masks: [target][ch] of (nFrames * nBins). */
function magnitudeEstimates(masks: Float32Array[][], spec: Spectrogram): Float32Array[][] {
  const mags = magnitude(spec);
  return masks.map((m) =>
    m.map((a, c) => {
      const b = mags[c];
      for (let i = 0; i < a.length; i++) a[i] *= b[i];
      return a;
    }),
  );
}

/** items[i] for each i of `indices`, in that order. */
function pick<T>(items: T[], indices: number[]): T[] {
  return indices.map((i) => items[i]);
}

/** dst[i] += weight * y[i] over the chunk: overlap-add. dst: (chunk samples, from chunk.start), y: (>= chunk samples; extra ignored). */
function addWeighted(dst: Float32Array, y: Float32Array, chunk: Chunk): void {
  const len = chunk.end - chunk.start;
  // chunk-relative [flatFrom, flatTo): weight 1; the ramps (and the margins outside them) either side
  const flatFrom = chunk.fadeIn ? Math.min(len, chunk.fadeIn.from + chunk.fadeIn.length - chunk.start) : 0;
  const flatTo = chunk.fadeOut ? Math.max(flatFrom, chunk.fadeOut.from - chunk.start) : len;
  for (let i = 0; i < flatFrom; i++) dst[i] += chunkWeight(chunk, chunk.start + i) * y[i];
  for (let i = flatFrom; i < flatTo; i++) dst[i] += y[i];
  for (let i = flatTo; i < len; i++) dst[i] += chunkWeight(chunk, chunk.start + i) * y[i];
}
