// Node loader for ONNX models: reads the card, checks the file's hash, opens an onnxruntime-node session
// tuned for the CPU, and registers the shipped model (`demix-4s`) and `.onnx` paths with the model registry.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { DemixError } from '../errors.js';
import type { Separator } from '../separate/separator.js';
import { registerModel, registerModelLoader } from '../separate/registry.js';
import { loadModelCard } from './card.js';
import { createOnnxSeparator } from './onnx-separator.js';

export const DEFAULT_MODEL_NAME = 'demix-4s';

export interface NodeModelOptions {
  threads?: number; // intra-op threads (default: all cores)
  chunkFrames?: number; // frames per inference call (default: the card's chunk_frames)
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
  const ort = await import('onnxruntime-node');
  let session: Awaited<ReturnType<typeof ort.InferenceSession.create>>;
  try {
    session = await ort.InferenceSession.create(bytes, {
      intraOpNumThreads: opts.threads ?? availableParallelism(),
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
    });
  } catch (e) {
    throw new DemixError('BAD_MODEL', `${path}: onnxruntime cannot load the model (${(e as Error).message.split('\n')[0]})`, path);
  }
  return createOnnxSeparator({ session, Tensor: ort.Tensor, card, chunkFrames: opts.chunkFrames, file: path });
}

registerModel(
  DEFAULT_MODEL_NAME,
  () => loadOnnxModel(shippedModelPath()),
  existsSync(shippedModelPath()) ? 'demix 4-stem neural network (ONNX, shipped in models/)' : 'demix 4-stem neural network (not installed: models/demix-4s.onnx is missing)',
);
registerModelLoader('.onnx', (path) => loadOnnxModel(path));
