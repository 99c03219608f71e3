// Loads the shipped ONNX model and its card in the worker and wraps them, with onnxruntime-web, in the
// shared ONNX Separator (src/models/onnx-separator.ts).
import { cardPathFor, parseModelCard } from '../../src/models/card.js';
import { createOnnxSeparator, type OrtTensorConstructor } from '../../src/models/onnx-separator.js';
import type { Separator } from '../../src/separate/separator.js';
import type { RunInfo, SeparationSettings } from './protocol.js';

interface GpuNavigator {
  gpu?: { requestAdapter(): Promise<unknown> };
}

/** True when the browser has a usable WebGPU adapter. */
async function hasWebGpu(): Promise<boolean> {
  const gpu = (navigator as GpuNavigator).gpu;
  if (!gpu) return false;
  return gpu.requestAdapter().then(
    (adapter) => adapter !== null,
    () => false,
  );
}

async function fetchOk(url: URL): Promise<Response | null> {
  const res = await fetch(url);
  return res.ok ? res : null;
}

/**
 * The model at `settings.modelUrl` as a Separator, or null when the server has no such model (the
 * caller then uses the classic separator). WebGPU runs it when asked for or ('auto') when present;
 * otherwise multi-threaded SIMD WebAssembly with `settings.threads` threads.
 */
export async function loadOnnxSeparator(settings: SeparationSettings): Promise<{ separator: Separator; info: RunInfo } | null> {
  const modelUrl = new URL(settings.modelUrl, self.location.href);
  const modelRes = await fetchOk(modelUrl);
  if (!modelRes) return null;
  const cardUrl = new URL(cardPathFor(modelUrl.pathname), modelUrl);
  const cardRes = await fetchOk(cardUrl);
  if (!cardRes) throw new Error(`${modelUrl.pathname}: no model card ${cardUrl.pathname} next to it (a model needs its card to run)`);
  const card = parseModelCard(await cardRes.text(), cardUrl.pathname);
  const bytes = new Uint8Array(await modelRes.arrayBuffer());

  const gpu = settings.backend === 'webgpu' || (settings.backend === 'auto' && (await hasWebGpu()));
  // The WebGPU build of onnxruntime-web also runs WASM, but is twice the download: load it only when needed.
  const ort = gpu ? await import('onnxruntime-web') : await import('onnxruntime-web/wasm');
  ort.env.wasm.wasmPaths = new URL('./ort/', import.meta.url).href;
  ort.env.wasm.numThreads = settings.threads;
  ort.env.wasm.proxy = false; // already off the main thread
  const session = await ort.InferenceSession.create(bytes, {
    executionProviders: gpu ? ['webgpu', 'wasm'] : ['wasm'],
    graphOptimizationLevel: 'all',
  });
  const separator = createOnnxSeparator({ session, Tensor: ort.Tensor as unknown as OrtTensorConstructor, card, file: modelUrl.pathname });
  const info: RunInfo = {
    model: `${card.name} ${card.version}`,
    backend: gpu ? 'webgpu' : 'wasm',
    threads: gpu ? 1 : settings.threads,
    simd: true, // onnxruntime-web 1.30 ships SIMD builds only
    crossOriginIsolated: self.crossOriginIsolated,
  };
  return { separator, info };
}
