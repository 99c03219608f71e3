// Canvas drawing for the lanes: waveform peaks and coarse spectrogram images.
import type { SpectrogramImage } from './protocol.js';

/** Min/max envelope of a stem at a fixed resolution: `min[col]`, `max[col]` in [-1, 1]. */
export interface Peaks {
  min: Float32Array;
  max: Float32Array;
}

/** Envelope of planar `channels` ([channel][sample]) over `columns` equal time slices (all channels together). */
export function computePeaks(channels: Float32Array[], columns: number): Peaks {
  const length = channels[0]?.length ?? 0;
  const min = new Float32Array(columns);
  const max = new Float32Array(columns);
  for (let col = 0; col < columns; col++) {
    const from = Math.floor((col * length) / columns);
    const to = Math.max(from + 1, Math.floor(((col + 1) * length) / columns));
    let lo = 0;
    let hi = 0;
    for (const ch of channels) {
      for (let n = from; n < to && n < length; n++) {
        const v = ch[n];
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
    }
    min[col] = lo;
    max[col] = hi;
  }
  return { min, max };
}

/** Sizes the canvas backing store to its CSS box times the device pixel ratio; returns the 2D context. */
function fitCanvas(canvas: HTMLCanvasElement): CanvasRenderingContext2D {
  const ratio = window.devicePixelRatio || 1;
  const width = Math.max(1, Math.round(canvas.clientWidth * ratio));
  const height = Math.max(1, Math.round(canvas.clientHeight * ratio));
  if (canvas.width !== width || canvas.height !== height) {
    canvas.width = width;
    canvas.height = height;
  }
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('canvas 2D context unavailable');
  return ctx;
}

/** Largest absolute value in `peaks`. */
export function peakLevel(peaks: Peaks): number {
  let level = 0;
  for (let i = 0; i < peaks.min.length; i++) level = Math.max(level, -peaks.min[i], peaks.max[i]);
  return level;
}

/** Draws the envelope; `scale` multiplies the samples (the view normalises all lanes by the loudest). */
export function drawWaveform(canvas: HTMLCanvasElement, peaks: Peaks, color: string, scale = 1): void {
  const ctx = fitCanvas(canvas);
  const { width, height } = canvas;
  ctx.clearRect(0, 0, width, height);
  ctx.fillStyle = color;
  const columns = peaks.min.length;
  const mid = height / 2;
  for (let x = 0; x < width; x++) {
    const from = Math.floor((x * columns) / width);
    const to = Math.max(from + 1, Math.floor(((x + 1) * columns) / width));
    let lo = 0;
    let hi = 0;
    for (let c = from; c < to; c++) {
      lo = Math.min(lo, peaks.min[c]);
      hi = Math.max(hi, peaks.max[c]);
    }
    const top = mid - Math.min(1, hi * scale) * mid;
    const bottom = mid - Math.max(-1, lo * scale) * mid;
    ctx.fillRect(x, top, 1, Math.max(1, bottom - top));
  }
}

/** A dark-to-bright colour ramp (black, purple, orange, pale yellow) as 256 RGB triples. */
const COLORMAP: Uint8ClampedArray = (() => {
  const stops = [
    [0, 0, 0, 4],
    [0.35, 110, 30, 120],
    [0.7, 240, 110, 40],
    [1, 252, 250, 190],
  ];
  const out = new Uint8ClampedArray(256 * 3);
  for (let i = 0; i < 256; i++) {
    const t = i / 255;
    const k = stops.findIndex((s) => s[0] >= t);
    const [t1, ...c1] = stops[Math.max(1, k)];
    const [t0, ...c0] = stops[Math.max(0, k - 1)];
    const w = t1 === t0 ? 0 : (t - t0) / (t1 - t0);
    for (let j = 0; j < 3; j++) out[i * 3 + j] = c0[j] + w * (c1[j] - c0[j]);
  }
  return out;
})();

export function drawSpectrogram(canvas: HTMLCanvasElement, image: SpectrogramImage): void {
  const ctx = fitCanvas(canvas);
  const rgba = new ImageData(image.width, image.height);
  for (let i = 0; i < image.pixels.length; i++) {
    const v = image.pixels[i] * 3;
    rgba.data[i * 4] = COLORMAP[v];
    rgba.data[i * 4 + 1] = COLORMAP[v + 1];
    rgba.data[i * 4 + 2] = COLORMAP[v + 2];
    rgba.data[i * 4 + 3] = 255;
  }
  const source = new OffscreenCanvas(image.width, image.height);
  source.getContext('2d')?.putImageData(rgba, 0, 0);
  ctx.imageSmoothingEnabled = true;
  ctx.drawImage(source, 0, 0, canvas.width, canvas.height);
}
