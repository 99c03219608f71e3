// demix as a Node library: `separate(input, options)` decodes (or takes) audio at any rate and channel
// count, runs a separator through the chunked pipeline, and returns the stems as planar Float32Arrays;
// `separateStream` hands them to sinks chunk by chunk instead (what `demix separate` writes files with).
import type { Audio, AudioSink } from './audio/audio.js';
import { durationOf, lengthOf } from './audio/audio.js';
import { toStereo } from './audio/channels.js';
import { AudioCollector } from './audio/collect.js';
import { conformingSink } from './audio/conform-sink.js';
import { decodeFile } from './audio/decode.js';
import { resample, resampledLength } from './audio/resample.js';
import { DemixError } from './errors.js';
import { outputStems, separateInto } from './separate/pipeline.js';
import type { PipelineOptions, ProgressEvent } from './separate/pipeline.js';
import { defaultModelName } from './models/node.js';
import { loadSeparator } from './separate/registry.js';
import type { Separator } from './separate/separator.js';

export type { Audio, AudioSink } from './audio/audio.js';
export { DemixError } from './errors.js';
export type { ProgressEvent } from './separate/pipeline.js';
export type { Separator } from './separate/separator.js';
export { TARGETS } from './separate/separator.js';
export { listModels, loadSeparator, registerModel, registerModelLoader } from './separate/registry.js';
export { LoudnessMeter, measureLoudness } from './separate/loudness.js';
export type { LoudnessReport } from './separate/loudness.js';

export interface SeparateOptions extends PipelineOptions {
  model?: string | Separator; // registered name, model file path, or a ready separator (default: demix-4s once shipped, else 'classic')
  sampleRate?: number; // Hz of the returned stems (default: the input's)
}

/** What a separation produced, apart from the stems' samples. */
export interface SeparationInfo {
  sampleRate: number; // Hz of the stems
  channels: number; // channels of each stem: the input's when it has 1 or 2, else 2 (downmixed)
  duration: number; // seconds
  model: string; // name of the separator used
  input: { path?: string; sampleRate: number; channels: number; duration: number };
}

export interface SeparateResult extends SeparationInfo {
  stems: Record<string, Audio>; // stem name -> audio at `sampleRate`, `channels` channels, input length
}

/** The stems a streaming separation is about to produce, for opening their sinks. */
export interface StemLayout {
  names: string[]; // in output order
  sampleRate: number; // Hz
  channels: number;
  frames: number; // length of every stem, samples
}

// Share of the progress bar taken by each stage (decode, conform, separate).
const DECODE_END = 0.05;
const CONFORM_END = 0.1;

/**
 * Separates a song into stems. `input` is a path to any supported audio file or planar audio at any
 * rate and channel count; processing happens at the separator's rate in stereo. Aborting
 * `options.signal` rejects with its reason; `options.onProgress` sees a non-decreasing fraction.
 */
export async function separate(input: string | Audio, options: SeparateOptions = {}): Promise<SeparateResult> {
  let collectors: Record<string, AudioCollector> = {};
  const info = await separateStream(input, options, (layout) => {
    collectors = Object.fromEntries(layout.names.map((name) => [name, new AudioCollector(layout.sampleRate, layout.channels, layout.frames)]));
    return collectors;
  });
  return { stems: Object.fromEntries(Object.entries(collectors).map(([name, c]) => [name, c.audio])), ...info };
}

/**
 * Separates a song as separate() does, but hands each stem to a sink as chunks finish instead of returning
 * it: `open` is called once the input is decoded, with the stems' layout, and returns a sink per stem
 * (blocks of `layout.channels` channels at `layout.sampleRate`, ended after the last). Memory then holds
 * the input and one chunk's work, not the stems. On failure the sinks are left as they are (not ended).
 */
export async function separateStream(
  input: string | Audio,
  options: SeparateOptions,
  open: (layout: StemLayout) => Record<string, AudioSink> | Promise<Record<string, AudioSink>>,
): Promise<SeparationInfo> {
  const { signal, onProgress } = options;
  const report = (stage: string, fraction: number) => onProgress?.({ stage, fraction });
  const path = typeof input === 'string' ? input : undefined;
  const fail = (code: string, problem: string) => new DemixError(code, path ? `${path}: ${problem}` : problem, path);

  const sep = typeof options.model === 'object' ? options.model : await loadSeparator(options.model ?? defaultModelName());
  try {
    const names = outputStems(sep, options); // validates targets before any heavy work
    report('decode', 0);
    const { mix, info } = await loadMix(input, sep.sampleRate, fail, () => report('resample', DECODE_END));
    signal?.throwIfAborted();
    const outRate = options.sampleRate ?? info.sampleRate;
    const outChannels = Math.min(2, info.channels);
    const frames = resampledLength(lengthOf(mix), mix.sampleRate, outRate);
    const sinks = await open({ names, sampleRate: outRate, channels: outChannels, frames });
    const conformed = await Promise.all(names.map((name) => conformingSink(sinks[name], mix.sampleRate, { sampleRate: outRate, channels: outChannels })));
    report('separate', CONFORM_END);

    const onStep = (e: ProgressEvent) => report(e.stage, CONFORM_END + (1 - CONFORM_END) * e.fraction);
    await separateInto(mix, sep, conformed, { ...options, onProgress: onStep });
    return { sampleRate: outRate, channels: outChannels, duration: frames / outRate, model: sep.name, input: info };
  } finally {
    if (typeof options.model !== 'object') await sep.dispose?.();
  }
}

/**
 * Decodes (if needed) and conforms the input to stereo at `rate`. Kept apart so that the decoded
 * original can be collected as soon as the conformed copy exists, which is then the only copy in memory.
 */
async function loadMix(
  input: string | Audio,
  rate: number,
  fail: (code: string, problem: string) => DemixError,
  onDecoded: () => void,
): Promise<{ mix: Audio; info: SeparateResult['input'] }> {
  const audio = typeof input === 'string' ? await decodeFile(input) : input;
  if (audio.channels.length === 0 || lengthOf(audio) === 0) throw fail('EMPTY_AUDIO', 'contains no audio samples');
  if (!(audio.sampleRate > 0)) throw fail('BAD_AUDIO', `invalid sample rate ${audio.sampleRate}`);
  const info = {
    path: typeof input === 'string' ? input : undefined,
    sampleRate: audio.sampleRate,
    channels: audio.channels.length,
    duration: durationOf(audio),
  };
  onDecoded();
  const stereo = toStereo(audio);
  return { mix: stereo.sampleRate === rate ? stereo : await resample(stereo, rate), info };
}
