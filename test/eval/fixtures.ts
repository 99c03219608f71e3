// Loads the shared museval parity fixtures (../shared/fixtures/bsseval): 16-bit PCM wavs read as int16 / 32768.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const FIXTURES = new URL('../../../shared/fixtures/bsseval/', import.meta.url).pathname;
export const CASES = ['irm', 'perturbed', 'silence', 'vocals_acc'] as const;

/** Planar channels [ch][samples] of a 16-bit PCM wav, each sample int16 / 32768. */
export function readPcm16(path: string): { sampleRate: number; channels: Float32Array[] } {
  const bytes = readFileSync(path);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 12;
  let nch = 0;
  let rate = 0;
  while (at + 8 <= bytes.length) {
    const id = bytes.toString('latin1', at, at + 4);
    const size = view.getUint32(at + 4, true);
    if (id === 'fmt ') {
      nch = view.getUint16(at + 10, true);
      rate = view.getUint32(at + 12, true);
      if (view.getUint16(at + 22, true) !== 16) throw new Error(`${path}: not 16-bit PCM`);
    } else if (id === 'data') {
      const frames = Math.floor(size / (2 * nch));
      const channels = Array.from({ length: nch }, () => new Float32Array(frames));
      for (let i = 0; i < frames; i++) {
        for (let c = 0; c < nch; c++) channels[c][i] = view.getInt16(at + 8 + 2 * (i * nch + c), true) / 32768;
      }
      return { sampleRate: rate, channels };
    }
    at += 8 + size + (size & 1);
  }
  throw new Error(`${path}: no data chunk`);
}

export interface MusevalJson {
  targets: { name: string; frames: { time: number; duration: number; metrics: Record<string, number | null> }[] }[];
}

export function loadCase(name: string) {
  const dir = join(FIXTURES, name);
  const read = (sub: string) => {
    const out: Record<string, Float32Array[]> = {};
    for (const t of ['vocals', 'drums', 'bass', 'other', 'accompaniment']) {
      const p = join(dir, sub, `${t}.wav`);
      if (existsSync(p)) out[t] = readPcm16(p).channels;
    }
    return out;
  };
  return {
    references: read('reference'),
    estimates: read('estimates'),
    expected: JSON.parse(readFileSync(join(dir, 'museval.json'), 'utf8')) as MusevalJson,
  };
}
