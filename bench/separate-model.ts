// Speed and memory of `demix separate` with the default neural model (models/demix-4s.onnx): wall time and
// real-time factor on a 3-minute stereo song (decode to write, 4 wav stems), and peak RSS on a 10-minute
// song. Targets (issue 4): <= 10 s and <= 1.5 GB. Run: npx tsx bench/separate-model.ts [more separate options,
// e.g. --wiener-iterations 1]
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { shippedModelPath } from '../src/models/node.js';
import { build, loopedWav, runCli, scratchDir } from './lib/cli.js';

const model = shippedModelPath();
if (!existsSync(model)) {
  console.log(`skipped: ${model} does not exist yet`);
  process.exit(0);
}
build();
const dir = scratchDir();
const extra = process.argv.slice(2); // passed on to demix separate
try {
  for (const seconds of [180, 600]) {
    const song = await loopedWav(dir, seconds);
    const run = runCli(['separate', song, '-o', join(dir, 'out'), '--model', 'demix-4s', '--overwrite', '-q', ...extra]);
    if (run.code !== 0) throw new Error(`demix separate exited with ${run.code}`);
    rmSync(song);
    console.log(`separate --model demix-4s ${extra.join(' ')}, ${seconds} s stereo 44.1 kHz wav -> 4 wav stems`.replace(' ,', ','));
    console.log(`  wall time        ${run.seconds.toFixed(1)} s`);
    console.log(`  real-time factor ${(run.seconds / seconds).toFixed(3)} (wall / audio duration)`);
    console.log(`  CPU time         ${run.cpuSeconds.toFixed(1)} s (all threads; wall on an idle 2-core machine is at least half of it)`);
    console.log(`  peak RSS         ${run.maxRssMb.toFixed(0)} MiB`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
