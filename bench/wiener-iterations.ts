// Chooses the Wiener filter's defaults by measurement: separates the validation clips with a model once per
// setting (0 = soft masks; 1 and 2 EM iterations with the exponent α = 2, norbert's power spectrograms, and α = 1,
// magnitudes) and prints the BSS Eval table and separation time of each. Clips are rounded to 16-bit PCM first,
// as `demix benchmark` does (decoded floats leave SIR, SAR and ISR meaningless: see `demix eval --help`).
// Run: npx tsx bench/wiener-iterations.ts [--model demix-4s] [--split train/splits.json] [--dataset DIR]
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Audio } from '../src/audio/audio.js';
import { readStemFile } from '../src/audio/decode.js';
import { formatTable, scoreTrack, summarize } from '../src/cli/eval-report.js';
import type { ScoredTrack, Summary } from '../src/cli/eval-report.js';
import { SOURCES, roundToPcm16 } from '../src/eval/aggregate.js';
import { separate } from '../src/index.js';
import { defaultModelName } from '../src/models/node.js';
import { loadSeparator } from '../src/separate/registry.js';
import { ROOT } from './lib/cli.js';

const SETTINGS = [
  { iterations: 0, exponent: 2 },
  ...[2, 1].flatMap((exponent) => [1, 2].map((iterations) => ({ iterations, exponent }))),
];
const label = ({ iterations, exponent }: (typeof SETTINGS)[number]) => (iterations === 0 ? 'soft masks' : `EM ${iterations}, α ${exponent}`);
const { values } = parseArgs({
  options: {
    model: { type: 'string', default: defaultModelName() },
    split: { type: 'string', default: join(ROOT, 'train', 'splits.json') },
    dataset: { type: 'string', default: join(ROOT, '..', 'shared', 'data', 'musdb18-7', 'train') },
  },
});
if (!existsSync(values.split)) {
  console.log(`skipped: no validation split ${values.split} (train/ writes it)`);
  process.exit(0);
}
const split = JSON.parse(await readFile(values.split, 'utf8')) as { valid: string[] };
const clips = split.valid.map((c) => (c.endsWith('.stem.mp4') ? c : `${c}.stem.mp4`));
const sep = await loadSeparator(values.model);
const scored: Record<string, ScoredTrack[]> = Object.fromEntries(SETTINGS.map((s) => [label(s), []]));
const seconds: Record<string, number> = {};
try {
  for (const clip of clips) {
    const file = await readStemFile(join(values.dataset, clip));
    const mixture = roundToPcm16(file.mixture);
    const stems = Object.fromEntries(Object.entries(file.stems).map(([k, a]) => [k, roundToPcm16(a)]));
    for (const setting of SETTINGS) {
      const t0 = performance.now();
      const result = await separate(mixture, { model: sep, wienerIterations: setting.iterations, wienerExponent: setting.exponent });
      seconds[label(setting)] = (seconds[label(setting)] ?? 0) + (performance.now() - t0) / 1000;
      const estimates: Record<string, Audio> = Object.fromEntries(SOURCES.map((s) => [s, result.stems[s]]));
      scored[label(setting)].push(scoreTrack(clip, stems, estimates, (m) => process.stderr.write(`${m}\n`)));
    }
    process.stderr.write(`${clip} done\n`);
  }
} finally {
  await sep.dispose?.();
}
const summaries: Record<string, Summary> = {};
for (const [name, tracks] of Object.entries(scored)) summaries[name] = summarize(tracks);
console.log(`model ${sep.name}, ${clips.length} validation clips from ${values.split}`);
process.stdout.write(formatTable(summaries, clips.length));
for (const [name, summary] of Object.entries(summaries)) {
  const mean = SOURCES.reduce((acc, s) => acc + summary[s].SDR, 0) / SOURCES.length;
  console.log(`${name}: 4-target average of median SDR ${mean.toFixed(2)} dB; separation ${seconds[name].toFixed(1)} s in all`);
}
