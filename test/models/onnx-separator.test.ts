import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import * as ort from 'onnxruntime-node';
import { loadModelCard, type ModelCard } from '../../src/models/card.js';
import { createOnnxSeparator, inputMagnitudes, type OrtSession, planFrameWindows } from '../../src/models/onnx-separator.js';
import { isDemixError } from '../../src/errors.js';
import { assertMaskContract, randomSpectrogram } from './helpers.js';

const TINY = new URL('../fixtures/tiny-model.onnx', import.meta.url).pathname;
const N_BINS = 2049;

async function tinySeparator(chunkFrames?: number, contextFrames?: number) {
  const card = await loadModelCard(TINY, (p) => readFile(p, 'utf8'));
  const session = await ort.InferenceSession.create(TINY, { intraOpNumThreads: 1 });
  return createOnnxSeparator({ session, Tensor: ort.Tensor, card, chunkFrames, contextFrames });
}

test('frame windows cover every frame once, start on the multiple, keep context from cut edges', () => {
  for (const [n, chunk, context, multiple] of [[1, 64, 8, 4], [64, 64, 8, 4], [65, 64, 8, 4], [1000, 64, 8, 4], [333, 48, 6, 1], [200, 16, 8, 4], [1292, 512, 32, 16], [1292, 512, 64, 16], [5000, 512, 32, 16]]) {
    const { paddedFrames, windows } = planFrameWindows(n, chunk, context, multiple);
    assert.equal(paddedFrames % multiple, 0);
    assert.ok(paddedFrames >= n);
    let next = 0;
    windows.forEach((w, k) => {
      assert.equal(w.start % multiple, 0);
      assert.ok(w.start + w.length <= paddedFrames);
      assert.equal(w.keepFrom, next);
      assert.ok(w.keepFrom >= w.start && w.keepTo <= w.start + w.length && w.keepTo > w.keepFrom);
      const kept = Math.min(context, Math.floor((chunk - multiple) / 2));
      if (k > 0) assert.ok(w.keepFrom - w.start >= kept);
      if (k + 1 < windows.length) assert.ok(w.start + w.length - w.keepTo >= kept);
      assert.equal(w.length, windows[0].length);
      assert.ok(w.length <= chunk && w.length % multiple === 0);
      next = w.keepTo;
    });
    assert.equal(next, n);
    const minimal = paddedFrames <= chunk ? 1 : Math.ceil((paddedFrames - 2 * Math.min(context, Math.floor((chunk - multiple) / 2))) / (chunk - 2 * Math.min(context, Math.floor((chunk - multiple) / 2))));
    assert.ok(windows.length <= minimal + 1, `${windows.length} windows for ${n} frames`);
  }
});

test('the tiny model returns [target][channel] masks of the input size summing to one', async () => {
  const sep = await tinySeparator();
  assert.deepEqual(sep.targets, ['vocals', 'drums', 'bass', 'other']);
  assert.deepEqual(sep.stft, { nFft: 4096, hop: 1024 });
  const nFrames = 37; // not a multiple of the card's frame_multiple (4)
  assertMaskContract(await sep.estimate(randomSpectrogram(nFrames)), 4, nFrames, N_BINS, 1e-5);
  await sep.dispose?.();
});

test('padded, chunked inference equals one-shot inference on the tiny model', async () => {
  const spec = randomSpectrogram(150, 7);
  const oneShot = await tinySeparator(1024);
  const chunked = await tinySeparator(64, 24); // 6 windows; the tiny net sees about a dozen frames either side
  const a = await oneShot.estimate(spec);
  const b = await chunked.estimate(spec);
  let maxDiff = 0;
  for (let j = 0; j < 4; j++) for (let c = 0; c < 2; c++) for (let i = 0; i < a[j][c].length; i++) maxDiff = Math.max(maxDiff, Math.abs(a[j][c][i] - b[j][c][i]));
  assert.ok(maxDiff < 1e-5, `max difference ${maxDiff}`);
  await oneShot.dispose?.();
  await chunked.dispose?.();
});

