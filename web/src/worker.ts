// The separation worker: normalises the decoded song to 44.1 kHz stereo, runs the shared pipeline
// (src/separate) with the shipped ONNX model on onnxruntime-web (WebGPU when present, else
// multi-threaded SIMD WebAssembly) or the classic separator when no model is served, and sends back
// the stems with coarse spectrogram images for the lanes; for a mashup, one stem of a second song
// matched to the first (web/src/mashup.ts).
import type { Audio } from '../../src/audio/audio.js';
import { toStereo } from '../../src/audio/channels.js';
import { resample } from '../../src/audio/resample.js';
import { configureFft } from '../../src/dsp/fft.js';
import { createClassicSeparator } from '../../src/separate/classic.js';
import { separateAudio } from '../../src/separate/pipeline.js';
import type { Separator } from '../../src/separate/separator.js';
import { matchStem } from './mashup.js';
import { loadOnnxSeparator } from './model.js';
import type { RunInfo, SeparationSettings, StemData, WorkerReply, WorkerRequest } from './protocol.js';
import { spectrogramImage } from './spectrogram-image.js';

const WORK_RATE = 44100; // Hz
const SPECTROGRAM_COLUMNS = 1200;

/** The dedicated-worker global scope, typed by the bits used here (the web tsconfig has DOM types only). */
const scope = self as unknown as {
  postMessage(message: WorkerReply, transfer?: Transferable[]): void;
  onmessage: ((e: MessageEvent<WorkerRequest>) => void) | null;
};

// web/build.ts copies the SIMD build's pffft.wasm next to the bundle (onnxruntime-web needs WASM SIMD anyway).
configureFft({ locateFile: () => new URL('./pffft.wasm', import.meta.url).href });

const running = new Map<number, AbortController>();

/** The shipped model, or the classic separator when the server has none (or it is asked for). */
async function loadSeparator(settings: SeparationSettings): Promise<{ separator: Separator; info: RunInfo }> {
  const loaded = settings.backend === 'classic' ? null : await loadOnnxSeparator(settings);
  return (
    loaded ?? {
      separator: createClassicSeparator(),
      info: { model: 'classic', backend: 'classic', threads: 1, simd: false, crossOriginIsolated: self.crossOriginIsolated },
    }
  );
}

type SongRequest = Extract<WorkerRequest, { type: 'separate' | 'mashup' }>;

/** Normalises the request's song to 44.1 kHz stereo and separates it; `twoStems` as the pipeline's option. */
async function separateSong(request: SongRequest, signal: AbortSignal, twoStems?: string) {
  const { id, settings } = request;
  const progress = (fraction: number, stage: string) => scope.postMessage({ type: 'progress', id, fraction, stage });
  progress(0, 'preparing audio');
  let mix: Audio = toStereo({ sampleRate: request.sampleRate, channels: request.channels });
  if (mix.sampleRate !== WORK_RATE) mix = await resample(mix, WORK_RATE);
  progress(0, 'loading model');
  const { separator, info } = await loadSeparator(settings);
  scope.postMessage({ type: 'info', id, info });
  signal.throwIfAborted();
  const stems = await separateAudio(mix, separator, {
    signal,
    twoStems,
    onProgress: (p) => progress(p.fraction, p.stage === 'separate' ? 'separating' : p.stage),
  });
  progress(1, request.type === 'mashup' ? 'matching tempo and key' : 'drawing spectrograms');
  return { mix, stems };
}

async function runSeparate(request: Extract<WorkerRequest, { type: 'separate' }>, signal: AbortSignal): Promise<void> {
  const started = performance.now();
  const { mix, stems: named } = await separateSong(request, signal, request.settings.stems === 2 ? 'vocals' : undefined);
  const seconds = (performance.now() - started) / 1000;
  const stems: StemData[] = Object.entries(named).map(([name, audio]) => ({ name, channels: audio.channels }));
  const spectrograms = await Promise.all(stems.map((s) => spectrogramImage(s.name, s.channels, SPECTROGRAM_COLUMNS)));
  const transfer = [...mix.channels, ...stems.flatMap((s) => s.channels), ...spectrograms.map((s) => s.pixels)].map((a) => a.buffer);
  scope.postMessage({ type: 'done', id: request.id, mix: mix.channels, stems, spectrograms, seconds }, [...new Set(transfer)]);
}

async function runMashup(request: Extract<WorkerRequest, { type: 'mashup' }>, signal: AbortSignal): Promise<void> {
  const { mix, stems } = await separateSong(request, signal);
  const stem = stems[request.take];
  if (!stem) throw new Error(`the model has no ${request.take} stem`);
  const target = { all: { sampleRate: WORK_RATE, channels: request.target.all }, harmonic: { sampleRate: WORK_RATE, channels: request.target.harmonic } };
  const drums = stems.drums.channels;
  const harmonic = { sampleRate: WORK_RATE, channels: mix.channels.map((m, c) => m.map((v, i) => v - drums[c][i])) }; // the stems sum to the mix
  const { audio, notes } = await matchStem(stem, { all: mix, harmonic }, target);
  signal.throwIfAborted();
  const data: StemData = { name: request.take, channels: audio.channels };
  const spectrogram = await spectrogramImage(data.name, data.channels, SPECTROGRAM_COLUMNS);
  const transfer = [...data.channels.map((c) => c.buffer), spectrogram.pixels.buffer];
  scope.postMessage({ type: 'matched', id: request.id, stem: data, spectrogram, notes }, transfer);
}

scope.onmessage = (e) => {
  const request = e.data;
  if (request.type === 'cancel') {
    running.get(request.id)?.abort();
    return;
  }
  const controller = new AbortController();
  running.set(request.id, controller);
  (request.type === 'separate' ? runSeparate(request, controller.signal) : runMashup(request, controller.signal))
    .catch((err: unknown) => {
      if (controller.signal.aborted) scope.postMessage({ type: 'cancelled', id: request.id });
      else scope.postMessage({ type: 'error', id: request.id, message: err instanceof Error ? err.message : String(err) });
    })
    .finally(() => running.delete(request.id));
};
