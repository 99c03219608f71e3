// Worker thread holding an onnxruntime-node session and the ONNX separator around it, so mask estimation
// (magnitudes, every inference window, assembly) runs off the main thread (onnxruntime-node's run() blocks the
// thread that calls it), back to back, while the pipeline's DSP on the previous chunk runs on the main thread.
import { parentPort, workerData } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';
import { serveRequests, toPlainError, type PlainError } from '../worker-rpc.js';
import type { ModelCard } from './card.js';
import { createOnnxSeparator } from './onnx-separator.js';

export interface WorkerSetup {
  model: Uint8Array; // the ONNX file
  options: ort.InferenceSession.SessionOptions;
  card: ModelCard;
  chunkFrames?: number;
  contextFrames?: number;
  file: string; // the model path, for error messages
}
/** A spectrogram chunk to estimate masks for: [ch] of (nFrames * nBins), copied across; gain as Separator.estimate's. */
export type WorkerRequest = { estimate: { nFrames: number; nBins: number; re: Float32Array[]; im: Float32Array[] }; gain?: number } | { release: true }; // posted with an id
export type WorkerReply = { id: number; masks: Float32Array[][] } | { id: number; error: PlainError }; // masks: [target][ch], transferred
export type WorkerReady = { ready: true }; // the first message, or:
export type WorkerLoadError = { loadError: PlainError };

const port = parentPort!;
const setup = workerData as WorkerSetup;

try {
  const session = await ort.InferenceSession.create(setup.model, setup.options);
  const separator = createOnnxSeparator({ ...setup, session, Tensor: ort.Tensor });
  serveRequests<WorkerRequest, { masks: Float32Array[][] }>(
    async (m) => ('release' in m ? (await separator.dispose?.(), { masks: [] }) : { masks: await separator.estimate(m.estimate, undefined, m.gain) }),
    { transfer: (r) => r.masks.flat().map((x) => x.buffer as ArrayBuffer) },
  );
  port.postMessage({ ready: true } satisfies WorkerReady);
} catch (e) {
  port.postMessage({ loadError: toPlainError(e) } satisfies WorkerLoadError);
}
