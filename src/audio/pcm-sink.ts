// Collects an interleaved little-endian float32 PCM byte stream (ffmpeg's f32le output) into planar channels,
// growing its buffers as data arrives and refusing to grow past a frame limit.
import { DemixError } from '../errors.js';
import type { Audio } from './audio.js';
import { sanitizeSample } from './wav.js';

export class PcmSink {
  private channels: Float32Array[]; // [ch][capacity]
  private frames = 0;
  private carry = Buffer.alloc(0); // bytes of an incomplete frame from the previous chunk

  /**
   * nChannels: interleaved channel count; initialFrames: capacity to start with (a hint, e.g. from the duration);
   * maxFrames: add() throws TOO_LONG past this many frames; file names the input in errors.
   */
  constructor(
    private readonly sampleRate: number,
    private readonly nChannels: number,
    initialFrames: number,
    private readonly maxFrames: number,
    private readonly file: string,
  ) {
    const cap = Math.max(1024, Math.min(initialFrames, maxFrames));
    this.channels = Array.from({ length: nChannels }, () => new Float32Array(cap));
  }

  /** Appends a chunk of interleaved f32le bytes (any length; partial frames are carried over). */
  add(chunk: Buffer): void {
    const bytes = this.carry.length > 0 ? Buffer.concat([this.carry, chunk]) : chunk;
    const frameBytes = 4 * this.nChannels;
    const n = Math.floor(bytes.length / frameBytes);
    this.carry = Buffer.from(bytes.subarray(n * frameBytes));
    if (n === 0) return;
    this.reserve(this.frames + n);
    const aligned = bytes.byteOffset % 4 === 0 ? bytes : Buffer.from(bytes.subarray(0, n * frameBytes));
    const samples = new Float32Array(aligned.buffer, aligned.byteOffset, n * this.nChannels); // host is little-endian
    const nCh = this.nChannels;
    for (let c = 0; c < nCh; c++) {
      const out = this.channels[c];
      for (let i = 0, j = c, k = this.frames; i < n; i++, j += nCh, k++) {
        out[k] = sanitizeSample(samples[j]);
      }
    }
    this.frames += n;
  }

  private reserve(needed: number): void {
    const cap = this.channels[0].length;
    if (needed <= cap) return;
    if (needed > this.maxFrames) {
      throw new DemixError('TOO_LONG', `${this.file}: decodes to more than ${Math.round(this.maxFrames / this.sampleRate)} s of audio`, this.file);
    }
    const grown = Math.min(this.maxFrames, Math.max(needed, Math.ceil(cap * 1.5)));
    this.channels = this.channels.map((old) => {
      const next = new Float32Array(grown);
      next.set(old.subarray(0, this.frames));
      return next;
    });
  }

  /** Frames collected so far. */
  get length(): number {
    return this.frames;
  }

  /** The collected audio, trimmed to its length (copies only when much capacity is unused). */
  finish(): Audio {
    const cap = this.channels[0].length;
    const trim = (x: Float32Array): Float32Array => (cap - this.frames > cap / 16 ? x.slice(0, this.frames) : x.subarray(0, this.frames));
    return { sampleRate: this.sampleRate, channels: this.channels.map(trim) };
  }
}
