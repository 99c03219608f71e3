// Loads the shared museval parity fixtures (../shared/fixtures/bsseval): 16-bit PCM wavs read as int16 / 32768.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseWav } from '../../src/audio/wav.js';

export const FIXTURES = fileURLToPath(new URL('../../../shared/fixtures/bsseval/', import.meta.url));
export const CASES = ['irm', 'perturbed', 'silence', 'vocals_acc'] as const;

export interface MusevalJson {
  targets: { name: string; frames: { time: number; duration: number; metrics: Record<string, number | null> }[] }[];
}

export function loadCase(name: string) {
  const dir = join(FIXTURES, name);
  const read = (sub: string) => {
    const out: Record<string, Float32Array[]> = {};
    for (const t of ['vocals', 'drums', 'bass', 'other', 'accompaniment']) {
      const p = join(dir, sub, `${t}.wav`);
      if (existsSync(p)) out[t] = parseWav(readFileSync(p), p).channels;
    }
    return out;
  };
  return {
    references: read('reference'),
    estimates: read('estimates'),
    expected: JSON.parse(readFileSync(join(dir, 'museval.json'), 'utf8')) as MusevalJson,
  };
}
