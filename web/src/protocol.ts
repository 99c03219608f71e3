// The messages between the page and the separation worker (web/src/worker.ts): the worker boundary.

/** How the page asks the worker to run the model. */
export interface SeparationSettings {
  stems: 2 | 4; // 4 = vocals, drums, bass, other; 2 = vocals + accompaniment
  backend: 'auto' | 'wasm' | 'webgpu' | 'classic'; // 'auto': WebGPU when present, else WASM; classic if no model
  threads: number; // WASM threads (1 when the page is not cross-origin isolated)
  modelUrl: string; // relative to the page; a 404 falls back to the classic separator
}

/** What actually ran, reported once per job (the UI and the benchmark print it). */
export interface RunInfo {
  model: string; // model name, e.g. 'demix-4s' or 'classic'
  backend: string; // 'wasm' | 'webgpu' | 'classic'
  threads: number;
  simd: boolean;
  crossOriginIsolated: boolean;
}

/** A stem as planar 44.1 kHz channels: `channels[c][n]`, floats. */
export interface StemData {
  name: string;
  channels: Float32Array[];
}

/** A coarse spectrogram image of a stem: `pixels[row * width + col]`, 0..255 (dB scaled), row 0 = highest frequency. */
export interface SpectrogramImage {
  name: string;
  width: number; // frames
  height: number; // log-frequency rows
  pixels: Uint8Array;
}

/** The first song, as the mashup matcher needs it: 44.1 kHz stereo, [channel][sample]. */
export interface MashupTarget {
  all: Float32Array[]; // the mix
  harmonic: Float32Array[]; // the mix without its drums stem
}

export type WorkerRequest =
  | { type: 'separate'; id: number; sampleRate: number; channels: Float32Array[]; settings: SeparationSettings }
  | {
      type: 'mashup'; // separate a second song, then match its `take` stem to `target`
      id: number;
      sampleRate: number;
      channels: Float32Array[];
      settings: SeparationSettings;
      take: string;
      target: MashupTarget;
    }
  | { type: 'cancel'; id: number };

export type WorkerReply =
  | { type: 'info'; id: number; info: RunInfo }
  | { type: 'progress'; id: number; fraction: number; stage: string }
  | {
      type: 'done';
      id: number;
      mix: Float32Array[]; // the input, handed back: [channel][sample]
      stems: StemData[];
      spectrograms: SpectrogramImage[];
      seconds: number; // wall time of the separation in the worker
    }
  | { type: 'matched'; id: number; stem: StemData; spectrogram: SpectrogramImage; notes: string[] }
  | { type: 'error'; id: number; message: string }
  | { type: 'cancelled'; id: number };
