// demix as a Node library: `separate(input, options)` decodes (or takes) audio at any rate and channel
// count, runs a separator through the chunked pipeline, and returns the stems as planar Float32Arrays.
import type { Audio } from './audio/audio.js';
import { durationOf, lengthOf } from './audio/audio.js';
import { fromStereo, toStereo } from './audio/channels.js';
import { decodeFile } from './audio/decode.js';
import { resample } from './audio/resample.js';
import { DemixError } from './errors.js';
import { outputStems, separateAudio } from './separate/pipeline.js';
import type { PipelineOptions, ProgressEvent } from './separate/pipeline.js';
import { defaultModelName } from './models/node.js';
import { loadSeparator } from './separate/registry.js';
import type { Separator } from './separate/separator.js';

export type { Audio } from './audio/audio.js';
export { DemixError } from './errors.js';
export type { ProgressEvent } from './separate/pipeline.js';
export type { Separator } from './separate/separator.js';
export { TARGETS } from './separate/separator.js';
export { listModels, loadSeparator, registerModel, registerModelLoader } from './separate/registry.js';
export { measureLoudness } from './separate/loudness.js';
export type { LoudnessReport } from './separate/loudness.js';

export interface SeparateOptions extends PipelineOptions {
  model?: string | Separator; // registered name, model file path, or a ready separator (default: demix-4s once shipped, else 'classic')
  sampleRate?: number; // Hz of the returned stems (default: the input's)
}

export interface SeparateResult {
  stems: Record<string, Audio>; // stem name -> audio at `sampleRate`, `channels` channels, input length
  sampleRate: number; // Hz of the stems
  channels: number; // channels of each stem: the input's when it has 1 or 2, else 2 (downmixed)
  duration: number; // seconds
  model: string; // name of the separator used
  input: { path?: string; sampleRate: number; channels: number; duration: number };
}

// Share of the progress bar taken by each stage (decode, conform, separate, conform back).
const DECODE_END = 0.05;
const CONFORM_END = 0.1;
const SEPARATE_END = 0.95;

/**
 * Separates a song into stems. `input` is a path to any supported audio file or planar audio at any
 * rate and channel count; processing happens at the separator's rate in stereo. Aborting
 * `options.signal` rejects with its reason; `options.onProgress` sees a non-decreasing fraction.
 */
export async function separate(input: string | Audio, options: SeparateOptions = {}): Promise<SeparateResult> {
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
    report('separate', CONFORM_END);

    const onStep = (e: ProgressEvent) => report(e.stage, CONFORM_END + (SEPARATE_END - CONFORM_END) * e.fraction);
    const stems = await separateAudio(mix, sep, { ...options, onProgress: onStep });
    report('resample', SEPARATE_END);

    for (const [i, name] of names.entries()) {
      let stem = stems[name];
      if (outChannels !== 2) stem = fromStereo(stem, outChannels);
      if (stem.sampleRate !== outRate) stem = await resample(stem, outRate);
      stems[name] = stem;
      signal?.throwIfAborted();
      report('resample', SEPARATE_END + ((1 - SEPARATE_END) * (i + 1)) / names.length);
    }
    const outLength = lengthOf(stems[names[0]]);
    return {
      stems,
      sampleRate: outRate,
      channels: outChannels,
      duration: outLength / outRate,
      model: sep.name,
      input: info,
    };
  } finally {
    if (typeof options.model !== 'object') await sep.dispose?.();
  }
}

/**
 * Decodes (if needed) and conforms the input to stereo at `rate`. Kept apart so that the decoded
 * original can be collected as soon as the conformed copy exists: peak memory is input + stems.
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
