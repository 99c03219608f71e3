// Time-stretching and pitch-shifting with the Rubber Band library (compiled to WASM), offline mode.
import type { Audio } from '../audio/audio.js';
import RubberbandModule from '@echogarden/rubberband-wasm';

/** The part of the Emscripten module of @echogarden/rubberband-wasm that demix uses (Rubber Band's C API). */
interface Rubberband {
  HEAPF32: Float32Array;
  HEAPU32: Uint32Array;
  _malloc(bytes: number): number;
  _free(ptr: number): void;
  _rubberband_new(sampleRate: number, channels: number, options: number, timeRatio: number, pitchScale: number): number;
  _rubberband_delete(state: number): void;
  _rubberband_set_expected_input_duration(state: number, samples: number): void;
  _rubberband_set_max_process_size(state: number, samples: number): void;
  _rubberband_study(state: number, input: number, samples: number, final: number): void;
  _rubberband_process(state: number, input: number, samples: number, final: number): void;
  _rubberband_available(state: number): number;
  _rubberband_retrieve(state: number, output: number, samples: number): number;
}

// Rubber Band option bits (rubberband-c.h); unset bits select offline processing and the defaults.
const OPTION_ENGINE_FINER = 0x20000000; // R3 engine: best quality for music
const OPTION_PITCH_HIGH_QUALITY = 0x02000000;
const OPTION_CHANNELS_TOGETHER = 0x10000000; // keeps the stereo image

let modulePromise: Promise<Rubberband> | undefined;

function rubberband(): Promise<Rubberband> {
  modulePromise ??= (RubberbandModule as unknown as () => Promise<Rubberband>)();
  return modulePromise;
}

export interface StretchOptions {
  timeRatio?: number; // output duration / input duration (1 = unchanged); tempo changes by 1/timeRatio
  semitones?: number; // pitch shift (0 = unchanged)
}

const BLOCK = 16384; // samples per channel per process/retrieve call

/**
 * Time-stretches and/or pitch-shifts `audio` (any channel count and rate) with Rubber Band's R3 engine,
 * offline: the result lasts round(length * timeRatio) samples and starts in time with the input.
 */
export async function stretch(audio: Audio, opts: StretchOptions): Promise<Audio> {
  const timeRatio = opts.timeRatio ?? 1;
  const pitchScale = Math.pow(2, (opts.semitones ?? 0) / 12);
  if (!(timeRatio > 0.05 && timeRatio < 20)) throw new RangeError(`time ratio ${timeRatio} outside 0.05..20`);
  if (!(pitchScale > 0.05 && pitchScale < 20)) throw new RangeError(`pitch shift of ${opts.semitones} semitones is out of range`);
  const nCh = audio.channels.length;
  const n = nCh === 0 ? 0 : audio.channels[0].length;
  const outLen = Math.round(n * timeRatio);
  if (n === 0 || (timeRatio === 1 && pitchScale === 1)) return { sampleRate: audio.sampleRate, channels: audio.channels.map((c) => c.slice()) };

  const rb = await rubberband();
  const options = OPTION_ENGINE_FINER | OPTION_PITCH_HIGH_QUALITY | OPTION_CHANNELS_TOGETHER;
  const state = rb._rubberband_new(audio.sampleRate, nCh, options, timeRatio, pitchScale);
  // One float buffer per channel plus an array of their pointers, for input and for output.
  const bufs = Array.from({ length: 2 * nCh }, () => rb._malloc(BLOCK * 4));
  const inPtrs = rb._malloc(nCh * 4);
  const outPtrs = rb._malloc(nCh * 4);
  const out = Array.from({ length: nCh }, () => new Float32Array(outLen));
  let written = 0;
  try {
    for (let c = 0; c < nCh; c++) {
      rb.HEAPU32[(inPtrs >> 2) + c] = bufs[c];
      rb.HEAPU32[(outPtrs >> 2) + c] = bufs[nCh + c];
    }
    rb._rubberband_set_expected_input_duration(state, n);
    rb._rubberband_set_max_process_size(state, BLOCK);
    const feed = (from: number, count: number): void => {
      // HEAPF32 is re-read on every call: the WASM memory may have grown and replaced the view.
      for (let c = 0; c < nCh; c++) rb.HEAPF32.set(audio.channels[c].subarray(from, from + count), bufs[c] >> 2);
    };
    for (let pos = 0; pos < n; pos += BLOCK) {
      const count = Math.min(BLOCK, n - pos);
      feed(pos, count);
      rb._rubberband_study(state, inPtrs, count, pos + count >= n ? 1 : 0);
    }
    const drain = (): void => {
      for (;;) {
        const avail = rb._rubberband_available(state);
        if (avail <= 0) return;
        const got = rb._rubberband_retrieve(state, outPtrs, Math.min(avail, BLOCK));
        const take = Math.min(got, outLen - written);
        for (let c = 0; c < nCh; c++) out[c].set(rb.HEAPF32.subarray(bufs[nCh + c] >> 2, (bufs[nCh + c] >> 2) + take), written);
        written += take;
        if (got === 0) return;
      }
    };
    for (let pos = 0; pos < n; pos += BLOCK) {
      const count = Math.min(BLOCK, n - pos);
      feed(pos, count);
      rb._rubberband_process(state, inPtrs, count, pos + count >= n ? 1 : 0);
      drain();
    }
    drain();
  } finally {
    for (const b of bufs) rb._free(b);
    rb._free(inPtrs);
    rb._free(outPtrs);
    rb._rubberband_delete(state);
  }
  return { sampleRate: audio.sampleRate, channels: out };
}
