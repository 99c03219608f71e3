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
