// Worker thread of `demix separate`: encodes each stem's blocks into its temp file and measures its loudness,
// so that this work runs beside the separation's DSP on the main thread instead of after it.
import { openAudioWriter, type AudioFileWriter, type WriteOptions } from '../audio/encode.js';
import { LoudnessMeter, type LoudnessReport } from '../separate/loudness.js';
import { serveRequests, type PlainError } from '../worker-rpc.js';

export type StemWriterRequest = // posted with an id
  | { op: 'open'; stem: string; path: string; spec: { sampleRate: number; channels: number }; options: WriteOptions; file: string }
  | { op: 'write'; stem: string; channels: Float32Array[] } // [ch] of (frames), transferred
  | { op: 'end'; stem: string }
  | { op: 'report'; stem: string }
  | { op: 'abort' };

export type StemWriterReply = { id: number; error?: PlainError; report?: LoudnessReport };

const stems = new Map<string, { writer: AudioFileWriter; meter: LoudnessMeter }>();

async function handle(m: StemWriterRequest): Promise<{ report?: LoudnessReport }> {
  if (m.op === 'abort') {
    await Promise.all([...stems.values()].map((s) => s.writer.abort()));
  } else if (m.op === 'open') {
    const writer = await openAudioWriter(m.path, m.spec, m.options, m.file);
    stems.set(m.stem, { writer, meter: new LoudnessMeter(m.spec.sampleRate, m.spec.channels) });
  } else {
    const s = stems.get(m.stem)!;
    if (m.op === 'report') return { report: s.meter.report() };
    if (m.op === 'write') {
      s.meter.add(m.channels);
      await s.writer.write(m.channels);
    } else {
      await s.writer.end();
    }
  }
  return {};
}

serveRequests(handle, { atOnce: (m) => m.op === 'abort' }); // an abort stops the encoders at once, even a write waiting on one
