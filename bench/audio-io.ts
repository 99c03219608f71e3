// Audio I/O speed: resampling one minute of stereo (48 kHz → 44.1 kHz, 44.1 kHz → 48 kHz) at each quality, and
// WAV parse/encode and ffmpeg FLAC decode of a minute of stereo: npx tsx bench/audio-io.ts
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Audio } from '../src/audio/audio.js';
import { decodeFile } from '../src/audio/decode.js';
import { writeAudio } from '../src/audio/encode.js';
import { resample, type ResampleQuality } from '../src/audio/resample.js';
import { encodeWav, parseWav } from '../src/audio/wav.js';

/** One minute of stereo noise plus a tone at `rate` Hz. */
function minute(rate: number): Audio {
  const n = rate * 60;
  let s = 987654321;
  const channels = [0, 1].map(() => {
    const x = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      x[i] = 0.3 * Math.sin((2 * Math.PI * 440 * i) / rate) + 0.1 * (s / 2 ** 32 - 0.5);
    }
    return x;
  });
  return { sampleRate: rate, channels };
}

async function seconds(f: () => Promise<unknown> | unknown): Promise<number> {
  const t0 = performance.now();
  await f();
  return (performance.now() - t0) / 1000;
}

/** Wall and CPU seconds of `f` (CPU time of this process: on a busy shared machine it is what an idle one would take). */
async function timed(f: () => Promise<unknown> | unknown): Promise<string> {
  const c0 = process.cpuUsage();
  const wall = await seconds(f);
  const c = process.cpuUsage(c0);
  return `${wall.toFixed(2)} s wall, ${((c.user + c.system) / 1e6).toFixed(2)} s CPU`;
}

await resample(minute(48000), 44100, 'fast'); // warm-up (WASM compile, JIT)
for (const [from, to] of [[48000, 44100], [44100, 48000]]) {
  const a = minute(from);
  for (const q of ['medium', 'best'] as ResampleQuality[]) {
    console.log(`resample ${from} → ${to} Hz, ${q.padEnd(6)}: ${await timed(() => resample(a, to, q))} per minute of stereo`);
  }
}

const a = minute(44100);
const wav = encodeWav(a, 16);
console.log(`WAV 16-bit encode: ${(await seconds(() => encodeWav(a, 16))).toFixed(3)} s per minute of stereo`);
console.log(`WAV 16-bit parse:  ${(await seconds(() => parseWav(wav))).toFixed(3)} s per minute of stereo`);
const dir = mkdtempSync(join(tmpdir(), 'demix-bench-'));
try {
  writeFileSync(join(dir, 'a.wav'), wav);
  await writeAudio(join(dir, 'a.flac'), a, { format: 'flac', bitDepth: 16 });
  console.log(`FLAC decode (ffmpeg): ${(await seconds(() => decodeFile(join(dir, 'a.flac')))).toFixed(3)} s per minute of stereo`);
  console.log(`FLAC encode (ffmpeg): ${(await seconds(() => writeAudio(join(dir, 'b.flac'), a, { format: 'flac' }))).toFixed(3)} s per minute of stereo`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
