// Oracle ceilings for mask-based separation: ideal ratio masks computed from the true stems with a
// model's STFT and applied to the mixture, so a model's scores can be placed below what any mask could do.
import type { Audio } from '../audio/audio.js';
import type { StftParams } from '../dsp/spectrogram.js';
import { Stft } from '../dsp/stft.js';

/**
 * Ideal ratio mask estimates: per bin, mask_j = |S_j|^p / sum_k |S_k|^p (p = 1 magnitude, 2 power), applied
 * to the mixture's STFT and inverted. mixture and every stem: stereo (or any equal channel count) at one
 * rate, same length. Returns stem name -> audio of the mixture's length. Bins where all stems are 0 get
 * equal shares.
 */
export async function idealRatioMasks(
  mixture: Audio,
  stems: Record<string, Audio>,
  params: StftParams,
  power: 1 | 2,
): Promise<Record<string, Audio>> {
  const stft = await Stft.create(params);
  const names = Object.keys(stems);
  const length = mixture.channels[0].length;
  const mix = stft.forward(mixture.channels);
  const weights = names.map((n) => {
    const s = stft.forward(stems[n].channels);
    return s.re.map((re, c) => {
      const im = s.im[c];
      const w = new Float32Array(re.length);
      for (let i = 0; i < re.length; i++) {
        const mag2 = re[i] * re[i] + im[i] * im[i];
        w[i] = power === 2 ? mag2 : Math.sqrt(mag2);
      }
      return w;
    });
  });
  const out: Record<string, Audio> = {};
  for (const [j, name] of names.entries()) {
    const re = mix.re.map((r) => new Float32Array(r.length));
    const im = mix.im.map((m) => new Float32Array(m.length));
    for (let c = 0; c < re.length; c++) {
      for (let i = 0; i < re[c].length; i++) {
        let total = 0;
        for (const w of weights) total += w[c][i];
        const mask = total > 0 ? weights[j][c][i] / total : 1 / names.length; // equal shares where all stems are 0
        re[c][i] = mix.re[c][i] * mask;
        im[c][i] = mix.im[c][i] * mask;
      }
    }
    out[name] = { sampleRate: mixture.sampleRate, channels: stft.inverse({ ...mix, re, im }, length) };
  }
  return out;
}
