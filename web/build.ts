// Builds the browser app into dist/web: esbuild bundles of the page and the worker (sharing the
// TypeScript of src/), the static files, onnxruntime-web's WebAssembly, the FFT's and Rubber Band's WASM and the model.
import { build } from 'esbuild';
import { copyFile, mkdir, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = join(root, 'dist', 'web');
const modules = join(root, 'node_modules');

/** onnxruntime-web's runtimes: plain SIMD+threads for WebAssembly, JSEP for WebGPU. */
const ORT_FILES = ['ort-wasm-simd-threaded.mjs', 'ort-wasm-simd-threaded.wasm', 'ort-wasm-simd-threaded.jsep.mjs', 'ort-wasm-simd-threaded.jsep.wasm'];
const MODEL_FILES = ['demix-4s.onnx', 'demix-4s.json'];

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

async function copy(from: string, to: string): Promise<void> {
  await mkdir(dirname(to), { recursive: true });
  await copyFile(from, to);
}

export async function buildWeb(): Promise<void> {
  await rm(out, { recursive: true, force: true });
  await build({
    absWorkingDir: root,
    entryPoints: { app: 'web/src/app.ts', worker: 'web/src/worker.ts' },
    outdir: out,
    bundle: true,
    splitting: true, // onnxruntime-web is a chunk the worker imports only when a model is served
    format: 'esm',
    target: ['es2022'],
    minify: true,
    sourcemap: true,
    // Keep onnxruntime-web's WASM loader as a separate file (dist/web/ort/), so its threads can start it.
    conditions: ['onnxruntime-web-use-extern-wasm'],
    // Node-only branches of Emscripten glue (never taken in a browser).
    external: ['module', 'fs', 'path', 'url', 'crypto', 'worker_threads'],
    logLevel: 'warning',
  });
  await copy(join(root, 'web', 'index.html'), join(out, 'index.html'));
  await copy(join(root, 'web', 'style.css'), join(out, 'style.css'));
  for (const f of ORT_FILES) await copy(join(modules, 'onnxruntime-web', 'dist', f), join(out, 'ort', f));
  // Emscripten glue (FFT, Rubber Band) finds its WASM next to the script that imports it.
  await copy(join(modules, '@echogarden', 'pffft-wasm', 'dist', 'simd', 'pffft.wasm'), join(out, 'pffft.wasm'));
  await copy(join(modules, '@echogarden', 'rubberband-wasm', 'rubberband.wasm'), join(out, 'rubberband.wasm'));
  for (const f of MODEL_FILES) {
    const from = join(root, 'models', f);
    if (await exists(from)) await copy(from, join(out, 'models', f));
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await buildWeb();
  console.log(`web app built into ${out}`);
}
