// Node worker threads driven by numbered requests: a module of this package started as a worker (from its
// sources under tsx or compiled under dist/), each reply matched to its request by id, and the process kept
// alive only while a request is open; on the worker's side, requests answered one after another. Used by the
// ONNX separator (src/models) and the stem writer (src/cli).
import { parentPort, Worker } from 'node:worker_threads';
import { DemixError } from './errors.js';

/** The parent's Node flags minus those that describe its own entry script (`node --input-type=module -e CODE`). */
export function workerExecArgv(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (['-e', '--eval', '-p', '--print', '--input-type'].includes(a)) i++; // and its value
    else if (!a.startsWith('--input-type=') && !a.startsWith('--eval=') && !a.startsWith('--print=')) out.push(a);
  }
  return out;
}

/**
 * Starts `name` (a module path without extension, relative to `from`, the caller's import.meta.url) as a
 * worker thread; under tsx (`from` ends in .ts) the worker registers tsx before importing the source.
 */
export function startModuleWorker(name: string, from: string, workerData: unknown): Worker {
  const execArgv = workerExecArgv(process.execArgv);
  if (!from.endsWith('.ts')) return new Worker(new URL(`${name}.js`, from), { workerData, execArgv });
  const tsx = JSON.stringify(import.meta.resolve('tsx/esm/api'));
  const entry = JSON.stringify(new URL(`${name}.ts`, from).href);
  return new Worker(`import(${tsx}).then((t) => { t.register(); return import(${entry}); })`, { eval: true, workerData, execArgv });
}

/** Numbered request/reply over a worker: replies carry the request's `id`; other messages go to `onOther`. */
export class WorkerRpc<Request extends object, Reply extends object> {
  private readonly pending = new Map<number, { resolve: (r: Reply) => void; reject: (e: Error) => void }>();
  private nextId = 0;
  private failure: Error | undefined;

  constructor(
    readonly worker: Worker,
    onOther: (m: unknown) => void = () => undefined,
  ) {
    worker.unref();
    worker.on('message', (m: Reply & { id?: number }) => {
      const p = m.id === undefined ? undefined : this.pending.get(m.id);
      if (!p) return onOther(m);
      this.pending.delete(m.id!);
      if (this.pending.size === 0) worker.unref();
      p.resolve(m);
    });
    const fail = (e: Error): void => {
      this.failure ??= e;
      for (const p of this.pending.values()) p.reject(this.failure);
      this.pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`worker thread stopped (exit ${code})`)));
  }

  /** Posts `m` with a fresh id (the `transfer` buffers move to the worker) and resolves with its reply. */
  request(m: Request, transfer: ArrayBuffer[] = []): Promise<Reply> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.ref(); // keep the process alive while a request is open
      this.worker.postMessage({ ...m, id }, transfer);
    });
  }

  async terminate(): Promise<void> {
    await this.worker.terminate();
  }
}

/**
 * The worker's side of WorkerRpc: answers each request posted to this thread with `{ id, ...result }` (the
 * `transfer` buffers of the result moved) or `{ id, error }`, running `handle` on one request after another in
 * the order posted; requests for which `atOnce` holds skip the queue (an abort while a write waits).
 */
export function serveRequests<Request extends object, Result extends object>(
  handle: (m: Request) => Promise<Result>,
  opts: { transfer?: (r: Result) => ArrayBuffer[]; atOnce?: (m: Request) => boolean } = {},
): void {
  const port = parentPort!;
  let queue: Promise<unknown> = Promise.resolve();
  port.on('message', (m: Request & { id: number }) => {
    const now = opts.atOnce?.(m) ?? false;
    const run = now ? handle(m) : queue.then(() => handle(m));
    if (!now) queue = run.catch(() => undefined);
    run.then(
      (r) => port.postMessage({ id: m.id, ...r }, opts.transfer?.(r) ?? []),
      (e: unknown) => port.postMessage({ id: m.id, error: toPlainError(e) }),
    );
  });
}

/** An error crossing the thread boundary: a DemixError's code and file, or an fs error's errno code. */
export interface PlainError {
  demix: boolean;
  code?: string;
  message: string;
  file?: string;
}

export function toPlainError(e: unknown): PlainError {
  const err = e as Partial<DemixError> & { code?: string };
  return { demix: e instanceof DemixError, code: err.code, message: err.message ?? String(e), file: err.file };
}

/** The error as it was thrown in the worker (a DemixError again, or an Error with the errno `code`). */
export function revive(e: PlainError): Error {
  if (e.demix) return new DemixError(e.code ?? 'ERROR', e.message, e.file);
  return Object.assign(new Error(e.message), e.code === undefined ? {} : { code: e.code });
}
