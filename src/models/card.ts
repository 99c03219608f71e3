// The model card: the JSON file next to every ONNX model (same name, `.json`) saying what the network
// expects and returns. Parsing and validation are pure; reading the file is injected (fs in Node, fetch in
// the browser).
import { DemixError } from '../errors.js';

/** A validated model card. Field names are camelCase here; the JSON uses snake_case. */
export interface ModelCard {
  name: string;
  version: string;
  targets: string[]; // order of the output's target axis
  sampleRate: number; // Hz
  nFft: number; // STFT window and FFT size, samples
  hop: number; // STFT hop, samples
  inputName: string; // float32 [batch, inputChannels.length, frames, nFft/2+1] raw STFT magnitudes
  inputChannels: InputChannel[]; // what each channel of the input is (default left, right)
  outputName: string; // float32 [batch, targets, channels, frames, nFft/2+1] masks, >= 0, summing to 1 over targets
  frameMultiple: number; // the frames axis must be a multiple of this
  chunkFrames: number; // recommended frames per inference call (a multiple of frameMultiple)
  wienerIterations?: number; // EM iterations of the Wiener filter measured best for this model (0 = soft masks)
  wienerExponent?: number; // α of the Wiener filter's fractional power spectrograms measured best for this model (0, 4]
  inputRmsDb?: number; // RMS level (dBFS) of the training mixtures: songs are brought to it before the network
  masksSumToOne: boolean; // the network's masks sum to one by construction (a softmax over targets): not re-checked
  sha256?: string; // of the ONNX file, lower-case hex
  licence?: string;
  raw: Record<string, unknown>; // the whole JSON object, for display (training info, validation scores, ...)
}

/** A channel of a network's input: the magnitude STFT of the left, right, mid (L+R)/2 or side (L−R)/2 signal. */
export type InputChannel = 'left' | 'right' | 'mid' | 'side';
const INPUT_CHANNELS: readonly InputChannel[] = ['left', 'right', 'mid', 'side'];

export const DEFAULT_INPUT_NAME = 'magnitude';
export const DEFAULT_OUTPUT_NAME = 'masks';
const DEFAULT_CHUNK_SECONDS = 6; // when the card recommends no chunk size

/** The card path for a model file: `dir/name.onnx` → `dir/name.json`. */
export function cardPathFor(modelPath: string): string {
  return modelPath.replace(/\.onnx$/i, '') + '.json';
}

/** Parses and validates the text of a card; `file` names it in errors. */
export function parseModelCard(text: string, file: string): ModelCard {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new DemixError('BAD_MODEL_CARD', `${file}: model card is not valid JSON (${(e as Error).message})`, file);
  }
  return validateModelCard(json, file);
}

/** Checks a parsed card object and returns it typed; throws a DemixError naming the first bad field. */
export function validateModelCard(json: unknown, file: string): ModelCard {
  const bad = (field: string, want: string): never => {
    throw new DemixError('BAD_MODEL_CARD', `${file}: model card field "${field}" must be ${want}`, file);
  };
  if (typeof json !== 'object' || json === null || Array.isArray(json)) bad('(root)', 'a JSON object');
  const o = json as Record<string, unknown>;
  const str = (field: string, fallback?: string): string => {
    const v = o[field] ?? fallback;
    return typeof v === 'string' && v.length > 0 ? v : bad(field, 'a non-empty string');
  };
  const int = (field: string, fallback?: number): number => {
    const v = o[field] ?? fallback;
    return typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : bad(field, 'a positive integer');
  };
  const numericVersion = typeof o.version === 'number' ? String(o.version) : undefined;
  const targets = o.targets;
  if (!Array.isArray(targets) || targets.length === 0 || !targets.every((t) => typeof t === 'string' && t.length > 0)) {
    bad('targets', 'a non-empty list of stem names');
  }
  if (new Set(targets as string[]).size !== (targets as string[]).length) bad('targets', 'a list without repeated names');
  const nFft = int('n_fft');
  if (nFft % 2 !== 0) bad('n_fft', 'even');
  const hop = int('hop');
  if (hop > nFft) bad('hop', `at most n_fft (${nFft})`);
  const sampleRate = int('sample_rate');
  const frameMultiple = int('frame_multiple', 1);
  const chunkFrames = int('chunk_frames', roundUp(Math.round((DEFAULT_CHUNK_SECONDS * sampleRate) / hop), frameMultiple));
  if (chunkFrames % frameMultiple !== 0) bad('chunk_frames', `a multiple of frame_multiple (${frameMultiple})`);
  const wiener = o.wiener_iterations;
  if (wiener !== undefined && !(typeof wiener === 'number' && Number.isInteger(wiener) && wiener >= 0)) bad('wiener_iterations', 'a non-negative integer');
  const exponent = o.wiener_exponent;
  if (exponent !== undefined && !(typeof exponent === 'number' && exponent > 0 && exponent <= 4)) bad('wiener_exponent', 'a number in (0, 4]');
  const level = o.input_rms_db;
  if (level !== undefined && !(typeof level === 'number' && level <= 0 && level > -120)) bad('input_rms_db', 'a level in dBFS, in (-120, 0]');
  const inputChannels = o.input_channels ?? ['left', 'right'];
  if (!Array.isArray(inputChannels) || inputChannels.length === 0 || !inputChannels.every((c) => INPUT_CHANNELS.includes(c))) {
    bad('input_channels', `a non-empty list of ${INPUT_CHANNELS.join(', ')}`);
  }
  const sumToOne = o.masks_sum_to_one ?? false;
  if (typeof sumToOne !== 'boolean') bad('masks_sum_to_one', 'true or false');
  const sha256 = o.sha256;
  if (sha256 !== undefined && (typeof sha256 !== 'string' || !/^[0-9a-f]{64}$/i.test(sha256))) bad('sha256', '64 hexadecimal digits');
  const licence = o.licence ?? o.license;
  if (licence !== undefined && typeof licence !== 'string') bad('licence', 'a string');
  return {
    name: str('name'),
    version: numericVersion ?? str('version'),
    targets: [...(targets as string[])],
    sampleRate,
    nFft,
    hop,
    inputName: str('input_name', DEFAULT_INPUT_NAME),
    inputChannels: [...(inputChannels as InputChannel[])],
    outputName: str('output_name', DEFAULT_OUTPUT_NAME),
    frameMultiple,
    chunkFrames,
    ...(wiener !== undefined ? { wienerIterations: wiener as number } : {}),
    ...(exponent !== undefined ? { wienerExponent: exponent as number } : {}),
    ...(level !== undefined ? { inputRmsDb: level as number } : {}),
    masksSumToOne: sumToOne as boolean,
    ...(sha256 !== undefined ? { sha256: (sha256 as string).toLowerCase() } : {}),
    ...(licence !== undefined ? { licence: licence as string } : {}),
    raw: o,
  };
}

/**
 * Reads and validates the card next to `modelPath` with `readText` (which rejects when the file is
 * missing). A model without a card cannot be run: the error says so.
 */
export async function loadModelCard(modelPath: string, readText: (path: string) => Promise<string>): Promise<ModelCard> {
  const file = cardPathFor(modelPath);
  let text: string;
  try {
    text = await readText(file);
  } catch {
    throw new DemixError('NO_MODEL_CARD', `${modelPath}: no model card ${file} next to it (a model needs its card to run)`, file);
  }
  return parseModelCard(text, file);
}

/** The smallest multiple of `m` that is >= n. */
export function roundUp(n: number, m: number): number {
  return Math.ceil(n / m) * m;
}
