// `demix ui`: serves the built browser app (dist/web) on 127.0.0.1 with the cross-origin isolation
// headers multi-threaded WebAssembly needs, and opens it in the default browser.
import { spawn } from 'node:child_process';
import { createReadStream, existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DemixError } from '../errors.js';
import { formatHelp, intOption, parseOptions, type OptionSpec } from './args.js';
import type { Command } from './commands.js';

const DEFAULT_PORT = 8417;
const HOST = '127.0.0.1';

/** Headers every response carries: COOP + COEP make the page cross-origin isolated (SharedArrayBuffer, WASM threads). */
export const ISOLATION_HEADERS: Readonly<Record<string, string>> = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'X-Content-Type-Options': 'nosniff',
  'Cache-Control': 'no-cache',
};

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.map': 'application/json',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.onnx': 'application/octet-stream',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

const OPTIONS: readonly OptionSpec[] = [
  { name: 'port', short: 'p', type: 'string', value: 'N', description: 'port to listen on (0: any free port)', default: String(DEFAULT_PORT) },
  { name: 'no-open', type: 'boolean', description: 'do not open the page in the default browser' },
];

/** The built app: dist/web beside dist/src (compiled) or under the package root (run from source). */
export function webRoot(): string {
  for (const rel of ['../../web/', '../../dist/web/']) {
    const dir = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(join(dir, 'app.js'))) return dir; // web/ itself holds the sources, not app.js
  }
  throw new DemixError('web-not-built', 'the web app is not built (dist/web/app.js missing): run `npm run build`');
}

/** The file under `root` that a request path names, or null when it escapes `root`. */
function resolvePath(root: string, urlPath: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath.split('?')[0]);
  } catch {
    return null;
  }
  const file = normalize(join(root, decoded.endsWith('/') ? `${decoded}index.html` : decoded));
  return file.startsWith(normalize(root).replace(/[\\/]?$/, sep)) ? file : null;
}

/** Serves the files of `root` on 127.0.0.1:`port` (0 = any free port); resolves once listening. */
export async function serveStatic(root: string, port: number): Promise<Server> {
  const server = createServer(async (req, res) => {
    for (const [k, v] of Object.entries(ISOLATION_HEADERS)) res.setHeader(k, v);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD' }).end();
      return;
    }
    const file = resolvePath(root, req.url ?? '/');
    const info = file ? await stat(file).catch(() => null) : null;
    if (!file || !info?.isFile()) {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('not found\n');
      return;
    }
    res.writeHead(200, {
      'Content-Type': CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
      'Content-Length': info.size,
    });
    if (req.method === 'HEAD') res.end();
    else createReadStream(file).pipe(res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, HOST, () => resolve());
  });
  return server;
}

/** Opens `url` in the default browser; failures only print a note (the URL is printed anyway). */
function openBrowser(url: string): void {
  const [cmd, args] =
    process.platform === 'darwin' ? ['open', [url]] : process.platform === 'win32' ? ['cmd', ['/c', 'start', '', url]] : ['xdg-open', [url]];
  const child = spawn(cmd, args, { detached: true, stdio: 'ignore' });
  child.on('error', () => process.stderr.write(`demix ui: could not open a browser; visit ${url}\n`));
  child.unref();
}

async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseOptions(argv, OPTIONS);
  if (positionals.length > 0) throw new DemixError('usage', `unexpected argument "${positionals[0]}"`);
  const port = intOption(values, 'port') ?? DEFAULT_PORT;
  if (port > 65535) throw new DemixError('usage', `--port must be at most 65535, got ${port}`);
  const root = webRoot();
  const server = await serveStatic(root, port).catch((err: NodeJS.ErrnoException) => {
    const hint = err.code === 'EADDRINUSE' ? ' (in use: choose another with --port N, or --port 0 for any free one)' : '';
    throw new DemixError('port', `cannot listen on ${HOST}:${port}: ${err.code ?? err.message}${hint}`);
  });
  const url = `http://${HOST}:${(server.address() as AddressInfo).port}/`;
  process.stdout.write(`demix ui: serving ${url} (Ctrl+C to stop)\n`);
  if (!values['no-open']) openBrowser(url);
  await new Promise<void>((resolve) => {
    const stop = () => server.close(() => resolve());
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  return 0;
}

export const uiCommand: Command = {
  name: 'ui',
  summary: 'open the browser app (separate, mix and export on this machine)',
  help: formatHelp(
    'demix ui [--port N] [--no-open]',
    'Serves the demix web app on http://127.0.0.1:N/ and opens it in the default browser.\n' +
      'Separation runs in the page; nothing is uploaded. To deploy the same files (dist/web) elsewhere,\n' +
      'serve them with the headers Cross-Origin-Opener-Policy: same-origin and\n' +
      'Cross-Origin-Embedder-Policy: require-corp, which multi-threaded WebAssembly needs.',
    OPTIONS,
  ),
  run,
};
