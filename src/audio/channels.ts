// Channel-count conforming (pure): the pipeline works in stereo, so mono is duplicated and surround is folded down
// with ITU-R BS.775 coefficients; fromStereo maps stereo results back to the input's channel count.
import { DemixError } from '../errors.js';
import type { Audio } from './audio.js';
import { lengthOf } from './audio.js';

const C = Math.SQRT1_2; // -3 dB, the BS.775 weight of the centre and surround channels

/**
 * Left/right weights per input channel for the usual layouts (WAV / ffmpeg channel order):
 * 3 = FL FR FC, 4 = FL FR BL BR, 5 = FL FR FC BL BR, 6 = 5.1 FL FR FC LFE SL SR,
 * 7 = 6.1 FL FR FC LFE BC SL SR (BC split into both surrounds: C·C = 0.5), 8 = 7.1 FL FR FC LFE BL BR SL SR. LFE is dropped, as BS.775 does.
 */
const DOWNMIX: Record<number, [number, number][]> = {
  3: [[1, 0], [0, 1], [C, C]],
  4: [[1, 0], [0, 1], [C, 0], [0, C]],
  5: [[1, 0], [0, 1], [C, C], [C, 0], [0, C]],
  6: [[1, 0], [0, 1], [C, C], [0, 0], [C, 0], [0, C]],
  7: [[1, 0], [0, 1], [C, C], [0, 0], [0.5, 0.5], [C, 0], [0, C]],
  8: [[1, 0], [0, 1], [C, C], [0, 0], [C, 0], [0, C], [C, 0], [0, C]],
};

/** Weights for `n` channels: the table above, else alternate channels to left and right. */
function downmixWeights(n: number): [number, number][] {
  return DOWNMIX[n] ?? Array.from({ length: n }, (_, i): [number, number] => (i % 2 === 0 ? [1, 0] : [0, 1]));
}

/**
 * Stereo version of `audio`: stereo is returned as is, mono is duplicated (the right channel a copy), more channels are downmixed and normalised so that the weights of each side sum to 1 (no clipping).
 */
export function toStereo(audio: Audio): Audio {
  const n = audio.channels.length;
  if (n === 2) return audio;
  if (n === 0) throw new DemixError('BAD_AUDIO', 'audio has no channels');
  if (n === 1) return { sampleRate: audio.sampleRate, channels: [audio.channels[0], audio.channels[0].slice()] };
  const w = downmixWeights(n);
  const norm = [0, 1].map((side) => 1 / w.reduce((s, pair) => s + pair[side], 0));
  const len = lengthOf(audio);
  const out = [new Float32Array(len), new Float32Array(len)]; // [L, R][frame]
  for (let side = 0; side < 2; side++) {
    const y = out[side];
    for (let c = 0; c < n; c++) {
      const g = w[c][side] * norm[side];
      if (g === 0) continue;
      const x = audio.channels[c];
      for (let i = 0; i < len; i++) y[i] += g * x[i];
    }
  }
  return { sampleRate: audio.sampleRate, channels: out };
}

/**
 * Stereo `audio` mapped to `nChannels`: 1 = the mean of left and right, 2 = unchanged, more = left and right in
 * the front pair and silence elsewhere (stems have no surround information to restore).
 */
export function fromStereo(audio: Audio, nChannels: number): Audio {
  if (audio.channels.length !== 2) throw new DemixError('BAD_AUDIO', `fromStereo needs stereo audio, got ${audio.channels.length} channels`);
  if (!Number.isInteger(nChannels) || nChannels < 1) throw new DemixError('BAD_AUDIO', `cannot make ${nChannels} channels`);
  if (nChannels === 2) return audio;
  const [l, r] = audio.channels;
  if (nChannels === 1) {
    const m = new Float32Array(l.length);
    for (let i = 0; i < m.length; i++) m[i] = 0.5 * (l[i] + r[i]);
    return { sampleRate: audio.sampleRate, channels: [m] };
  }
  const channels = [l, r];
  for (let c = 2; c < nChannels; c++) channels.push(new Float32Array(l.length));
  return { sampleRate: audio.sampleRate, channels };
}
