// How the separation depends on the song's level and on its stereo image: the validation clips with mixture and
// stems scaled by -24 .. +6 dB, with the network's input brought to the card's training level (input_rms_db) and
// as it is, and the clips folded to mono (L = R = (L + R) / 2).
// Run: npx tsx bench/input-level.ts [--model demix-4s] [--split train/splits.json] [--dataset DIR]
import type { Audio } from '../src/audio/audio.js';
import { dbToGain } from '../src/dsp/limiter.js';
import { compareOnValidation, type Variant } from './lib/validation.js';

const scaled = (db: number) => {
  const gain = dbToGain(db);
  return (a: Audio): Audio => ({ ...a, channels: a.channels.map((x) => x.map((v) => v * gain)) });
};
const mono = (a: Audio): Audio => {
  const m = a.channels[0].map((v, i) => 0.5 * (v + a.channels[1][i]));
  return { ...a, channels: [m, m.slice()] };
};
const variants: Variant[] = [-24, -12, -6, 0, 6].flatMap((db) => [
  { label: `${db} dB, levelled`, clip: scaled(db) },
  { label: `${db} dB, as it is`, clip: scaled(db), separator: (s) => ({ ...s, inputRmsDb: undefined }) },
]);
await compareOnValidation([...variants, { label: 'mono', clip: mono }]);
