// The contract between the separation pipeline and any model (classical DSP or neural).
import type { Spectrogram, StftParams } from '../dsp/spectrogram.js';

/** The four stems of MUSDB18, in the order demix uses everywhere. */
export const TARGETS = ['vocals', 'drums', 'bass', 'other'] as const;
export type Target = (typeof TARGETS)[number];

export interface Separator {
  readonly name: string;
  readonly targets: readonly string[]; // what `estimate` returns, in order
  readonly sampleRate: number; // Hz the model works at (44100)
  readonly stft: StftParams;
  /** Wiener EM iterations the pipeline uses unless told otherwise (default 1; 0 = the masks as soft masks). */
  readonly wienerIterations?: number;
  /** α of the Wiener filter's fractional power spectrograms (default 2, norbert's; see WienerOptions.exponent). */
  readonly wienerExponent?: number;
  /**
   * RMS level (dBFS) of the mixtures the separator learnt from, for a separator whose masks depend on the input's
   * level (a network): the pipeline then has it estimate each song's masks at that level (see `estimate`'s gain).
   */
  readonly inputRmsDb?: number;
  /** estimate's masks already sum to one per bin (a softmax over targets), so the pipeline does not re-check them. */
  readonly masksSumToOne?: boolean;
  /**
   * Given a stereo mixture spectrogram chunk (at most a bounded number of frames), return one
   * non-negative mask per target and channel: `masks[target][channel]`, frame-major like the input.
   * Unless masksSumToOne, the pipeline normalises masks to sum to one per bin, so they need not.
   * `gain` (default 1): estimate as if the mixture were this many times louder; the masks are still for `mix`.
   */
  estimate(mix: Spectrogram, signal?: AbortSignal, gain?: number): Promise<Float32Array[][]>;
  /** Release native resources (ONNX sessions); optional. */
  dispose?(): Promise<void>;
}