test('a card naming an input the model lacks is a clear error', async () => {
  const card = { ...(await loadModelCard(TINY, (p) => readFile(p, 'utf8'))), inputName: 'spec' };
  const session = await ort.InferenceSession.create(TINY);
  assert.throws(() => createOnnxSeparator({ session, Tensor: ort.Tensor, card, file: 'tiny.onnx' }), (e) => isDemixError(e, 'BAD_MODEL') && e.message.includes('"spec"'));
  await session.release();
});

test('aborting stops between windows', async () => {
  const sep = await tinySeparator(16, 4);
  const ac = new AbortController();
  ac.abort(new Error('stop'));
  await assert.rejects(sep.estimate(randomSpectrogram(100), ac.signal), /stop/);
  await sep.dispose?.();
});

test('input channels: magnitudes of left, right, mid (L+R)/2 and side (L-R)/2', () => {
  // bin 0: L = 3+4i, R = 3+4i (centred); bin 1: L = 1, R = -1 (out of phase); bin 2: L = 2i, R = 0 (hard left)
  const spec = { nFrames: 1, nBins: 3, re: [Float32Array.of(3, 1, 0), Float32Array.of(3, -1, 0)], im: [Float32Array.of(4, 0, 2), Float32Array.of(4, 0, 0)] };
  const [left, right, mid, side] = inputMagnitudes(spec, ['left', 'right', 'mid', 'side']);
  assert.deepEqual([...left], [5, 1, 2]);
  assert.deepEqual([...right], [5, 1, 0]);
  assert.deepEqual([...mid], [5, 0, 1]);
  assert.deepEqual([...side], [0, 1, 1]);
});

type Feed = { dims: readonly number[]; data: Float32Array };

/** A session for `card` that keeps copies of its feeds in `fed` (the separator disposes them) and returns even masks. */
function recordingSession(card: ModelCard, fed: Feed[]): OrtSession {
  return {
    inputNames: [card.inputName],
    outputNames: [card.outputName],
    async run(feeds) {
      const x = feeds[card.inputName];
      fed.push({ dims: x.dims, data: (x.data as Float32Array).slice() });
      const [, , frames, bins] = x.dims;
      return { [card.outputName]: new ort.Tensor('float32', new Float32Array(4 * 2 * frames * bins).fill(0.25), [1, 4, 2, frames, bins]) };
    },
    async release() {},
  };
}

test('a gain scales the magnitudes the network is fed, and the card\'s training level reaches the separator', async () => {
  const card: ModelCard = { ...(await loadModelCard(TINY, (p) => readFile(p, 'utf8'))), inputRmsDb: -16.5 };
  const fed: Feed[] = [];
  const sep = createOnnxSeparator({ session: recordingSession(card, fed), Tensor: ort.Tensor, card });
  assert.equal(sep.inputRmsDb, -16.5);
  const spec = randomSpectrogram(8, 5);
  await sep.estimate(spec);
  await sep.estimate(spec, undefined, 3);
  const [plain, louder] = fed.map((f) => f.data);
  let worst = 0;
  for (let i = 0; i < plain.length; i++) worst = Math.max(worst, Math.abs(louder[i] - 3 * plain[i]) / (1e-6 + 3 * plain[i]));
  assert.ok(worst < 1e-6, `relative difference ${worst}`);
});

test('a card with mid and side input channels feeds the network 4 channels and gets stereo masks back', async () => {
  const card: ModelCard = { ...(await loadModelCard(TINY, (p) => readFile(p, 'utf8'))), inputChannels: ['left', 'right', 'mid', 'side'] };
  const nFrames = 8;
  const fed: Feed[] = [];
  const spec = randomSpectrogram(nFrames, 3);
  const sep = createOnnxSeparator({ session: recordingSession(card, fed), Tensor: ort.Tensor, card });
  assertMaskContract(await sep.estimate(spec), 4, nFrames, N_BINS);
  assert.equal(fed.length, 1);
  assert.deepEqual(fed[0].dims, [1, 4, nFrames, N_BINS]);
  const data = fed[0].data;
  const want = inputMagnitudes(spec, ['left', 'right', 'mid', 'side']);
  for (let c = 0; c < 4; c++) assert.deepEqual(data.subarray(c * nFrames * N_BINS, (c + 1) * nFrames * N_BINS), want[c]);
});
