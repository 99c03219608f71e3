// Real FFT of length n on PFFFT compiled to WebAssembly (SIMD build, scalar build as a fallback): pure, works in
// Node and in browsers.
//
// Loading: in Node the Emscripten module reads pffft.wasm next to its .js file. In a browser bundle the .wasm
// must be served or handed over: call configureFft({ wasmBinary }) or configureFft({ locateFile }) before the
// first createRealFft (bundlers that do not rewrite `new URL('pffft.wasm', import.meta.url)` need this).
import PffftSimd from '@echogarden/pffft-wasm/simd';
import PffftScalar from '@echogarden/pffft-wasm';
import { DemixError } from '../errors.js';

/** A real FFT of fixed length n (PFFFT: n = 2^a·3^b·5^c with a >= 5, i.e. n a multiple of 32). */
export interface RealFft {
  readonly n: number;
  /** x: (n) samples → re, im: (n/2+1) bins, unscaled (X_k = Σ x_j e^{-2πijk/n}). */
  forward(x: Float32Array, re: Float32Array, im: Float32Array): void;
  /** re, im: (n/2+1) bins → out: (n) samples, scaled by 1/n so that inverse(forward(x)) == x; im[0], im[n/2] are ignored. */
  inverse(re: Float32Array, im: Float32Array, out: Float32Array): void;
  /**
   * The transform's buffer in WASM memory, (n) floats, for callers that avoid copies: fill it with samples and call
   * forwardInPlace() to get PFFFT's ordered spectrum [X0, X(n/2), re1, im1, re2, im2, ...]; fill it with that layout
   * and call inverseInPlace() to get n·x. Re-read it after each call (WASM memory may have grown).
   */
  buffer(): Float32Array;
  forwardInPlace(): void;
  inverseInPlace(): void;
  /** Frees the WASM memory of this transform; the object must not be used afterwards. */
  dispose(): void;
}

/** Where the Emscripten module finds its .wasm (see the module comment). */
export interface FftLoadOptions {
  wasmBinary?: ArrayBuffer | Uint8Array; // the bytes of pffft.wasm (the SIMD build's, or the scalar one's when SIMD is missing)
  locateFile?: (path: string, scriptDirectory: string) => string; // URL of 'pffft.wasm'
}

interface PffftModule {
  HEAPF32: Float32Array;
  _pffft_new_setup(n: number, transform: number): number;
  _pffft_destroy_setup(setup: number): void;
  _pffft_transform_ordered(setup: number, input: number, output: number, work: number, direction: number): void;
  _pffft_aligned_malloc(bytes: number): number;
  _pffft_aligned_free(ptr: number): void;
}

const PFFFT_REAL = 0;
const PFFFT_FORWARD = 0;
const PFFFT_BACKWARD = 1;

let loadOptions: FftLoadOptions = {};
let modulePromise: Promise<PffftModule> | undefined;

/** Sets how the WASM is loaded; must be called before the first createRealFft to have an effect. */
export function configureFft(options: FftLoadOptions): void {
  loadOptions = options;
}

function pffft(): Promise<PffftModule> {
  modulePromise ??= (PffftSimd(loadOptions as Record<string, unknown>) as Promise<PffftModule>).catch(
    // Engines without WASM SIMD fail to compile the SIMD build: use the scalar build.
    () => PffftScalar(loadOptions as Record<string, unknown>) as Promise<PffftModule>,
  );
  return modulePromise;
}

/** True when PFFFT accepts a real transform of length n: n = 2^a·3^b·5^c with a >= 5. */
export function isValidFftSize(n: number): boolean {
  if (!Number.isInteger(n) || n < 32 || n % 32 !== 0) return false;
  let m = n / 32;
  for (const p of [2, 3, 5]) while (m % p === 0) m /= p;
  return m === 1;
}

/** Creates a real FFT of length n; throws DemixError('BAD_FFT_SIZE') unless n is a multiple of 32 with only factors 2, 3, 5. */
export async function createRealFft(n: number): Promise<RealFft> {
  if (!isValidFftSize(n)) {
    throw new DemixError('BAD_FFT_SIZE', `FFT size ${n} is not supported: PFFFT needs n = 2^a*3^b*5^c with n a multiple of 32`);
  }
  const m = await pffft();
  const setup = m._pffft_new_setup(n, PFFFT_REAL);
  const data = m._pffft_aligned_malloc(n * 4);
  const work = m._pffft_aligned_malloc(n * 4);
  if (setup === 0 || data === 0 || work === 0) throw new DemixError('FFT_ALLOC', `could not allocate an FFT of size ${n}`);
  const offset = data >> 2;
  const half = n / 2;
  const scale = 1 / n;
  let disposed = false;
  let view = m.HEAPF32.subarray(offset, offset + n);
  const buffer = (): Float32Array => {
    if (view.buffer !== m.HEAPF32.buffer) view = m.HEAPF32.subarray(offset, offset + n); // memory grew
    return view;
  };
  return {
    n,
    buffer,
    forwardInPlace: () => m._pffft_transform_ordered(setup, data, data, work, PFFFT_FORWARD),
    inverseInPlace: () => m._pffft_transform_ordered(setup, data, data, work, PFFFT_BACKWARD),
    forward(x, re, im) {
      m.HEAPF32.set(x.length === n ? x : x.subarray(0, n), offset);
      m._pffft_transform_ordered(setup, data, data, work, PFFFT_FORWARD);
      const h = m.HEAPF32;
      re[0] = h[offset];
      im[0] = 0;
      re[half] = h[offset + 1];
      im[half] = 0;
      for (let k = 1, j = offset + 2; k < half; k++, j += 2) {
        re[k] = h[j];
        im[k] = h[j + 1];
      }
    },
    inverse(re, im, out) {
      let h = m.HEAPF32;
      h[offset] = re[0];
      h[offset + 1] = re[half];
      for (let k = 1, j = offset + 2; k < half; k++, j += 2) {
        h[j] = re[k];
        h[j + 1] = im[k];
      }
      m._pffft_transform_ordered(setup, data, data, work, PFFFT_BACKWARD);
      h = m.HEAPF32;
      for (let i = 0; i < n; i++) out[i] = h[offset + i] * scale;
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      m._pffft_aligned_free(work);
      m._pffft_aligned_free(data);
      m._pffft_destroy_setup(setup);
    },
  };
}
