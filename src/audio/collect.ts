// The in-memory end of a stream of audio: consecutive blocks copied into one Audio allocated up front.
import type { Audio, AudioSink } from './audio.js';

export class AudioCollector implements AudioSink {
  readonly audio: Audio; // filled as blocks arrive; complete once `frames` have been written
  private at = 0; // frames written

  constructor(sampleRate: number, nChannels: number, frames: number) {
    this.audio = { sampleRate, channels: Array.from({ length: nChannels }, () => new Float32Array(frames)) };
  }

  /** channels: [ch] of (frames), the next frames. */
  write(channels: Float32Array[]): void {
    channels.forEach((x, c) => this.audio.channels[c].set(x, this.at));
    this.at += channels[0].length;
  }
}
