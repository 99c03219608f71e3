// `demix train`: checks that Python has PyTorch, then runs train/train.py with the same options,
// streaming its output; the training itself is Python (train/).
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DemixError } from '../errors.js';
import { shippedModelPath } from '../models/node.js';
import { formatHelp, HELP_OPTION, listOption, parseOptions } from './args.js';
import type { OptionSpec } from './args.js';
import type { Command } from './commands.js';

/** The one command that installs what training needs on Debian/Ubuntu. */
export const TORCH_INSTALL_COMMAND = 'sudo apt-get install -y python3-torch python3-onnx libopenblas0-pthread';
const DEFAULT_PYTHON = '/usr/bin/python3';

const OPTIONS: readonly OptionSpec[] = [
  { name: 'config', short: 'c', type: 'string', value: 'FILE', description: 'training configuration (required), e.g. train/configs/demix-4s.json' },
  { name: 'from', type: 'string', value: 'MODEL', description: 'fine-tune from these weights (a model name or .pt/.onnx path) instead of from scratch' },
  { name: 'data', type: 'string', value: 'DIRS', description: 'comma-separated folders of .stem.mp4 files or MUSDB-style stem folders (default: the config\'s)' },
  { name: 'resume', type: 'boolean', description: 'continue from the last checkpoint in the output folder (training may stop at any moment)' },
  { name: 'out', short: 'o', type: 'string', value: 'DIR', description: 'folder for checkpoints, logs, plots and the exported model (default: train/runs/<config name>)' },
  HELP_OPTION,
];

const HELP = formatHelp(
  'demix train --config <file> [--from <model>] [--data <dirs>] [--resume] [--out DIR]',
  'Train (or fine-tune) a separation network with PyTorch, then export it to ONNX with its model\n' +
    'card (and PyTorch weights for later fine-tuning) as <out>/<config name>.onnx. Runs train/train.py\n' +
    'and train/export.py with /usr/bin/python3 (or $DEMIX_PYTHON), which must\n' +
    `be able to import torch; if it cannot, install it with:\n  ${TORCH_INSTALL_COMMAND}`,
  OPTIONS,
);

/** The Python interpreter training uses. */
export function pythonPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.DEMIX_PYTHON || DEFAULT_PYTHON;
}

/** A script of this package's train/ folder, found from this module (src/cli or dist/src/cli). */
function trainScript(name: string): string {
  const candidates = ['../../train/', '../../../train/'].map((rel) => fileURLToPath(new URL(rel + name, import.meta.url)));
  return candidates.find((p) => existsSync(p)) ?? candidates[0];
}

/** The PyTorch weights to fine-tune from: a model name (its .pt in models/), a model's .onnx (the .pt beside it) or a .pt. */
export function weightsFor(model: string): string {
  const isName = !/[\\/]/.test(model) && !/\.(onnx|pt)$/i.test(model);
  const path = isName ? shippedModelPath(model) : model;
  const pt = path.replace(/\.onnx$/i, '.pt');
  if (!existsSync(pt)) throw new DemixError('NO_MODEL', `${pt}: no PyTorch weights to fine-tune from (--from ${model})`, pt);
  return pt;
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
  let name: string;
  let run: string; // the run folder's name: the config's "run", else the model's name
  try {
    const cfg = JSON.parse(readFileSync(config, 'utf8')) as { name?: unknown; run?: unknown };
    name = String(cfg.name ?? 'model');
    run = String(cfg.run ?? name);
  } catch (e) {
    throw new DemixError('BAD_CONFIG', `${config}: not a JSON training configuration (${(e as Error).message})`, config);
  }
  const script = trainScript('train.py');
  if (!existsSync(script)) throw new DemixError('NO_TRAINER', `${script}: the training script is missing from this installation`, script);
  const runDir = typeof values.out === 'string' ? values.out : join(dirname(script), 'runs', run);
  const args = [script, '--config', config, '--out', runDir];
  if (typeof values.from === 'string') args.push('--from', weightsFor(values.from));
  const data = listOption(values, 'data');
  if (data) args.push('--data', ...data);
  if (values.resume === true) args.push('--resume');
  const trained = await runPython(python, ['-u', ...args], 'inherit');
  if (trained !== 0) return trained;
  const model = join(runDir, `${name}.onnx`);
  const exported = await runPython(python, ['-u', trainScript('export.py'), '--run', runDir, '--out', model], 'inherit');
  if (exported === 0) process.stderr.write(`demix train: model written to ${model}; use it with demix separate --model ${model}\n`);
  return exported;
}

export const trainCommand: Command = {
  name: 'train',
  summary: 'train or fine-tune a separation model with PyTorch (needs python3-torch)',
  help: HELP,
  run,
};
