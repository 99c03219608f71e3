// Worker thread of `demix separate`: encodes each stem's blocks into its temp file and measures its loudness,
// so that this work runs beside the separation's DSP on the main thread instead of after it.
import { parentPort } from 'node:worker_threads';
import { openAudioWriter, type AudioFileWriter, type WriteOptions } from '../audio/encode.js';
import { LoudnessMeter, type LoudnessReport } from '../separate/loudness.js';
import { toPlainError, type PlainError } from '../worker-rpc.js';

export type StemWriterRequest = // posted with an id
  | { op: 'open'; stem: string; path: string; spec: { sampleRate: number; channels: number }; options: WriteOptions; file: string }
  | { op: 'write'; stem: string; channels: Float32Array[] } // [ch] of (frames), transferred
  | { op: 'end'; stem: string }
  | { op: 'report'; stem: string }
  | { op: 'abort' };

export type StemWriterReply = { id: number; error?: PlainError; report?: LoudnessReport };

const stems = new Map<string, { writer: AudioFileWriter; meter: LoudnessMeter }>();

async function handle(m: StemWriterRequest): Promise<LoudnessReport | undefined> {
  if (m.op === 'abort') {
    await Promise.all([...stems.values()].map((s) => s.writer.abort()));
    return undefined;
  }
  if (m.op === 'open') {
    const writer = await openAudioWriter(m.path, m.spec, m.options, m.file);
    stems.set(m.stem, { writer, meter: new LoudnessMeter(m.spec.sampleRate, m.spec.channels) });
    return undefined;
  }
  const s = stems.get(m.stem)!;
  if (m.op === 'write') {
    s.meter.add(m.channels);
    await s.writer.write(m.channels);
  } else if (m.op === 'end') {
    await s.writer.end();
  } else {
    return s.meter.report();
  }
  return undefined;
}

const port = parentPort!;
let queue: Promise<unknown> = Promise.resolve(); // requests run one after another, in the order posted; abort at once
port.on('message', (m: StemWriterRequest & { id: number }) => {
  const run = m.op === 'abort' ? handle(m) : queue.then(() => handle(m));
  if (m.op !== 'abort') queue = run.catch(() => undefined);
  run.then(
    (report) => port.postMessage((report ? { id: m.id, report } : { id: m.id }) satisfies StemWriterReply),
    (e: unknown) => port.postMessage({ id: m.id, error: toPlainError(e) } satisfies StemWriterReply),
  );
});
