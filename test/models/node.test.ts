import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultModelName, DEFAULT_MODEL_NAME, loadOnnxModel, shippedModelPath } from '../../src/models/node.js';
import { listModels, loadSeparator } from '../../src/separate/registry.js';
import type { Separator } from '../../src/separate/separator.js';
import { isDemixError } from '../../src/errors.js';
import { assertMaskContract, randomSpectrogram } from './helpers.js';

const TINY = new URL('../fixtures/tiny-model.onnx', import.meta.url).pathname;

/** Runs `sep` on a random stereo spectrogram of `nFrames` frames and checks the mask contract. */
async function checkMasks(sep: Separator, nFrames: number): Promise<void> {
  const nBins = sep.stft.nFft / 2 + 1;
  assertMaskContract(await sep.estimate(randomSpectrogram(nFrames, 3, nBins)), sep.targets.length, nFrames, nBins);
}

test('.onnx paths load through the registry with their card', async () => {
  const sep = await loadSeparator(TINY);
  assert.equal(sep.name, 'tiny-test');
  await checkMasks(sep, 21);
  await sep.dispose?.();
  assert.ok(listModels().some((m) => m.name === DEFAULT_MODEL_NAME));
});

test('missing model, missing card and a damaged file are clear errors', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'demix-model-'));
  try {
    await assert.rejects(loadOnnxModel(join(dir, 'none.onnx')), (e) => isDemixError(e, 'NO_MODEL') && e.message.includes('none.onnx'));
    const model = join(dir, 'm.onnx');
    await copyFile(TINY, model);
    await assert.rejects(loadOnnxModel(model), (e) => isDemixError(e, 'NO_MODEL_CARD') && e.message.includes('m.json'));
    await copyFile(TINY.replace(/\.onnx$/, '.json'), join(dir, 'm.json'));
    const bytes = await readFile(model);
    bytes[bytes.length - 1] ^= 1;
    await writeFile(model, bytes);
    await assert.rejects(loadOnnxModel(model), (e) => isDemixError(e, 'BAD_MODEL') && e.message.includes('SHA-256'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('the shipped model loads and returns masks of the right shape summing to one', async (t) => {
  const path = shippedModelPath();
  if (!existsSync(path)) {
    t.skip(`${path} is not there yet; the default model stays classic`);
    assert.equal(defaultModelName(), 'classic');
    return;
  }
  assert.equal(defaultModelName(), DEFAULT_MODEL_NAME);
  const sep = await loadSeparator(DEFAULT_MODEL_NAME);
  assert.deepEqual([...sep.targets].sort(), ['bass', 'drums', 'other', 'vocals']);
  assert.equal(sep.sampleRate, 44100);
  await checkMasks(sep, 45);
  await sep.dispose?.();
});

