// Compares variants of a separation on the validation clips of train/splits.json: each variant may change the
// clip (mixture and stems alike), the separator or the pipeline options; prints the BSS Eval table, each
// variant's 4-target average of median SDR and its separation time. Clips are rounded to 16-bit PCM first, as
// `demix benchmark` does (decoded floats leave SIR, SAR and ISR meaningless: see `demix eval --help`).
// Options: --model NAME|PATH (default: the shipped model), --split FILE, --dataset DIR.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Audio } from '../../src/audio/audio.js';
import { readStemFile } from '../../src/audio/decode.js';
import { formatTable, scoreTrack, summarize } from '../../src/cli/eval-report.js';
import type { ScoredTrack, Summary } from '../../src/cli/eval-report.js';
import { SOURCES, roundToPcm16 } from '../../src/eval/aggregate.js';
import { separate } from '../../src/index.js';
import { defaultModelName } from '../../src/models/node.js';
import type { PipelineOptions } from '../../src/separate/pipeline.js';
import { loadSeparator } from '../../src/separate/registry.js';
import type { Separator } from '../../src/separate/separator.js';
import { ROOT } from './cli.js';

export interface Variant {
  label: string;
  clip?: (a: Audio) => Audio; // applied to the mixture and to each stem (default: as stored)
  separator?: (s: Separator) => Separator; // default: the loaded one
  options?: PipelineOptions;
}

export async function compareOnValidation(variants: Variant[]): Promise<void> {
  const { values } = parseArgs({
    options: {
      model: { type: 'string', default: defaultModelName() },
      split: { type: 'string', default: join(ROOT, 'train', 'splits.json') },
      dataset: { type: 'string', default: join(ROOT, '..', 'shared', 'data', 'musdb18-7', 'train') },
    },
  });
  if (!existsSync(values.split)) {
    console.log(`skipped: no validation split ${values.split} (train/ writes it)`);
    return;
  }
  const split = JSON.parse(await readFile(values.split, 'utf8')) as { valid: string[] };
  const clips = split.valid.map((c) => (c.endsWith('.stem.mp4') ? c : `${c}.stem.mp4`));
  const sep = await loadSeparator(values.model);
  const scored: Record<string, ScoredTrack[]> = Object.fromEntries(variants.map((v) => [v.label, []]));
  const seconds: Record<string, number> = Object.fromEntries(variants.map((v) => [v.label, 0]));
  try {
    for (const clip of clips) {
      const file = await readStemFile(join(values.dataset, clip));
      const mixture = roundToPcm16(file.mixture);
      const truth = Object.entries(file.stems).map(([k, a]) => [k, roundToPcm16(a)] as const);
      for (const v of variants) {
        const change = v.clip ?? ((x: Audio) => x);
        const stems = Object.fromEntries(truth.map(([k, a]) => [k, change(a)]));
        const t0 = performance.now();
        const result = await separate(change(mixture), { ...v.options, model: v.separator?.(sep) ?? sep });
        seconds[v.label] += (performance.now() - t0) / 1000;
        const estimates: Record<string, Audio> = Object.fromEntries(SOURCES.map((s) => [s, result.stems[s]]));
        scored[v.label].push(scoreTrack(clip, stems, estimates, (m) => process.stderr.write(`${m}\n`)));
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
}
