// Worker threads of demix: Node flags passed on without the parent's inline script, and errors that cross
// the thread boundary arriving as they were thrown.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DemixError } from '../src/errors.js';
import { revive, toPlainError, workerExecArgv } from '../src/worker-rpc.js';

test('a worker keeps Node flags but not the parent\'s inline entry script', () => {
  assert.deepEqual(workerExecArgv(['--input-type=module', '-e', 'code', '--max-old-space-size=4096']), ['--max-old-space-size=4096']);
  assert.deepEqual(workerExecArgv(['--require', 'pre.cjs', '--import', 'loader.mjs', '--print', 'x']), ['--require', 'pre.cjs', '--import', 'loader.mjs']);
});

test('a DemixError and an fs error cross the thread boundary with their code, message and file', () => {
  const demix = revive(structuredClone(toPlainError(new DemixError('ENCODE_FAILED', 'out.flac: encoding failed', 'out.flac'))));
  assert.ok(demix instanceof DemixError);
  assert.deepEqual([demix.code, demix.message, demix.file], ['ENCODE_FAILED', 'out.flac: encoding failed', 'out.flac']);
  const fsError = revive(structuredClone(toPlainError(Object.assign(new Error('ENOSPC: no space left'), { code: 'ENOSPC' }))));
  assert.ok(!(fsError instanceof DemixError));
  assert.deepEqual([(fsError as NodeJS.ErrnoException).code, fsError.message], ['ENOSPC', 'ENOSPC: no space left']);
});
