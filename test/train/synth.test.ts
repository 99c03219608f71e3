// Synthetic training multitracks: train/synth.py renders a short MIDI song and a guitar excerpt into a temp folder;
// checks the MUSDB-style layout the trainer reads (four equally long 44.1 kHz stereo wavs), which stems sound, and
// that no stem or their sum clips. Each skips with synth.py's message naming the missing Debian package.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Audio } from '../../src/audio/audio.js';
import { readWavFile } from '../../src/audio/wav-file.js';

const python = process.env.DEMIX_PYTHON ?? '/usr/bin/python3';
const script = fileURLToPath(new URL('../../train/synth.py', import.meta.url));
const STEMS = ['vocals', 'drums', 'bass', 'other'] as const;
const SECONDS = 4;

function missing(source: string): string | false {
  const r = spawnSync(python, [script, '--check', '--source', source], { encoding: 'utf8' });
  return r.status === 0 ? false : (r.stderr.trim().split('\n').pop() ?? `${python} ${script} --check failed`);
}

function rms(a: Audio): number {
  let sum = 0;
  for (const ch of a.channels) for (const x of ch) sum += x * x;
  return Math.sqrt(sum / (a.channels.length * a.channels[0].length));
}

function peak(channels: Float32Array[]): number {
  let p = 0;
  for (const ch of channels) for (const x of ch) p = Math.max(p, Math.abs(x));
  return p;
}

/** Renders one song of `source` with a fixed seed, checks its layout and levels, returns its stems by name. */
async function renderOne(source: string): Promise<Record<string, Audio>> {
  const out = mkdtempSync(join(tmpdir(), 'demix-synth-'));
  try {
    const args = [script, '--out', out, '--songs', '1', '--seconds', String(SECONDS), '--seed', '7', '--source', source];
    const r = spawnSync(python, args, { encoding: 'utf8', timeout: 100_000 });
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
    const songs = readdirSync(out);
    assert.equal(songs.length, 1, `one song folder, got ${songs}`);
    const stems: Record<string, Audio> = {};
    for (const stem of STEMS) {
      const path = join(out, songs[0], `${stem}.wav`);
      assert.ok(existsSync(path), `${path} exists`);
      stems[stem] = await readWavFile(path);
      assert.equal(stems[stem].sampleRate, 44100, `${stem} at 44.1 kHz`);
      assert.equal(stems[stem].channels.length, 2, `${stem} is stereo`);
      assert.equal(stems[stem].channels[0].length, SECONDS * 44100, `${stem} is ${SECONDS} s long`);
      assert.ok(peak(stems[stem].channels) < 0.99, `${stem} does not clip`);
    }
    const mix = [0, 1].map((c) => {
      const sum = new Float32Array(SECONDS * 44100);
      for (const stem of STEMS) stems[stem].channels[c].forEach((x, i) => (sum[i] += x));
      return sum;
    });
    assert.ok(peak(mix) < 0.99, 'the sum of the stems does not clip');
    assert.equal(peak(stems.vocals.channels), 0, 'vocals are digital silence');
    return stems;
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

const AUDIBLE = 10 ** (-50 / 20); // RMS above -50 dBFS

test('synth.py renders a MIDI song: drums, bass and other sound, vocals silent, nothing clips', { skip: missing('midi'), timeout: 120_000 }, async () => {
  const stems = await renderOne('midi');
  for (const stem of ['drums', 'bass', 'other']) assert.ok(rms(stems[stem]) > AUDIBLE, `${stem} is audible (rms ${rms(stems[stem])})`);
});

test('synth.py renders a real guitar excerpt as "other" alone', { skip: missing('guitar'), timeout: 120_000 }, async () => {
  const stems = await renderOne('guitar');
  assert.ok(rms(stems.other) > AUDIBLE, `other is audible (rms ${rms(stems.other)})`);
  for (const stem of ['drums', 'bass']) assert.equal(peak(stems[stem].channels), 0, `${stem} is silent`);
});
