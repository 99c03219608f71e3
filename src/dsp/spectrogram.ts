// The complex spectrogram type shared by the STFT, the separators and the Wiener filter.

/**
 * A multichannel complex spectrogram, frame-major: bin `f` of frame `t` of channel `c` is
 * `re[c][t * nBins + f]` + i·`im[c][t * nBins + f]`; nBins = nFft / 2 + 1.
 */
export interface Spectrogram {
  nFrames: number;
  nBins: number;
  re: Float32Array[]; // [channel] of (nFrames * nBins)
  im: Float32Array[]; // [channel] of (nFrames * nBins)
}

/** STFT parameters. Window: periodic Hann of length nFft; frames centred (reflect padding nFft/2). */
export interface StftParams {
  nFft: number; // samples
  hop: number; // samples
}

export const DEFAULT_STFT: StftParams = { nFft: 4096, hop: 1024 };
