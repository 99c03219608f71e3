import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TORCH_INSTALL_COMMAND, trainCommand, weightsFor } from '../../src/cli/train.js';
import { isDemixError } from '../../src/errors.js';

/** Runs `demix train argv` with DEMIX_PYTHON set; returns exit code and what it wrote to stderr. */
async function runTrain(argv: string[], python: string): Promise<{ code: number; stderr: string }> {
  const saved = process.env.DEMIX_PYTHON;
  const write = process.stderr.write;
  let stderr = '';
  process.env.DEMIX_PYTHON = python;
  process.stderr.write = ((chunk: string) => ((stderr += chunk), true)) as typeof process.stderr.write;
  try {
    return { code: await trainCommand.run(argv), stderr };
  } finally {
    process.stderr.write = write;
    if (saved === undefined) delete process.env.DEMIX_PYTHON;
    else process.env.DEMIX_PYTHON = saved;
  }
}

test('without PyTorch, demix train prints the install command and fails', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'demix-train-'));
  try {
    // A real Python that cannot see site/dist-packages, so `import torch` fails wherever torch is installed.
    const python = join(dir, 'python-without-torch');
    await writeFile(python, '#!/bin/sh\nexec python3 -S "$@"\n');
    await chmod(python, 0o755);
    const config = join(dir, 'config.json');
    await writeFile(config, '{}');
    const { code, stderr } = await runTrain(['--config', config], python);
    assert.notEqual(code, 0);
    assert.ok(stderr.includes(TORCH_INSTALL_COMMAND), stderr);
    const missing = await runTrain(['--config', config], join(dir, 'no-such-python'));
    assert.notEqual(missing.code, 0);
    assert.ok(missing.stderr.includes(TORCH_INSTALL_COMMAND));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('demix train needs --config', async () => {
  await assert.rejects(trainCommand.run([]), (e) => isDemixError(e, 'USAGE') && e.message.includes('--config'));
});

test('--from takes a model name, a model .onnx or a .pt, and names missing weights', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'demix-from-'));
  try {
    await writeFile(join(dir, 'mine.pt'), 'weights');
    assert.equal(weightsFor(join(dir, 'mine.onnx')), join(dir, 'mine.pt'));
    assert.equal(weightsFor(join(dir, 'mine.pt')), join(dir, 'mine.pt'));
    assert.throws(() => weightsFor(join(dir, 'other.onnx')), (e) => isDemixError(e, 'NO_MODEL') && e.message.includes('other.pt'));
    assert.throws(() => weightsFor('no-such-model'), (e) => isDemixError(e, 'NO_MODEL') && e.message.includes('no-such-model.pt'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
