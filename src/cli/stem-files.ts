// `demix separate` writing a track's stems as wav, flac or mp3 files while they are separated: each stem
// streams into a temp file beside its target, its loudness measured on the way, and only once every stem
// has been written are the temp files renamed into place, so a failure leaves nothing behind.
import { randomBytes } from 'node:crypto';
import { mkdir, rename, rmdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { exists } from '../audio/atomic.js';
import type { AudioSink } from '../audio/audio.js';
import type { OutputFormat } from '../audio/encode.js';
import { DemixError } from '../errors.js';
import { separateStream, type SeparateOptions, type SeparationInfo } from '../index.js';
import type { LoudnessReport } from '../separate/loudness.js';
import { revive, startModuleWorker, WorkerRpc } from '../worker-rpc.js';
import type { StemWriterReply, StemWriterRequest } from './stem-writer.js';

export interface StemFilesSettings {
  format: OutputFormat;
  bitDepth: 16 | 24 | 32;
  bitrate?: number; // mp3, kbit/s
  skipSilent: boolean; // leave out stems that are effectively silent
}

export interface WrittenStem {
  name: string;
  path: string | null; // null when left out as silent
  loudness: LoudnessReport;
}

/**
 * Separates `input` (with `options`) into `<dir>/<stem>.<format>`, creating `dir` when needed. Memory holds
 * the input and one chunk's work, not the stems. Throws after removing all it wrote (and `dir` if it made it).
 */
export async function writeStemFiles(input: string, dir: string, s: StemFilesSettings, options: SeparateOptions): Promise<{ info: SeparationInfo; stems: WrittenStem[] }> {
  const target = (stem: string): string => join(dir, `${stem}.${s.format}`);
  const cannotWrite = (stem: string) => (err: unknown): never => {
    if (err instanceof DemixError) throw err;
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new DemixError('OUTPUT_NOT_WRITABLE', `${input}: cannot write ${target(stem)} (${code})`, input);
  };
  let createdDir = false;
  const temps = new Map<string, string>(); // stem -> its temp file
  const thread = new StemWriterThread();
  const finals: string[] = [];

  /** A sink per stem whose blocks the writer thread measures and writes to the stem's temp file. */
  const open = async (layout: { names: string[]; sampleRate: number; channels: number }): Promise<Record<string, AudioSink>> => {
    createdDir = !(await exists(dir));
    await mkdir(dir, { recursive: true }).catch((err: NodeJS.ErrnoException) => {
      throw new DemixError('OUTPUT_NOT_WRITABLE', `${input}: cannot create ${dir} (${err.code ?? err.message})`, input);
    });
    const sinks: Record<string, AudioSink> = {};
    for (const stem of layout.names) {
      const tmp = join(dir, `.${stem}.${process.pid}-${randomBytes(4).toString('hex')}.tmp.${s.format}`);
      temps.set(stem, tmp);
      const options = { format: s.format, bitDepth: s.bitDepth, bitrate: s.bitrate };
      await thread.call({ op: 'open', stem, path: tmp, spec: layout, options, file: target(stem) }).catch(cannotWrite(stem));
      sinks[stem] = thread.sink(stem, cannotWrite(stem));
    }
    return sinks;
  };

  try {
    const info = await separateStream(input, options, open);
    const stems: WrittenStem[] = [];
    for (const name of temps.keys()) {
      const { report: loudness } = await thread.call({ op: 'report', stem: name });
      stems.push({ name, path: s.skipSilent && loudness!.silent ? null : target(name), loudness: loudness! });
    }
    for (const stem of stems) {
      const tmp = temps.get(stem.name)!;
      if (stem.path === null) {
        await unlink(tmp);
        continue;
      }
      await rename(tmp, stem.path);
      finals.push(stem.path);
    }
    return { info, stems };
  } catch (err) {
    await thread.abort();
    await Promise.all([...temps.values(), ...finals].map((p) => unlink(p).catch(() => undefined)));
    if (createdDir) await rmdir(dir).catch(() => undefined);
    throw err;
  } finally {
    await thread.stop();
  }
}

/**
 * The stem writer worker (stem-writer.ts), started on first use. Its sinks copy each block across and
 * return at once, so the separation goes on meanwhile; a sink waits only for its own previous block
 * (at most one block per stem in flight), and a failed block's error comes out of the next write or end().
 */
class StemWriterThread {
  private rpc: WorkerRpc<StemWriterRequest, StemWriterReply> | null = null;

  async call(m: StemWriterRequest, transfer: ArrayBuffer[] = []): Promise<StemWriterReply> {
    this.rpc ??= new WorkerRpc(startModuleWorker('./stem-writer', import.meta.url, null));
    const reply = await this.rpc.request(m, transfer);
    if (reply.error) throw revive(reply.error);
    return reply;
  }

  sink(stem: string, onError: (err: unknown) => never): AudioSink {
    let last: Promise<unknown> = Promise.resolve();
    return {
      write: (channels) => {
        const copy = channels.map((x) => x.slice()); // the pipeline lends its blocks only for the call
        const previous = last;
        last = this.call({ op: 'write', stem, channels: copy }, copy.map((x) => x.buffer as ArrayBuffer));
        last.catch(() => undefined); // awaited by the next write or end()
        return previous.then(() => undefined, onError);
      },
      end: () => last.then(() => this.call({ op: 'end', stem })).then(() => undefined, onError),
    };
  }

  /** Stops the encoders (ffmpeg is killed); the partial files are the caller's to remove. */
  async abort(): Promise<void> {
    if (this.rpc) await this.call({ op: 'abort' }).catch(() => undefined);
  }

  async stop(): Promise<void> {
    await this.rpc?.terminate();
  }
}
