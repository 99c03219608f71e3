// Node loader for ONNX models: reads the card, checks the file's hash, runs the separator on an onnxruntime-node
// session tuned for the CPU in a worker thread, and registers the shipped model (`demix-4s`) and `.onnx` paths with the model registry.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { DemixError } from '../errors.js';
import type { Separator } from '../separate/separator.js';
import { registerModel, registerModelLoader } from '../separate/registry.js';
import { loadModelCard } from './card.js';
import { separatorInfo } from './onnx-separator.js';
import { revive, startModuleWorker, WorkerRpc } from '../worker-rpc.js';
import type { WorkerLoadError, WorkerReady, WorkerReply, WorkerRequest, WorkerSetup } from './ort-worker.js';

export const DEFAULT_MODEL_NAME = 'demix-4s';

export interface NodeModelOptions {
  threads?: number; // intra-op threads (default: all cores but one, which the pipeline's DSP uses meanwhile)
  chunkFrames?: number; // frames per inference call (default: the card's chunk_frames)
  contextFrames?: number; // frames of context either side of a window cut (default: see createOnnxSeparator)
}

/** The shipped model's path: `models/demix-4s.onnx` in the package, found from this module (src/ or dist/src/). */
export function shippedModelPath(name = DEFAULT_MODEL_NAME): string {
  const candidates = ['../../models/', '../../../models/'].map((rel) => fileURLToPath(new URL(`${rel}${name}.onnx`, import.meta.url)));
  return candidates.find((p) => existsSync(p)) ?? candidates[0];
}

/** The model `demix separate` uses when none is named: the shipped network once its file exists, else `classic`. */
export function defaultModelName(): string {
  return existsSync(shippedModelPath()) ? DEFAULT_MODEL_NAME : 'classic';
}

/** Loads an ONNX model with its card (`<path without .onnx>.json`) as a Separator running on onnxruntime-node. */
export async function loadOnnxModel(path: string, opts: NodeModelOptions = {}): Promise<Separator> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new DemixError('NO_MODEL', `${path}: cannot read the model file (${code === 'ENOENT' ? 'no such file' : code})`, path);
  }
  const card = await loadModelCard(path, (p) => readFile(p, 'utf8'));
  if (card.sha256 !== undefined) {
    const actual = createHash('sha256').update(bytes).digest('hex');
    if (actual !== card.sha256) {
      throw new DemixError('BAD_MODEL', `${path}: the file's SHA-256 does not match its model card (damaged or replaced file)`, path);
    }
  }
  const options = {
    intraOpNumThreads: opts.threads ?? Math.max(1, availableParallelism() - 1),
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  } as const;
  const setup: WorkerSetup = { model: bytes, options, card, chunkFrames: opts.chunkFrames, contextFrames: opts.contextFrames, file: path };
  return openWorkerSeparator(setup).catch((e: Error) => {
    throw e instanceof DemixError ? e : new DemixError('BAD_MODEL', `${path}: onnxruntime cannot load the model (${e.message.split('\n')[0]})`, path);
  });
}

/**
 * The ONNX separator running in a worker thread (ort-worker.ts): each chunk's spectrogram is copied across
 * and its masks come back, so the pipeline's DSP on one chunk overlaps the network on the next; the worker
 * does not keep the process alive between calls.
 */
async function openWorkerSeparator(setup: WorkerSetup): Promise<Separator> {
  const worker = startModuleWorker('./ort-worker', import.meta.url, setup);
  let onStart: (m: unknown) => void = () => undefined;
  const started = new Promise<void>((resolve, reject) => {
    onStart = (m) => ('ready' in (m as WorkerReady) ? resolve() : reject(revive((m as WorkerLoadError).loadError)));
    worker.once('error', reject);
  });
  const rpc = new WorkerRpc<WorkerRequest, WorkerReply>(worker, (m) => onStart(m));
  await started.catch(async (e: Error) => {
    await rpc.terminate();
    throw e;
  });
  return {
    ...separatorInfo(setup.card),
    async estimate(mix, signal, gain) {
      signal?.throwIfAborted();
      const reply = await rpc.request({ estimate: { nFrames: mix.nFrames, nBins: mix.nBins, re: mix.re, im: mix.im }, gain });
      if ('error' in reply) {
        const e = revive(reply.error);
        throw e instanceof DemixError ? e : new DemixError('BAD_MODEL', `${setup.file}: onnxruntime failed: ${e.message.split('\n')[0]}`, setup.file);
      }
      return reply.masks;
    },
    async dispose() {
      await rpc.request({ release: true });
      await rpc.terminate();
    },
  };
}

registerModel(
  DEFAULT_MODEL_NAME,
  () => loadOnnxModel(shippedModelPath()),
  existsSync(shippedModelPath()) ? 'demix 4-stem neural network (ONNX, shipped in models/)' : 'demix 4-stem neural network (not installed: models/demix-4s.onnx is missing)',
);
registerModelLoader('.onnx', (path) => loadOnnxModel(path));
