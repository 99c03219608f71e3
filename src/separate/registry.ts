// Model registry: separators by name (`classic`, neural models) and a loader hook for `.onnx` paths.
import type { Separator } from './separator.js';
import { DemixError } from '../errors.js';

/** Builds a ready-to-use separator (loads weights, compiles WASM, ...). */
export type SeparatorFactory = () => Promise<Separator>;

/** Builds a separator from a model file path (the neural runtime registers one for `.onnx`). */
export type ModelLoader = (path: string) => Promise<Separator>;

interface Entry {
  factory: SeparatorFactory;
  summary: string;
}

const models = new Map<string, Entry>([
  [
    'classic',
    {
      summary: 'classical DSP (centre extraction, harmonic/percussive split, band split); no weights',
      factory: async () => (await import('./classic.js')).createClassicSeparator(),
    },
  ],
]);
const loaders = new Map<string, ModelLoader>();

/** Makes `name` available to `loadSeparator` and `--model`; a later registration replaces an earlier one. */
export function registerModel(name: string, factory: SeparatorFactory, summary = ''): void {
  models.set(name, { factory, summary });
}

/** Routes model paths ending in `extension` (e.g. '.onnx') to `loader`. */
export function registerModelLoader(extension: string, loader: ModelLoader): void {
  loaders.set(extension.toLowerCase(), loader);
}

/** Registered model names with their one-line summaries, in registration order. */
export function listModels(): { name: string; summary: string }[] {
  return [...models].map(([name, e]) => ({ name, summary: e.summary }));
}

/** A separator by registered name, or by a model file path whose extension has a registered loader. */
export async function loadSeparator(nameOrPath: string): Promise<Separator> {
  const entry = models.get(nameOrPath);
  if (entry) return entry.factory();
  const lower = nameOrPath.toLowerCase();
  for (const [ext, loader] of loaders) {
    if (lower.endsWith(ext)) return loader(nameOrPath);
  }
  const known = [...models.keys()].join(', ');
  throw new DemixError('UNKNOWN_MODEL', `unknown model "${nameOrPath}" (available: ${known}, or a path to a model file)`);
}
