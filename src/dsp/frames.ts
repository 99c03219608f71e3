// Streaming spectral analysis for feature extraction (tempo, key): one magnitude frame at a time, so memory
// stays at one frame whatever the song's length.
import type { Audio } from '../audio/audio.js';
import { createRealFft } from './fft.js';
import { hannWindow } from './stft.js';

/** Mono mixdown (mean of the channels). audio: [ch][samples] → (samples). */
export function monoOf(audio: Audio): Float32Array {
  const n = audio.channels.length === 0 ? 0 : audio.channels[0].length;
  const out = new Float32Array(n);
  for (const ch of audio.channels) for (let i = 0; i < n; i++) out[i] += ch[i] / audio.channels.length;
  return out;
}

/**
 * Calls `onFrame(mag, t)` for every centred frame t (centre at sample t*hop, zeros beyond the ends):
 * `mag` (nFft/2+1 bins, linear magnitude of the Hann-windowed frame) is reused between calls.
 * x: (samples). Returns the number of frames, 1 + floor(length / hop).
 */
export async function forEachMagnitudeFrame(x: Float32Array, nFft: number, hop: number, onFrame: (mag: Float32Array, t: number) => void): Promise<number> {
  const fft = await createRealFft(nFft);
  const nBins = nFft / 2 + 1;
  const window = hannWindow(nFft);
  const frame = new Float32Array(nFft);
  const re = new Float32Array(nBins);
  const im = new Float32Array(nBins);
  const mag = new Float32Array(nBins);
  const nFrames = 1 + Math.floor(x.length / hop);
  try {
    for (let t = 0; t < nFrames; t++) {
      const start = t * hop - nFft / 2;
      for (let i = 0; i < nFft; i++) {
        const j = start + i;
        frame[i] = j >= 0 && j < x.length ? x[j] * window[i] : 0;
      }
      fft.forward(frame, re, im);
      for (let f = 0; f < nBins; f++) mag[f] = Math.hypot(re[f], im[f]);
      onFrame(mag, t);
    }
  } finally {
    fft.dispose(); // frees its WASM buffers: a long-lived page analyses many songs
  }
  return nFrames;
}
