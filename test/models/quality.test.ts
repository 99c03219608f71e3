// The shipped model must separate songs it never trained on clearly better than the classical separator.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { readStemFile } from '../../src/audio/decode.js';
import { trackSdrs } from '../../src/eval/sisdr.js';
import { separate } from '../../src/index.js';
import { shippedModelPath } from '../../src/models/node.js';
import { snrDb } from '../dsp/signals.js';

const DATA = new URL('../../../shared/data/musdb18-7/train/', import.meta.url).pathname;
const VALID: string[] = JSON.parse(readFileSync(new URL('../../train/splits.json', import.meta.url), 'utf8')).valid;

// Mean over the validation clips of the per-clip MDX SDR averaged over the 4 targets (dB).
// Measured for the shipped model (v1.3.0): demix-4s 3.40 dB, classic 1.65 dB (14 clips); both floors sit well above classic.
const MODEL_FLOOR_DB = 3.1;
const MARGIN_OVER_CLASSIC_DB = 1.5;

/** Mean over `clips` of the 4-target mean MDX SDR (dB) of `model`'s separation of each stored mixture. */
async function meanSdr(model: string, clips: string[]): Promise<number> {
  let sum = 0;
  for (const clip of clips) {
    const file = await readStemFile(`${DATA}${clip}.stem.mp4`);
    const { stems } = await separate(file.mixture, { model });
    const channelsOf = (m: Record<string, { channels: Float32Array[] }>) =>
      Object.fromEntries(Object.entries(m).map(([name, audio]) => [name, audio.channels]));
    sum += trackSdrs(channelsOf(file.stems), channelsOf(stems)).mean;
  }
  return sum / clips.length;
}

const skip = !existsSync(DATA) ? 'no ../shared MUSDB clips' : !existsSync(shippedModelPath()) ? 'no shipped model' : false;

test('demix-4s separates a quiet copy of a song as it does the song (the card\'s level normalisation)', { skip }, async () => {
  const file = await readStemFile(`${DATA}${VALID[0]}.stem.mp4`);
  const quiet = { ...file.mixture, channels: file.mixture.channels.map((x) => x.map((v) => v * 0.05)) }; // -26 dB
  const loud = (await separate(file.mixture, { model: 'demix-4s' })).stems;
  const soft = (await separate(quiet, { model: 'demix-4s' })).stems;
  for (const [name, audio] of Object.entries(loud)) {
    audio.channels.forEach((x, c) => {
      const db = snrDb(x, soft[name].channels[c].map((v) => v / 0.05));
      assert.ok(db > 50, `${name} channel ${c}: ${db.toFixed(1)} dB from the loud copy's`);
    });
  }
});

test('demix-4s beats the classical separator on the validation clips by a clear margin', { skip }, async (t) => {
  const model = await meanSdr('demix-4s', VALID);
  const classic = await meanSdr('classic', VALID);
  t.diagnostic(`mean MDX SDR over ${VALID.length} validation clips: demix-4s ${model.toFixed(2)} dB, classic ${classic.toFixed(2)} dB`);
  assert.ok(model >= MODEL_FLOOR_DB, `demix-4s mean SDR ${model.toFixed(2)} dB is below the floor ${MODEL_FLOOR_DB} dB`);
  assert.ok(
    model >= classic + MARGIN_OVER_CLASSIC_DB,
    `demix-4s ${model.toFixed(2)} dB is not ${MARGIN_OVER_CLASSIC_DB} dB above classic ${classic.toFixed(2)} dB`,
  );
});
