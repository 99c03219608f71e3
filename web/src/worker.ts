// The separation worker: normalises the decoded song to 44.1 kHz stereo, runs the shared pipeline
// (src/separate) with the shipped ONNX model on onnxruntime-web (WebGPU when present, else
// multi-threaded SIMD WebAssembly) or the classic separator when no model is served, and sends back
// the stems with coarse spectrogram images for the lanes.
import { toStereo } from '../../src/audio/channels.js';
import { resample } from '../../src/audio/resample.js';
import { configureFft } from '../../src/dsp/fft.js';
import { createClassicSeparator } from '../../src/separate/classic.js';
import { separateAudio } from '../../src/separate/pipeline.js';
import type { Separator } from '../../src/separate/separator.js';
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

async function run(request: Extract<WorkerRequest, { type: 'separate' }>, signal: AbortSignal): Promise<void> {
  const { id, settings } = request;
  const progress = (fraction: number, stage: string) => scope.postMessage({ type: 'progress', id, fraction, stage });
  const started = performance.now();
  progress(0, 'preparing audio');
  let mix = toStereo({ sampleRate: request.sampleRate, channels: request.channels });
  if (mix.sampleRate !== WORK_RATE) mix = await resample(mix, WORK_RATE);
  progress(0, 'loading model');
  const { separator, info } = await loadSeparator(settings);
  scope.postMessage({ type: 'info', id, info });
  signal.throwIfAborted();
  const named = await separateAudio(mix, separator, {
    signal,
    twoStems: settings.stems === 2 ? 'vocals' : undefined,
    onProgress: (p) => progress(p.fraction, p.stage === 'separate' ? 'separating' : p.stage),
  });
  const seconds = (performance.now() - started) / 1000;
  progress(1, 'drawing spectrograms');
  const stems: StemData[] = Object.entries(named).map(([name, audio]) => ({ name, channels: audio.channels }));
  const spectrograms = await Promise.all(stems.map((s) => spectrogramImage(s.name, s.channels, SPECTROGRAM_COLUMNS)));
  const transfer = [...mix.channels, ...stems.flatMap((s) => s.channels), ...spectrograms.map((s) => s.pixels)].map((a) => a.buffer);
  scope.postMessage({ type: 'done', id, mix: mix.channels, stems, spectrograms, seconds }, [...new Set(transfer)]);
}

scope.onmessage = (e) => {
  const request = e.data;
  if (request.type === 'cancel') {
    running.get(request.id)?.abort();
    return;
  }
  const controller = new AbortController();
  running.set(request.id, controller);
  run(request, controller.signal)
    .catch((err: unknown) => {
      if (controller.signal.aborted) scope.postMessage({ type: 'cancelled', id: request.id });
      else scope.postMessage({ type: 'error', id: request.id, message: err instanceof Error ? err.message : String(err) });
    })
    .finally(() => running.delete(request.id));
};
