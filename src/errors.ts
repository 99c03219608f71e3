// User-facing errors: one class with a stable machine-readable code, so the CLI and library callers can react by code.

/**
 * A user-facing error: `code` is a stable identifier (e.g. 'ENOENT_INPUT', 'NOT_AUDIO'),
 * `message` is one line naming the file and the problem, `file` is the path concerned (if any).
 */
export class DemixError extends Error {
  readonly code: string;
  readonly file?: string;

  constructor(code: string, message: string, file?: string) {
    super(message);
    this.name = 'DemixError';
    this.code = code;
    if (file !== undefined) this.file = file;
  }
}

/** True when `e` is a DemixError (optionally with the given code). */
export function isDemixError(e: unknown, code?: string): e is DemixError {
  return e instanceof DemixError && (code === undefined || e.code === code);
}
