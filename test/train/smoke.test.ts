// Training smoke test: runs train/test_smoke.py (a tiny model trained a few steps on two synthetic
// multitracks lowers its loss, resumes, exports an ONNX file with the contract's shapes). Skips when the
// Python interpreter ($DEMIX_PYTHON or /usr/bin/python3) lacks torch/onnx.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const python = process.env.DEMIX_PYTHON ?? '/usr/bin/python3';
const script = fileURLToPath(new URL('../../train/test_smoke.py', import.meta.url));
const probe = spawnSync(python, ['-c', 'import torch, onnx, scipy'], { encoding: 'utf8' });
const skip = probe.status === 0 ? false : `${python} lacks torch/onnx/scipy (sudo apt-get install -y python3-torch python3-onnx python3-scipy)`;

test('training a few steps lowers the loss, resumes and exports the ONNX contract', { skip, timeout: 180_000 }, () => {
  const r = spawnSync(python, [script], { encoding: 'utf8', timeout: 170_000 });
  assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
  assert.match(r.stderr, /\bOK\b/);
});
