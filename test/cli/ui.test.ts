// `demix ui`'s static server: isolation headers, content types, and no way out of the served folder.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { serveStatic } from '../../src/cli/ui.js';

let dir: string;
let server: Server;
let port: number;

/** A raw GET (no URL normalisation by the client, so `..` reaches the server as typed). */
function get(path: string, method = 'GET'): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'demix-ui-'));
  const root = join(dir, 'site');
  mkdirSync(join(root, 'ort'), { recursive: true });
  writeFileSync(join(root, 'index.html'), '<p>demix</p>');
  writeFileSync(join(root, 'ort', 'x.wasm'), new Uint8Array([0, 97, 115, 109]));
  writeFileSync(join(dir, 'secret.txt'), 'outside the served folder');
  server = await serveStatic(root, 0);
  port = (server.address() as AddressInfo).port;
});

after(() => {
  server.close();
  rmSync(dir, { recursive: true, force: true });
});

test('serves index.html for / with the cross-origin isolation headers', async () => {
  const res = await get('/');
  assert.equal(res.status, 200);
  assert.equal(res.body, '<p>demix</p>');
  assert.equal(res.headers['cross-origin-opener-policy'], 'same-origin');
  assert.equal(res.headers['cross-origin-embedder-policy'], 'require-corp');
  assert.match(String(res.headers['content-type']), /text\/html/);
});

test('WebAssembly is served as application/wasm (streaming compilation needs it)', async () => {
  const res = await get('/ort/x.wasm');
  assert.equal(res.status, 200);
  assert.equal(res.headers['content-type'], 'application/wasm');
});

test('paths that climb out of the folder, missing files and other methods are refused', async () => {
  for (const path of ['/../secret.txt', '/%2e%2e/secret.txt', '/ort/..%2f..%2fsecret.txt', '/missing.js', '/%E0%A4%A']) {
    const res = await get(path);
    assert.equal(res.status, 404, path);
    assert.doesNotMatch(res.body, /outside/);
  }
  assert.equal((await get('/', 'POST')).status, 405);
  assert.equal((await get('/', 'HEAD')).status, 200);
});
