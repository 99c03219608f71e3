// Worker thread holding one onnxruntime-node session, so inference runs off the main thread (onnxruntime-node's
// run() blocks the thread that calls it) and the pipeline's DSP on one chunk overlaps the network on the next.
import { parentPort, workerData } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';

/** Plain tensors crossing the thread boundary (buffers are transferred, not copied). */
export interface PlainTensor {
  dims: number[];
  data: Float32Array;
}
export type WorkerRequest = { feeds: Record<string, PlainTensor> } | { release: true }; // posted with an id
export type WorkerReply = { id: number; outputs: Record<string, PlainTensor> } | { id: number; error: string };
export type WorkerReady = { ready: true; inputNames: string[]; outputNames: string[] }; // first message, or:
export type WorkerLoadError = { loadError: string };
export interface WorkerSetup {
  model: Uint8Array; // the ONNX file
  options: ort.InferenceSession.SessionOptions;
}

const port = parentPort!;
const post = (m: WorkerReply | WorkerReady | WorkerLoadError, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);
const { model, options } = workerData as WorkerSetup;

try {
  const session = await ort.InferenceSession.create(model, options);
  port.on('message', async (m: WorkerRequest & { id: number }) => {
    if ('release' in m) {
      await session.release();
      post({ id: m.id, outputs: {} });
      port.close();
      return;
    }
    try {
      const feeds = Object.fromEntries(Object.entries(m.feeds).map(([k, t]) => [k, new ort.Tensor('float32', t.data, t.dims)]));
      const result = await session.run(feeds);
      const outputs: Record<string, PlainTensor> = {};
      for (const [k, t] of Object.entries(result)) outputs[k] = { dims: [...t.dims], data: t.data as Float32Array };
      post({ id: m.id, outputs }, Object.values(outputs).map((t) => t.data.buffer as ArrayBuffer));
    } catch (e) {
      post({ id: m.id, error: (e as Error).message.split('\n')[0] });
    }
  });
  post({ ready: true, inputNames: [...session.inputNames], outputNames: [...session.outputNames] });
} catch (e) {
  post({ loadError: (e as Error).message.split('\n')[0] });
}
