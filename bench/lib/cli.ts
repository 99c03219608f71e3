// Helpers for the CLI benchmarks: a long wav made by looping a MUSDB clip, and a timed `demix` run
// that reports its own peak RSS (process.resourceUsage().maxRSS of the CLI process).
import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { decodeFile } from '../../src/audio/decode.js';
import { encodeWav } from '../../src/audio/wav.js';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const CLIP = join(ROOT, '..', 'shared', 'data', 'musdb18-7', 'train', 'Music Delta - 80s Rock.stem.mp4');

/** Compiles the CLI into dist/ (the bin runs compiled code). */
export function build(): void {
  execFileSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], { cwd: ROOT, stdio: 'inherit' });
}

export function scratchDir(): string {
  return mkdtempSync(join(tmpdir(), 'demix-bench-'));
}

/**
 * Writes a 16-bit 44.1 kHz stereo wav of `seconds` by looping the clip's mixture, streaming the data so
 * that even an hour never sits in memory. Returns its path.
 */
export async function loopedWav(dir: string, seconds: number): Promise<string> {
  const clip = await decodeFile(CLIP); // 44.1 kHz stereo
  const bytes = encodeWav(clip, 16);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let data = 12;
  while (String.fromCharCode(...bytes.subarray(data, data + 4)) !== 'data') data += 8 + view.getUint32(data + 4, true);
  const header = bytes.slice(0, data + 8);
  const body = bytes.subarray(data + 8, data + 8 + view.getUint32(data + 4, true));
  const total = Math.round(seconds * clip.sampleRate) * 4; // bytes of 16-bit stereo frames
  const hv = new DataView(header.buffer);
  hv.setUint32(4, header.length - 8 + total, true);
  hv.setUint32(data + 4, total, true);
  const path = join(dir, `looped-${seconds}s.wav`);
  const fd = openSync(path, 'w');
  writeSync(fd, header);
  for (let left = total; left > 0; left -= body.length) writeSync(fd, body, 0, Math.min(left, body.length));
  closeSync(fd);
  return path;
}

export interface CliRun {
  seconds: number; // wall time of the whole process, s
  maxRssMb: number; // peak resident set of the CLI process, MiB
  cpuSeconds: number; // user + system CPU time of the CLI process (all its threads), s: robust to a busy machine
  code: number | null;
}

/** Runs the compiled CLI's main(args) in a fresh Node process; times it and reads its peak RSS. */
export function runCli(args: string[]): CliRun {
  const main = pathToFileURL(join(ROOT, 'dist', 'src', 'cli', 'main.js')).href;
  const script =
    `const { main } = await import(${JSON.stringify(main)});` +
    `process.exitCode = await main(${JSON.stringify(args)});` +
    `process.stderr.write('\\nRUSAGE ' + JSON.stringify(process.resourceUsage()) + '\\n');`;
  const t0 = performance.now();
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', stdio: ['ignore', 'inherit', 'pipe'] });
  const seconds = (performance.now() - t0) / 1000;
  const line = r.stderr.split('\n').find((l) => l.startsWith('RUSAGE '));
  if (r.status !== 0 || !line) process.stderr.write(r.stderr);
  const usage = line ? (JSON.parse(line.slice(7)) as NodeJS.ResourceUsage) : null;
  const maxRssMb = usage ? usage.maxRSS / 1024 : NaN; // maxRSS is in KiB
  const cpuSeconds = usage ? (usage.userCPUTime + usage.systemCPUTime) / 1e6 : NaN; // microseconds
  return { seconds, maxRssMb, cpuSeconds, code: r.status };
}
