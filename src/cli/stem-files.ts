// `demix separate` writing a track's stems as wav, flac or mp3 files while they are separated: each stem
// streams into a temp file beside its target, its loudness measured on the way, and only once every stem
// has been written are the temp files renamed into place, so a failure leaves nothing behind.
import { randomBytes } from 'node:crypto';
import { mkdir, rename, rmdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { exists } from '../audio/atomic.js';
import type { AudioSink } from '../audio/audio.js';
import { openAudioWriter, type AudioFileWriter, type OutputFormat } from '../audio/encode.js';
import { DemixError } from '../errors.js';
import { separateStream, type SeparateOptions, type SeparationInfo } from '../index.js';
import { LoudnessMeter, type LoudnessReport } from '../separate/loudness.js';

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
  const writers: AudioFileWriter[] = [];
  const meters = new Map<string, LoudnessMeter>();
  const finals: string[] = [];

  /** A sink per stem that measures each block and writes it to the stem's temp file. */
  const open = async (layout: { names: string[]; sampleRate: number; channels: number }): Promise<Record<string, AudioSink>> => {
    createdDir = !(await exists(dir));
    await mkdir(dir, { recursive: true }).catch((err: NodeJS.ErrnoException) => {
      throw new DemixError('OUTPUT_NOT_WRITABLE', `${input}: cannot create ${dir} (${err.code ?? err.message})`, input);
    });
    const sinks: Record<string, AudioSink> = {};
    for (const stem of layout.names) {
      const tmp = join(dir, `.${stem}.${process.pid}-${randomBytes(4).toString('hex')}.tmp.${s.format}`);
      temps.set(stem, tmp);
      const writer = await openAudioWriter(tmp, layout, { format: s.format, bitDepth: s.bitDepth, bitrate: s.bitrate }, target(stem)).catch(cannotWrite(stem));
      writers.push(writer);
      const meter = new LoudnessMeter(layout.sampleRate, layout.channels);
      meters.set(stem, meter);
      sinks[stem] = {
        write: (channels) => {
          meter.add(channels);
          return writer.write(channels).catch(cannotWrite(stem));
        },
        end: () => writer.end().catch(cannotWrite(stem)),
      };
    }
    return sinks;
  };

  try {
    const info = await separateStream(input, options, open);
    const stems = [...meters].map(([name, meter]): WrittenStem => {
      const loudness = meter.report();
      return { name, path: s.skipSilent && loudness.silent ? null : target(name), loudness };
    });
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
    await Promise.all(writers.map((w) => w.abort()));
    await Promise.all([...temps.values(), ...finals].map((p) => unlink(p).catch(() => undefined)));
    if (createdDir) await rmdir(dir).catch(() => undefined);
    throw err;
  }
}
