// `demix train`: checks that Python has PyTorch, then runs train/train.py with the same options,
// streaming its output; the training itself is Python (train/).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DemixError } from '../errors.js';
import { formatHelp, parseOptions } from './args.js';
import type { OptionSpec } from './args.js';
import type { Command } from './commands.js';

/** The one command that installs what training needs on Debian/Ubuntu. */
export const TORCH_INSTALL_COMMAND = 'sudo apt-get install -y python3-torch python3-onnx libopenblas0-pthread';
const DEFAULT_PYTHON = '/usr/bin/python3';

const OPTIONS: readonly OptionSpec[] = [
  { name: 'config', short: 'c', type: 'string', value: 'FILE', description: 'training configuration (required), e.g. train/configs/demix-4s.json' },
  { name: 'from', type: 'string', value: 'MODEL', description: 'fine-tune from these weights (a model name or .pt/.onnx path) instead of from scratch' },
  { name: 'data', type: 'string', value: 'DIRS', description: 'comma-separated folders of .stem.mp4 files or MUSDB-style stem folders (default: the config\'s)' },
  { name: 'resume', type: 'boolean', description: 'continue from the last checkpoint in the output folder' },
  { name: 'out', short: 'o', type: 'string', value: 'DIR', description: 'folder for checkpoints, logs, plots and the exported model (default: the config\'s)' },
  { name: 'help', short: 'h', type: 'boolean', description: 'show this help' },
];

const HELP = formatHelp(
  'demix train --config <file> [--from <model>] [--data <dirs>] [--resume] [--out DIR]',
  'Train (or fine-tune) a separation network with PyTorch and export it to ONNX with its\n' +
    'model card. Runs train/train.py with /usr/bin/python3 (or $DEMIX_PYTHON), which must\n' +
    `be able to import torch; if it cannot, install it with:\n  ${TORCH_INSTALL_COMMAND}`,
  OPTIONS,
);

/** The Python interpreter training uses. */
export function pythonPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.DEMIX_PYTHON || DEFAULT_PYTHON;
}

/** train/train.py of this package, found from this module (src/cli or dist/src/cli). */
function trainScript(): string {
  const candidates = ['../../train/train.py', '../../../train/train.py'].map((rel) => fileURLToPath(new URL(rel, import.meta.url)));
  return candidates.find((p) => existsSync(p)) ?? candidates[0];
}

/** Runs `python args`, passing its output through (or not); resolves to the exit code (127 if it cannot start). */
function runPython(python: string, args: string[], stdio: 'inherit' | 'ignore'): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(python, args, { stdio: ['ignore', stdio, stdio] });
    child.on('error', () => resolve(127));
    child.on('close', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}

async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseOptions(argv, OPTIONS);
  if (positionals.length > 0) throw new DemixError('USAGE', `unexpected argument "${positionals[0]}" (see demix train --help)`);
  const config = values.config;
  if (typeof config !== 'string') throw new DemixError('USAGE', '--config <file> is required (see demix train --help)');
  const python = pythonPath();
  if ((await runPython(python, ['-c', 'import torch'], 'ignore')) !== 0) {
    process.stderr.write(`demix train: ${python} cannot import PyTorch; install it with:\n  ${TORCH_INSTALL_COMMAND}\n`);
    return 1;
  }
  if (!existsSync(config)) throw new DemixError('ENOENT_INPUT', `${config}: no such configuration file`, config);
  const script = trainScript();
  if (!existsSync(script)) throw new DemixError('NO_TRAINER', `${script}: the training script is missing from this installation`, script);
  const args = [script, '--config', config];
  for (const name of ['from', 'data', 'out'] as const) {
    const v = values[name];
    if (typeof v === 'string') args.push(`--${name}`, v);
  }
  if (values.resume === true) args.push('--resume');
  return runPython(python, ['-u', ...args], 'inherit');
}

export const trainCommand: Command = {
  name: 'train',
  summary: 'train or fine-tune a separation model with PyTorch (needs python3-torch)',
  help: HELP,
  run,
};
