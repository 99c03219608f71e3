// Seeded test signals and fixture helpers for the DSP tests.

/** Uniform pseudo-random numbers in [0, 1) from a linear congruential generator. */
export function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** White noise, uniform in [−amp/2, amp/2): (n). */
export function noise(n: number, seed: number, amp = 1): Float32Array {
  const r = lcg(seed);
  return new Float32Array(n).map(() => amp * (r() - 0.5));
}

/** A float32 little-endian array stored as base64 in a JSON fixture (train/make_*_fixture.py). */
export function base64Floats(b64: string): Float32Array {
  const bytes = Buffer.from(b64, 'base64');
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

/** Signal-to-error ratio of `est` against `ref`, dB (an error of 0 counts as 1e-30). */
export function snrDb(ref: ArrayLike<number>, est: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < ref.length; i++) {
    num += ref[i] ** 2;
    den += (ref[i] - est[i]) ** 2;
  }
  return 10 * Math.log10(num / Math.max(den, 1e-30));
}

/** max |a − b| / max |b|. */
export function maxRelativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let err = 0;
  let ref = 0;
  for (let i = 0; i < b.length; i++) {
    err = Math.max(err, Math.abs(a[i] - b[i]));
    ref = Math.max(ref, Math.abs(b[i]));
  }
  return err / ref;
}

/** Frequency (Hz) of a steady tone: rising zero crossings counted over the middle half of `y` (samples). */
export function frequencyOf(y: Float32Array, sampleRate: number): number {
  const a = Math.floor(y.length / 4);
  const b = Math.floor((3 * y.length) / 4);
  let crossings = 0;
  for (let i = a + 1; i < b; i++) if (y[i - 1] < 0 && y[i] >= 0) crossings++;
  return crossings / ((b - a) / sampleRate);
}
