// Shared fixtures for the DJ command tests (remix, mashup, karaoke): generated stems and an in-process
// `demix` runner (a child process) that captures what the command prints.
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Audio } from '../../src/audio/audio.js';
import { encodeWav } from '../../src/audio/wav.js';

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

const ENTRY = fileURLToPath(new URL('./demix-entry.ts', import.meta.url));

/** Runs `demix ...args` from source in a child process (tsx), capturing its output. */
export function demix(...args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--import', 'tsx', ENTRY, ...args], { encoding: 'utf8', timeout: 300_000, maxBuffer: 1 << 24 }, (err, stdout, stderr) => {
      if (err && typeof err.code !== 'number') reject(err);
      else resolve({ code: err ? (err.code as number) : 0, stdout, stderr });
    });
  });
}

/** `seconds` of a sine at `freq` Hz and amplitude `amp`, stereo (right channel slightly quieter). */
export function sine(freq: number, seconds: number, amp = 0.3, rate = 44100): Audio {
  const x = new Float32Array(Math.round(seconds * rate));
  for (let i = 0; i < x.length; i++) x[i] = amp * Math.sin((2 * Math.PI * freq * i) / rate);
  return { sampleRate: rate, channels: [x, x.map((v) => 0.9 * v)] };
}

/** A drum-like click track: a low thump on each bar's first beat, a high tick on the others. Stereo. */
export function clicks(bpm: number, seconds: number, start = 0.25, amp = 0.6, rate = 44100): Audio {
  const x = new Float32Array(Math.round(seconds * rate));
  const period = 60 / bpm;
  for (let k = 0; start + k * period < seconds - 0.05; k++) {
    const s = Math.round((start + k * period) * rate);
    for (let i = 0; i < 2000 && s + i < x.length; i++) {
      const w = (2 * Math.PI * i) / rate;
      const env = amp * Math.exp(-i / 300);
      x[s + i] += env * (k % 4 === 0 ? 0.8 * Math.sin(60 * w) + 0.3 * Math.sin(1500 * w) : 0.5 * Math.sin(1500 * w));
    }
  }
  return { sampleRate: rate, channels: [x, x.slice()] };
}

/** Triads (MIDI notes) one per `beat` seconds, looped to `seconds`, 4 harmonics each. Stereo. */
export function chords(progression: number[][], seconds: number, beat = 1, amp = 0.06, rate = 44100): Audio {
  const x = new Float32Array(Math.round(seconds * rate));
  const len = Math.round(beat * rate);
  for (let at = 0, k = 0; at < x.length; at += len, k++) {
    for (const note of progression[k % progression.length]) {
      const f = 440 * Math.pow(2, (note - 69) / 12);
      for (let i = 0; i < len && at + i < x.length; i++) {
        let v = 0;
        for (let h = 1; h <= 4; h++) v += Math.sin((2 * Math.PI * f * h * (at + i)) / rate) / h;
        x[at + i] += amp * v * Math.min(1, i / 200, (len - i) / 200);
      }
    }
  }
  return { sampleRate: rate, channels: [x, x.slice()] };
}

/** Writes `stems` as `<dir>/<name>.wav` (float 32-bit, exact) and returns `dir`. */
export function writeStemsFolder(dir: string, stems: Record<string, Audio>): string {
  mkdirSync(dir, { recursive: true });
  for (const [name, audio] of Object.entries(stems)) writeFileSync(join(dir, `${name}.wav`), encodeWav(audio, 32));
  return dir;
}
