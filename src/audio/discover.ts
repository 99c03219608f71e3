// Finding the audio files named on a command line (Node): files as given, folders walked recursively by extension.
import type { Dirent } from 'node:fs';
import { readdir, realpath, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { DemixError } from '../errors.js';

/** File extensions (lower case) treated as audio when walking folders; `.stem.mp4` is covered by `.mp4`. */
export const AUDIO_EXTENSIONS: readonly string[] = [
  '.wav', '.wave', '.flac', '.mp3', '.ogg', '.oga', '.opus', '.m4a', '.mp4', '.aac', '.aif', '.aiff', '.wma', '.webm', '.mka',
];

/** True when `name` ends in one of AUDIO_EXTENSIONS (case-insensitive). */
export function isAudioName(name: string): boolean {
  const lower = name.toLowerCase();
  return AUDIO_EXTENSIONS.some((ext) => lower.endsWith(ext));
}

/** Missing path → NOT_FOUND, unreadable → NOT_READABLE, other fs errors pass through. */
export function pathError(err: unknown, path: string): unknown {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT' || code === 'ENOTDIR') return new DemixError('NOT_FOUND', `${path}: no such file or folder`, path);
  if (code === 'EACCES' || code === 'EPERM') return new DemixError('NOT_READABLE', `${path}: permission denied`, path);
  return err;
}

/** Audio files under `dir`, sorted, skipping hidden entries; `seen` holds real paths of folders visited (symlink loops). */
async function walk(dir: string, seen: Set<string>, out: string[]): Promise<void> {
  const real = await realpath(dir);
  if (seen.has(real)) return;
  seen.add(real);
  const entries: Dirent[] = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    if (e.name.startsWith('.')) continue;
    const p = join(dir, e.name);
    let isDir = e.isDirectory();
    let isFile = e.isFile();
    if (e.isSymbolicLink()) {
      const s = await stat(p).catch(() => undefined);
      isDir = s?.isDirectory() ?? false;
      isFile = s?.isFile() ?? false;
    }
    if (isDir) await walk(p, seen, out);
    else if (isFile && isAudioName(e.name)) out.push(p);
  }
}

/**
 * Expands `paths` for a batch: a file is taken as given (whatever its extension), a folder contributes the audio
 * files under it. Problems are collected per path rather than thrown, so the rest of a batch still runs:
 * NOT_FOUND, NOT_READABLE, NO_AUDIO (a folder without audio files).
 */
export async function discoverAudio(paths: string[]): Promise<{ files: string[]; errors: DemixError[] }> {
  const files: string[] = [];
  const errors: DemixError[] = [];
  const seen = new Set<string>();
  for (const p of paths) {
    try {
      const s = await stat(p);
      if (!s.isDirectory()) {
        files.push(p);
        continue;
      }
      const found: string[] = [];
      await walk(p, seen, found);
      if (found.length === 0) errors.push(new DemixError('NO_AUDIO', `${p}: folder contains no audio files (${AUDIO_EXTENSIONS.join(' ')})`, p));
      files.push(...found);
    } catch (err) {
      const e = pathError(err, p);
      if (!(e instanceof DemixError)) throw e;
      errors.push(e);
    }
  }
  return { files: [...new Set(files)], errors };
}

/** Like discoverAudio, but throws the first problem. Returns the audio file paths in order. */
export async function findAudioFiles(paths: string[]): Promise<string[]> {
  const { files, errors } = await discoverAudio(paths);
  if (errors.length > 0) throw errors[0];
  return files;
}
