// Atomic file writes (Node): write `<target>.tmp-<pid>-<rand>` beside the target, then rename over it,
// so a reader never sees a half-written file and a failed write leaves nothing behind.
import { randomBytes } from 'node:crypto';
import { lstat, mkdir, rename, unlink, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { DemixError } from '../errors.js';

export interface AtomicWriteOptions {
  /** Replace an existing file at the target (default false: refuse with OUTPUT_EXISTS). */
  overwrite?: boolean;
}

/** The temporary path used for `path` (same directory, so the final rename is atomic). */
export function tempPathFor(path: string): string {
  return `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
}

/** Whether anything (a file, a folder, a link) is at `path`. */
export async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch {
    return false;
  }
}

/** Maps a Node fs error on `path` to a one-line DemixError (errors of other kinds pass through). */
function writeError(err: unknown, path: string): unknown {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS' || code === 'ENOTDIR' || code === 'ENOENT' || code === 'EISDIR' || code === 'EEXIST') {
    return new DemixError('OUTPUT_NOT_WRITABLE', `${path}: cannot write output (${code})`, path);
  }
  if (code === 'ENOSPC' || code === 'EDQUOT') return new DemixError('NO_SPACE', `${path}: no space left on the device`, path);
  return err;
}

function refuse(path: string): DemixError {
  return new DemixError('OUTPUT_EXISTS', `${path}: output already exists (use --overwrite to replace it)`, path);
}

/**
 * Writes `data` to `path` atomically. data: the bytes, or a function that writes the file at the temp path
 * it is given (e.g. by running an encoder). Creates missing parent folders. Errors: OUTPUT_EXISTS,
 * OUTPUT_NOT_WRITABLE, NO_SPACE, or whatever `data` throws; the temp file is removed on any failure.
 */
export async function writeFileAtomic(
  path: string,
  data: Uint8Array | ((tmpPath: string) => Promise<void>),
  opts: AtomicWriteOptions = {},
): Promise<void> {
  if (!opts.overwrite && (await exists(path))) throw refuse(path);
  try {
    await mkdir(dirname(path), { recursive: true });
  } catch (err) {
    throw writeError(err, path);
  }
  const tmp = tempPathFor(path);
  try {
    if (typeof data === 'function') await data(tmp);
    else await writeFile(tmp, data, { flag: 'wx' });
    if (!(await exists(tmp))) throw new DemixError('WRITE_FAILED', `${path}: the writer produced no file`, path);
    // Checked again just before the rename: another writer may have created the target meanwhile.
    if (!opts.overwrite && (await exists(path))) throw refuse(path);
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw writeError(err, path);
  }
}
