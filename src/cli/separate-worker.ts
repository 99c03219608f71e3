// Worker thread of `demix separate --jobs N`: loads the model once, then separates the tracks it is sent.
import { parentPort, workerData } from 'node:worker_threads';
import { loadSeparator } from '../separate/registry.js';
import type { Separator } from '../separate/separator.js';
import type { WorkerMessage } from './separate.js';
import { describe, processTrack, type TrackSettings } from './separate-track.js';

const settings = workerData as TrackSettings;
const port = parentPort!;
const post = (m: WorkerMessage) => port.postMessage(m);
const controller = new AbortController();
let separator: Promise<Separator> | null = null;

port.on('message', (m: { type: 'track'; input: string; name: string } | { type: 'abort' }) => {
  if (m.type === 'abort') {
    controller.abort();
    return;
  }
  separator ??= loadSeparator(settings.model);
  separator
    .then((sep) =>
      processTrack(m.input, m.name, settings, {
        separator: sep,
        signal: controller.signal,
        onProgress: (stage, fraction) => post({ type: 'progress', stage, fraction }),
      }),
    )
    .then(
      (summary) => post({ type: 'done', summary }),
      (err: unknown) => post({ type: 'failed', error: describe(err, m.input) }),
    );
});
