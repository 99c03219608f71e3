// Coarse spectrogram pictures of the stems for the lanes, computed in the worker with the shared STFT.
import { Stft } from '../../src/dsp/stft.js';
import type { SpectrogramImage } from './protocol.js';

const N_FFT = 2048; // samples
const ROWS = 160; // log-frequency rows
const MIN_HZ = 30;
const FLOOR_DB = -90; // relative to a full-scale sine
const SAMPLE_RATE = 44100;

/**
 * A `columns`-wide picture of planar `channels` ([channel][sample], 44.1 kHz): for each column, the
 * magnitude of one STFT frame of the channel average centred there, on a log-frequency axis, in dB.
 */
export async function spectrogramImage(name: string, channels: Float32Array[], columns: number): Promise<SpectrogramImage> {
  const stft = await Stft.create({ nFft: N_FFT, hop: N_FFT / 2 });
  const length = channels[0].length;
  const width = Math.max(1, Math.min(columns, Math.floor(length / N_FFT)));
  const pixels = new Uint8Array(width * ROWS);
  const nBins = N_FFT / 2 + 1;
  const binOfRow = Array.from({ length: ROWS }, (_, r) => {
    const hz = MIN_HZ * (SAMPLE_RATE / 2 / MIN_HZ) ** (1 - r / (ROWS - 1)); // row 0 = top = highest
    return Math.min(nBins - 1, Math.round((hz / SAMPLE_RATE) * N_FFT));
  });
  const fullScale = N_FFT / 4; // |X| of a full-scale sine under a Hann window
  const segment = new Float32Array(N_FFT);
  for (let col = 0; col < width; col++) {
    const start = Math.min(length - N_FFT, Math.max(0, Math.floor(((col + 0.5) * length) / width) - N_FFT / 2));
    segment.fill(0);
    for (const ch of channels) for (let n = 0; n < N_FFT; n++) segment[n] += ch[start + n] / channels.length;
    // Centred framing with hop nFft/2: frame 1 is centred on the segment's middle, clear of the padding.
    const spec = stft.forward([segment]);
    const re = spec.re[0].subarray(nBins, 2 * nBins);
    const im = spec.im[0].subarray(nBins, 2 * nBins);
    for (let r = 0; r < ROWS; r++) {
      const f = binOfRow[r];
      const db = 20 * Math.log10(Math.hypot(re[f], im[f]) / fullScale + 1e-12);
      pixels[r * width + col] = Math.round(255 * Math.min(1, Math.max(0, 1 - db / FLOOR_DB)));
    }
  }
  return { name, width, height: ROWS, pixels };
}
