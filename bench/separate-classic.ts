// Real-time factor and peak memory of `demix separate --model classic` on a 3-minute stereo song
// (a MUSDB clip looped to 3 min, 16-bit wav), timed end to end: npx tsx bench/separate-classic.ts
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { build, loopedWav, runCli, scratchDir } from './lib/cli.js';

const SECONDS = 180;
build();
const dir = scratchDir();
const song = await loopedWav(dir, SECONDS);
const run = runCli(['separate', song, '-o', join(dir, 'out'), '--model', 'classic', '-q']);
rmSync(dir, { recursive: true, force: true });
if (run.code !== 0) throw new Error(`demix separate exited with ${run.code}`);
console.log(`separate --model classic, ${SECONDS} s stereo 44.1 kHz wav -> 4 wav stems`);
console.log(`  wall time      ${run.seconds.toFixed(1)} s (real-time factor ${(run.seconds / SECONDS).toFixed(3)}: wall / audio duration)`);
console.log(`  CPU time       ${run.cpuSeconds.toFixed(1)} s (CPU real-time factor ${(run.cpuSeconds / SECONDS).toFixed(3)}; wall time includes waiting for a busy machine)`);
console.log(`  peak RSS       ${run.maxRssMb.toFixed(0)} MiB`);
