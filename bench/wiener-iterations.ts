// Chooses the Wiener filter's defaults by measurement: separates the validation clips with a model once per
// setting (0 = soft masks; 1 and 2 EM iterations with the exponent α = 2, norbert's power spectrograms, and α = 1,
// magnitudes). Run: npx tsx bench/wiener-iterations.ts [--model demix-4s] [--split train/splits.json] [--dataset DIR]
import { compareOnValidation } from './lib/validation.js';

const settings = [{ iterations: 0, exponent: 2 }, ...[2, 1].flatMap((exponent) => [1, 2].map((iterations) => ({ iterations, exponent })))];
await compareOnValidation(
  settings.map(({ iterations, exponent }) => ({
    label: iterations === 0 ? 'soft masks' : `EM ${iterations}, α ${exponent}`,
    options: { wienerIterations: iterations, wienerExponent: exponent },
  })),
);
