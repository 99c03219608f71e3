// Node loader for ONNX models: reads the card, checks the file's hash, opens an onnxruntime-node session
// tuned for the CPU, and registers the shipped model (`demix-4s`) and `.onnx` paths with the model registry.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { DemixError } from '../errors.js';
import type { Separator } from '../separate/separator.js';
import { registerModel, registerModelLoader } from '../separate/registry.js';
import { loadModelCard } from './card.js';
import { createOnnxSeparator, type OrtSession, type OrtTensor } from './onnx-separator.js';
import type { PlainTensor as PlainTensorData, WorkerReply, WorkerRequest, WorkerSetup } from './ort-worker.js';

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
  const session = await openWorkerSession(bytes, options).catch((e: Error) => {
    throw new DemixError('BAD_MODEL', `${path}: onnxruntime cannot load the model (${e.message})`, path);
  });
  return createOnnxSeparator({ session, Tensor: PlainTensor, card, chunkFrames: opts.chunkFrames, contextFrames: opts.contextFrames, file: path });
}

/** A float32 tensor as plain data: the session lives in a worker, so tensors cross threads as buffers. */
class PlainTensor implements OrtTensor {
  constructor(
    _type: 'float32',
    readonly data: Float32Array,
    readonly dims: readonly number[],
  ) {}
}

/** The parent's Node flags minus those that describe its own entry script (`node --input-type=module -e CODE`). */
export function workerExecArgv(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (['-e', '--eval', '-p', '--print', '--input-type'].includes(a)) i++; // and its value
    else if (!a.startsWith('--input-type=') && !a.startsWith('--eval=') && !a.startsWith('--print=')) out.push(a);
  }
  return out;
}

/**
 * Opens an onnxruntime-node session in a worker thread (ort-worker.ts). Its run() leaves the main thread
 * free, so the pipeline's DSP on one chunk overlaps inference on the next; the worker does not keep the
 * process alive between calls.
 */
async function openWorkerSession(model: Uint8Array, options: WorkerSetup['options']): Promise<OrtSession> {
  const workerData = { model, options } satisfies WorkerSetup;
  const execArgv = workerExecArgv(process.execArgv);
  const worker = import.meta.url.endsWith('.ts') // running the sources under tsx: the worker registers tsx first
    ? new Worker(`import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((t) => { t.register(); return import(${JSON.stringify(new URL('./ort-worker.ts', import.meta.url).href)}); })`, { eval: true, workerData, execArgv })
    : new Worker(new URL('./ort-worker.js', import.meta.url), { workerData, execArgv });
  worker.unref();
  const pending = new Map<number, { resolve: (r: WorkerReply) => void; reject: (e: Error) => void }>();
  let nextId = 0;
  let failure: Error | undefined;
  const names = await new Promise<{ inputNames: string[]; outputNames: string[] }>((resolve, reject) => {
    worker.on('message', (m: WorkerReply) => {
      if ('ready' in m) resolve(m);
      else if ('loadError' in m) reject(new Error(m.loadError));
      else pending.get(m.id)?.resolve(m);
    });
    worker.on('error', (e) => {
      failure = e;
      reject(e);
      for (const p of pending.values()) p.reject(e);
    });
  }).catch(async (e: Error) => {
    await worker.terminate();
    throw e;
  });
  const request = (m: Omit<WorkerRequest, 'id'>, transfer: ArrayBuffer[] = []): Promise<WorkerReply> => {
    if (failure) return Promise.reject(failure);
    const id = nextId++;
    return new Promise((resolve, reject) => {
      pending.set(id, {
        resolve: (r) => (pending.delete(id), pending.size === 0 && worker.unref(), resolve(r)),
        reject,
      });
      worker.ref(); // keep the process alive while a call is under way
      worker.postMessage({ ...m, id }, transfer);
    });
  };
  return {
    ...names,
    async run(feeds) {
      const plain: Record<string, PlainTensorData> = {};
      for (const [k, t] of Object.entries(feeds)) plain[k] = { dims: [...t.dims], data: t.data as Float32Array };
      const reply = await request({ feeds: plain }, Object.values(plain).map((t) => t.data.buffer as ArrayBuffer));
      if ('error' in reply) throw new DemixError('BAD_MODEL', `onnxruntime failed: ${reply.error}`);
      if (!('outputs' in reply)) throw new Error('unexpected reply from the onnxruntime worker');
      return reply.outputs;
    },
    async release() {
      await request({ release: true });
      await worker.terminate();
    },
  };
}

registerModel(
  DEFAULT_MODEL_NAME,
  () => loadOnnxModel(shippedModelPath()),
  existsSync(shippedModelPath()) ? 'demix 4-stem neural network (ONNX, shipped in models/)' : 'demix 4-stem neural network (not installed: models/demix-4s.onnx is missing)',
);
registerModelLoader('.onnx', (path) => loadOnnxModel(path));
