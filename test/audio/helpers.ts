// Shared fixtures for the audio tests: synthetic signals, a scratch folder, and the shipped ffmpeg.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import assert from 'node:assert/strict';
import type { Audio } from '../../src/audio/audio.js';
import { ffmpegPath } from '../../src/audio/ffmpeg.js';
import { DemixError } from '../../src/errors.js';

/** A sine of `freq` Hz, `seconds` long, amplitude `amp`, per channel phase-shifted so channels differ. */
export function sineAudio(sampleRate: number, nChannels: number, seconds: number, freq = 440, amp = 0.5): Audio {
  const n = Math.round(seconds * sampleRate);
  const channels: Float32Array[] = [];
  for (let c = 0; c < nChannels; c++) {
    const x = new Float32Array(n);
    const f = freq * (1 + 0.25 * c);
    for (let i = 0; i < n; i++) x[i] = amp * Math.sin((2 * Math.PI * f * i) / sampleRate);
    channels.push(x);
  }
  return { sampleRate, channels };
}

/** Normalised cross-correlation of a and b at lag 0 over their common length (1 = identical shape). */
export function correlation(a: Float32Array, b: Float32Array, skip = 0): number {
  const n = Math.min(a.length, b.length);
  let ab = 0, aa = 0, bb = 0;
  for (let i = skip; i < n - skip; i++) {
    ab += a[i] * b[i];
    aa += a[i] * a[i];
    bb += b[i] * b[i];
  }
  return ab / Math.sqrt(aa * bb + 1e-30);
}

/** Best correlation of a and b over lags in [-maxLag, maxLag] (codecs add a small delay). */
export function bestCorrelation(a: Float32Array, b: Float32Array, maxLag: number, skip = 0): number {
  let best = -1;
  for (let lag = -maxLag; lag <= maxLag; lag++) {
    const n = Math.min(a.length, b.length - lag) - Math.max(0, -lag);
    let ab = 0, aa = 0, bb = 0;
    for (let i = Math.max(skip, -lag); i < n - skip; i++) {
      const y = b[i + lag];
      ab += a[i] * y;
      aa += a[i] * a[i];
      bb += y * y;
    }
    best = Math.max(best, ab / Math.sqrt(aa * bb + 1e-30));
  }
  return best;
}

/** Blocks of audio ([block][channel] of samples) joined into one array per channel: [channel] of (samples). */
export function joinBlocks(blocks: Float32Array[][]): Float32Array[] {
  return blocks[0].map((_, c) => {
    const out = new Float32Array(blocks.reduce((n, b) => n + b[c].length, 0));
    blocks.reduce((at, b) => (out.set(b[c], at), at + b[c].length), 0);
    return out;
  });
}

/** A fresh scratch folder; remove it with `rmSync(dir, { recursive: true, force: true })`. */
export function scratchDir(tag: string): string {
  return mkdtempSync(join(tmpdir(), `demix-${tag}-`));
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** Runs the shipped ffmpeg with `args` (quiet, overwrite); rejects on a non-zero exit. */
export async function ffmpeg(args: string[]): Promise<void> {
  await promisify(execFile)(ffmpegPath(), ['-hide_banner', '-nostdin', '-v', 'error', '-y', ...args]);
}

/**
 * The DemixError code `p` rejects with ('ok' when it resolves). Also checks the message is one line and, when
 * `file` is given, that the error names it.
 */
export async function errorCode(p: Promise<unknown>, file?: string): Promise<string> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof DemixError, `not a DemixError: ${e}`);
    assert.ok(!e.message.includes('\n'), e.message);
    if (file !== undefined) {
      assert.equal(e.file, file);
      assert.ok(e.message.includes(file), e.message);
    }
    return e.code;
  }
  return 'ok';
}
