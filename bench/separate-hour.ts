// A one-hour song through `demix separate --model classic`: it must finish with memory bounded by the
// input plus one chunk's working set (the stems stream to disk), not growing with the length beyond it.
// Heavy (~1 h of audio): npx tsx bench/separate-hour.ts [minutes]
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { build, loopedWav, runCli, scratchDir } from './lib/cli.js';

const minutes = Number(process.argv[2] ?? 60);
const seconds = minutes * 60;
build();
const dir = scratchDir();
const song = await loopedWav(dir, seconds);
const run = runCli(['separate', song, '-o', join(dir, 'out'), '--model', 'classic', '--two-stems', 'vocals', '-q']);
rmSync(dir, { recursive: true, force: true });
if (run.code !== 0) throw new Error(`demix separate exited with ${run.code}`);
const mib = (bytes: number) => bytes / 2 ** 20;
const buffers = mib(seconds * 44100 * 2 * 4); // float32 stereo: the mixture
console.log(`separate --model classic --two-stems vocals, ${minutes} min stereo 44.1 kHz wav`);
console.log(`  wall time        ${run.seconds.toFixed(0)} s (real-time factor ${(run.seconds / seconds).toFixed(3)})`);
console.log(`  peak RSS         ${run.maxRssMb.toFixed(0)} MiB`);
console.log(`  audio buffers    ${buffers.toFixed(0)} MiB (the mixture, float32)`);
console.log(`  everything else  ${(run.maxRssMb - buffers).toFixed(0)} MiB (chunk working set, encoder, runtime)`);
