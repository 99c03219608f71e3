// Loads the shipped ONNX model and its card in the worker and wraps them, with onnxruntime-web, in the
// shared ONNX Separator (src/models/onnx-separator.ts).
import { loadModelCard } from '../../src/models/card.js';
import { createOnnxSeparator, type OrtTensorConstructor } from '../../src/models/onnx-separator.js';
import type { Separator } from '../../src/separate/separator.js';
import type { RunInfo, SeparationSettings } from './protocol.js';

/**
 * Frames per inference call in the browser, where the network is most of the time: 512 (fewer overlapping
 * window edges than the card's 256) separated a 3-minute song in 17.7 / 19.8 s against 20.1 / 22.1 s and
 * a 10-minute one in 60.2 s against 67.7 s, for 65 MB more peak renderer memory (bench/web.ts).
 */
const WEB_CHUNK_FRAMES = 512;

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

/** The text at `path` (relative to the worker), rejecting on any HTTP error. */
async function fetchText(path: string): Promise<string> {
  const res = await fetch(new URL(path, self.location.href));
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
  return res.text();
}

function hex(bytes: ArrayBuffer): string {
  return Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * The model at `settings.modelUrl` as a Separator, or null when the server has no such model (the
 * caller then uses the classic separator). WebGPU runs it when asked for or ('auto') when present;
 * otherwise multi-threaded SIMD WebAssembly with `settings.threads` threads.
 */
export async function loadOnnxSeparator(settings: SeparationSettings): Promise<{ separator: Separator; info: RunInfo } | null> {
  const path = settings.modelUrl;
  const modelRes = await fetch(new URL(path, self.location.href));
  if (!modelRes.ok) return null;
  const card = await loadModelCard(path, fetchText);
  const bytes = new Uint8Array(await modelRes.arrayBuffer());
  if (card.sha256 !== undefined && hex(await crypto.subtle.digest('SHA-256', bytes)) !== card.sha256) {
    throw new Error(`${path}: the file's SHA-256 does not match its model card (damaged or replaced file)`);
  }

  const gpu = settings.backend === 'webgpu' || (settings.backend === 'auto' && (await hasWebGpu()));
  // The WebGPU build of onnxruntime-web also runs WASM, but is twice the download: load it only when needed.
  const ort = gpu ? await import('onnxruntime-web') : await import('onnxruntime-web/wasm');
  ort.env.wasm.wasmPaths = new URL('./ort/', import.meta.url).href;
  ort.env.wasm.numThreads = settings.threads;
  ort.env.wasm.proxy = false; // already off the main thread
  const session = await ort.InferenceSession.create(bytes, {
    executionProviders: gpu ? ['webgpu', 'wasm'] : ['wasm'],
    graphOptimizationLevel: 'all',
  }).catch((e: Error) => {
    throw new Error(`${path}: onnxruntime-web cannot load the model (${e.message.split('\n')[0]})`);
  });
  const separator = createOnnxSeparator({ session, Tensor: ort.Tensor as unknown as OrtTensorConstructor, card, chunkFrames: WEB_CHUNK_FRAMES, file: path });
  const info: RunInfo = {
    model: `${card.name} ${card.version}`,
    backend: gpu ? 'webgpu' : 'wasm',
    threads: gpu ? 1 : settings.threads,
    simd: true, // onnxruntime-web 1.30 ships SIMD builds only
    crossOriginIsolated: self.crossOriginIsolated,
  };
  return { separator, info };
}
