// Conforming a stream of stereo blocks to an output's channel count and sample rate: fromStereo on each
// block, then the streaming resampler, which gives the same samples as conforming the whole at once.
import type { AudioSink } from './audio.js';
import { fromStereo } from './channels.js';
import { Resampler } from './resample.js';

/** A sink taking stereo blocks at `fromRate` (Hz) that passes them on to `out` with `to`'s channels and rate. */
export async function conformingSink(out: AudioSink, fromRate: number, to: { sampleRate: number; channels: number }): Promise<AudioSink> {
  const resampler = to.sampleRate === fromRate ? null : await Resampler.create(to.channels, fromRate, to.sampleRate);
  return {
    async write(stereo) {
      const mapped = fromStereo({ sampleRate: fromRate, channels: stereo }, to.channels).channels;
      await out.write(resampler ? resampler.push(mapped) : mapped);
    },
    async end() {
      if (resampler) {
        const tail = resampler.end();
        resampler.destroy();
        await out.write(tail);
      }
      await out.end?.();
    },
  };
}
