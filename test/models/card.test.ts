import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { cardPathFor, loadModelCard, parseModelCard, validateModelCard } from '../../src/models/card.js';
import { isDemixError } from '../../src/errors.js';

const TINY = new URL('../fixtures/tiny-model.onnx', import.meta.url).pathname;
const base = () => JSON.parse(JSON.stringify({ name: 'm', version: '1', targets: ['vocals', 'drums', 'bass', 'other'], sample_rate: 44100, n_fft: 4096, hop: 1024, frame_multiple: 4, chunk_frames: 256 }));

test('the tiny fixture card loads with the contract defaults', async () => {
  const card = await loadModelCard(TINY, (p) => readFile(p, 'utf8'));
  assert.deepEqual(card.targets, ['vocals', 'drums', 'bass', 'other']);
  assert.equal(card.inputName, 'magnitude');
  assert.equal(card.outputName, 'masks');
  assert.equal(card.nFft, 4096);
  assert.equal(card.frameMultiple, 4);
  assert.match(card.sha256 ?? '', /^[0-9a-f]{64}$/);
});

test('card path sits next to the model', () => {
  assert.equal(cardPathFor('/a/b/demix-4s.onnx'), '/a/b/demix-4s.json');
});

test('optional fields get defaults: names, frame multiple, chunk of about 6 s', () => {
  const o = base();
  delete o.frame_multiple;
  delete o.chunk_frames;
  o.version = 2;
  const card = validateModelCard(o, 'x.json');
  assert.equal(card.frameMultiple, 1);
  assert.equal(card.chunkFrames, 258);
  assert.equal(card.version, '2');
  assert.equal(card.inputName, 'magnitude');
  assert.equal(card.wienerIterations, undefined);
  assert.equal(validateModelCard({ ...base(), wiener_iterations: 0 }, 'x.json').wienerIterations, 0);
  assert.equal(card.wienerExponent, undefined);
  assert.equal(validateModelCard({ ...base(), wiener_exponent: 1 }, 'x.json').wienerExponent, 1);
  assert.equal(card.inputRmsDb, undefined);
  assert.equal(validateModelCard({ ...base(), input_rms_db: -16.5 }, 'x.json').inputRmsDb, -16.5);
  assert.equal(card.masksSumToOne, false);
  assert.equal(validateModelCard({ ...base(), masks_sum_to_one: true }, 'x.json').masksSumToOne, true);
  assert.deepEqual(card.inputChannels, ['left', 'right']);
  assert.deepEqual(validateModelCard({ ...base(), input_channels: ['left', 'right', 'mid', 'side'] }, 'x.json').inputChannels, ['left', 'right', 'mid', 'side']);
});

test('invalid cards are rejected with the field named', () => {
  const cases: [string, (o: Record<string, unknown>) => void][] = [
    ['targets', (o) => (o.targets = [])],
    ['targets', (o) => (o.targets = ['a', 'a'])],
    ['n_fft', (o) => delete o.n_fft],
    ['n_fft', (o) => (o.n_fft = 4095)],
    ['hop', (o) => (o.hop = 8192)],
    ['sample_rate', (o) => (o.sample_rate = '44100')],
    ['chunk_frames', (o) => (o.chunk_frames = 257)],
    ['name', (o) => delete o.name],
    ['sha256', (o) => (o.sha256 = 'abc')],
    ['wiener_iterations', (o) => (o.wiener_iterations = -1)],
    ['wiener_exponent', (o) => (o.wiener_exponent = 0)],
    ['wiener_exponent', (o) => (o.wiener_exponent = '1')],
    ['input_rms_db', (o) => (o.input_rms_db = 3)],
    ['input_rms_db', (o) => (o.input_rms_db = '-16')],
    ['masks_sum_to_one', (o) => (o.masks_sum_to_one = 'yes')],
    ['input_channels', (o) => (o.input_channels = [])],
    ['input_channels', (o) => (o.input_channels = ['left', 'centre'])],
  ];
  for (const [field, mutate] of cases) {
    const o = base();
    mutate(o);
    assert.throws(
      () => validateModelCard(o, 'x.json'),
      (e) => isDemixError(e, 'BAD_MODEL_CARD') && e.message.includes(`"${field}"`) && e.message.startsWith('x.json'),
      field,
    );
  }
  assert.throws(() => parseModelCard('{oops', 'y.json'), (e) => isDemixError(e, 'BAD_MODEL_CARD') && e.message.includes('y.json'));
  assert.throws(() => validateModelCard([], 'z.json'), (e) => isDemixError(e, 'BAD_MODEL_CARD'));
});

test('a model without a card is a clear error', async () => {
  await assert.rejects(
    loadModelCard('/nowhere/model.onnx', (p) => readFile(p, 'utf8')),
    (e) => isDemixError(e, 'NO_MODEL_CARD') && e.message.includes('/nowhere/model.json'),
  );
});
