// The in-memory audio type every module passes around.

/** Planar PCM audio: `channels[c][n]`, samples as floats in [-1, 1] (values may exceed it before limiting). */
export interface Audio {
  sampleRate: number; // Hz
  channels: Float32Array[]; // one array per channel, all of equal length (samples)
}

/** Number of sample frames of an `Audio` (0 when it has no channels). */
export function lengthOf(audio: Audio): number {
  return audio.channels.length === 0 ? 0 : audio.channels[0].length;
}

/** Duration in seconds. */
export function durationOf(audio: Audio): number {
  return lengthOf(audio) / audio.sampleRate;
}

/**
 * A consumer of audio block by block, at a rate and channel count agreed beforehand. write() takes the next
 * frames, [channel] of (frames): the arrays are lent for the call, so copy what you keep; end() says that
 * no more follow. The producer may wait on either.
 */
export interface AudioSink {
  write(channels: Float32Array[]): void | Promise<void>;
  end?(): void | Promise<void>;
}
