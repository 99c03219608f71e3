// Browser benchmark: separation time of a 3-minute song into 4 stems in headless Chromium, and the
// page's memory on a 10-minute song. Usage: npx tsx bench/web.ts [--song SECONDS] [--long SECONDS (0 skips)]
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Audio } from '../src/audio/audio.js';
import { encodeWav } from '../src/audio/wav.js';
import { serveStatic, webRoot } from '../src/cli/ui.js';
import { chromiumUnavailable, launchChromium } from '../test/web/chromium.js';
import { syntheticSong } from '../test/web/fixture.js';

const { values } = parseArgs({ options: { song: { type: 'string', default: '180' }, long: { type: 'string', default: '600' } } });
const SONG_SECONDS = Number(values.song);
const LONG_SECONDS = Number(values.long);
const MB = 2 ** 20;

/** `seconds` of audio made by repeating a 30 s synthetic song. */
function tiledSong(seconds: number): Audio {
  const unit = syntheticSong(30);
  const n = Math.round(seconds * unit.sampleRate);
  const channels = unit.channels.map((ch) => {
    const out = new Float32Array(n);
    for (let at = 0; at < n; at += ch.length) out.set(ch.subarray(0, Math.min(ch.length, n - at)), at);
    return out;
  });
  return { sampleRate: unit.sampleRate, channels };
}

/**
 * Private resident memory (bytes: RssAnon + RssShmem, i.e. heaps, ArrayBuffers, WASM memories; shared
 * libraries left out) of the Chromium renderer processes started by this process: the page and its workers.
 */
function rendererRss(): number {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(name)]);
    } catch {
      // the process ended meanwhile
    }
  }
  let total = 0;
  const visit = (pid: number) => {
    for (const child of children.get(pid) ?? []) {
      try {
        if (readFileSync(`/proc/${child}/cmdline`, 'utf8').includes('--type=renderer')) {
          const status = readFileSync(`/proc/${child}/status`, 'utf8');
          for (const field of ['RssAnon', 'RssShmem']) total += Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0) * 1024;
        }
      } catch {
        // the process ended meanwhile
      }
      visit(child);
    }
  };
  visit(process.pid);
  return total;
}

interface Run {
  workerSeconds: number;
  wallSeconds: number;
  info: { model: string; backend: string; threads: number; simd: boolean; crossOriginIsolated: boolean };
  peakRss: number;
  liveAfter: number | null; // renderer private memory after the run and a garbage collection, bytes
}

/** Separates a `seconds`-long song in a fresh browser; `measureMemory` adds the memory left after a GC. */
async function separateInPage(url: string, seconds: number, measureMemory: boolean): Promise<Run> {
  const file = join(tmpdir(), `demix-bench-${process.pid}-${seconds}s.wav`);
  writeFileSync(file, encodeWav(tiledSong(seconds), 16));
  const browser = await launchChromium();
  try {
    const page = await browser.context.newPage();
    await page.goto(url);
    await page.setInputFiles('#file', file);
    let peakRss = 0;
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, rendererRss())), 250);
    const started = performance.now();
    await page.click('#separate');
    await page.waitForFunction(() => (window as unknown as { demixDebug: { status(): string } }).demixDebug.status() !== 'busy', null, {
      timeout: 30 * 60_000,
      polling: 500,
    });
    const wallSeconds = (performance.now() - started) / 1000;
    clearInterval(sampler);
    peakRss = Math.max(peakRss, rendererRss());
    const result = (await page.evaluate(`(() => ({ message: demixDebug.message(), run: demixDebug.run() }))()`)) as {
      message: string;
      run: { seconds: number; info: Run['info'] } | null;
    };
    if (!result.run) throw new Error(`separation failed in the page: ${result.message}`);
    let liveAfter: number | null = null;
    if (measureMemory) {
      // What stays once the garbage of the run is collected: the stems and the mix (AudioBuffers, arrays).
      const cdp = await browser.context.newCDPSession(page);
      await cdp.send('HeapProfiler.collectGarbage');
      await new Promise((resolve) => setTimeout(resolve, 3000)); // the ended worker's memory goes back asynchronously
      liveAfter = rendererRss();
    }
    return { workerSeconds: result.run.seconds, wallSeconds, info: result.run.info, peakRss, liveAfter };
  } finally {
    await browser.close();
    rmSync(file, { force: true });
  }
}

function describe(info: Run['info']): string {
  const engine = info.backend === 'wasm' ? `onnxruntime-web WASM${info.simd ? ' SIMD' : ''}, ${info.threads} threads` : info.backend;
  return `model ${info.model} (${engine}; crossOriginIsolated ${info.crossOriginIsolated})`;
}

const skip = chromiumUnavailable();
if (skip) {
  console.log(`bench/web: skipped: ${skip}`);
  process.exit(0);
}
const server = await serveStatic(webRoot(), 0);
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
try {
  console.log(`headless Chromium, ${(await import('node:os')).cpus().length} cores`);
  const song = await separateInPage(url, SONG_SECONDS, false);
  console.log(
    `${SONG_SECONDS} s song -> 4 stems: ${song.workerSeconds.toFixed(1)} s in the worker ` +
      `(${song.wallSeconds.toFixed(1)} s from click to result view, incl. decoding), ${describe(song.info)}; ` +
      `realtime factor ${(song.workerSeconds / SONG_SECONDS).toFixed(3)}`,
  );
  if (LONG_SECONDS > 0) {
    const long = await separateInPage(url, LONG_SECONDS, true);
    const after = long.liveAfter === null ? 'n/a' : `${(long.liveAfter / MB).toFixed(0)} MB`;
    console.log(
      `${LONG_SECONDS} s song: peak renderer private memory ${(long.peakRss / MB).toFixed(0)} MB during separation; ` +
        `${after} after it (garbage collected); separated in ${long.workerSeconds.toFixed(1)} s (${describe(long.info)})`,
    );
  }
} finally {
  server.close();
}
