// End-to-end test of the web app in headless Chromium: bad input, separation, mixer, export, screenshot.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { unzipSync } from 'fflate';
import type { Page } from 'playwright-core';
import { writeAudio } from '../../src/audio/encode.js';
import { encodeWav, parseWav } from '../../src/audio/wav.js';
import { chromiumUnavailable, launchChromium, startUi, type Browser, type UiServer } from './chromium.js';
import { syntheticSong } from './fixture.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const ARTIFACTS = join(ROOT, 'test-artifacts');
const SONG_SECONDS = 4;
const MASHUP_SECONDS = 8; // tempo detection needs at least 6 s
const LIMIT_SECONDS = 20; // the page's length limit for this test (?maxSeconds), so "too long" is cheap to provoke

const skip = chromiumUnavailable();
let browser: Browser;
let server: UiServer;
let page: Page;

/** The page's read-only probes (web/src/app.ts). */
interface Debug {
  status(): string;
  message(): string;
  run(): { seconds: number; info: { model: string; backend: string; threads: number } } | null;
  stemNames(): string[];
  stemRms(): number[];
  mixRms(): number;
  sumError(): number;
  audibleGains(): number[];
  renderRms(): Promise<number>;
  playing(): boolean;
  position(): number;
  loop(): { start: number; end: number } | null;
}
const debug = <R>(fn: (d: Debug) => R | Promise<R>): Promise<R> =>
  page.evaluate(`(${fn.toString()})(window.demixDebug)`) as Promise<R>;

async function submit(name: string, bytes: Uint8Array, mimeType = 'audio/wav'): Promise<void> {
  await page.setInputFiles('#file', { name, mimeType, buffer: Buffer.from(bytes) });
  await page.click('#separate');
  await page.waitForFunction(() => (window as unknown as { demixDebug: Debug }).demixDebug.status() !== 'busy', null, { timeout: 120_000 });
}

async function downloadOf(click: () => Promise<void>): Promise<Uint8Array> {
  const [dl] = await Promise.all([page.waitForEvent('download'), click()]);
  return new Uint8Array(readFileSync(await dl.path()));
}

before(async () => {
  if (skip) return;
  server = await startUi();
  browser = await launchChromium();
  page = await browser.context.newPage();
  page.on('pageerror', (err) => console.error('page error:', err.message));
  await page.goto(`${server.url}?maxSeconds=${LIMIT_SECONDS}`);
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('the page is cross-origin isolated, so WebAssembly can use threads', { skip: skip ?? false }, async () => {
  assert.equal(await page.evaluate(() => crossOriginIsolated), true);
});

test('bad input gives a clear message and leaves the page usable', { skip: skip ?? false }, async () => {
  await submit('notes.mp3', new TextEncoder().encode('these are my lyrics, not audio\n'.repeat(20)), 'audio/mpeg');
  assert.match(await debug((d) => d.message()), /notes\.mp3: this is not an audio file/);

  const broken = new Uint8Array(4096);
  broken.set(new TextEncoder().encode('ID3'), 0);
  for (let i = 10; i < broken.length; i++) broken[i] = (i * 7919) % 251;
  await submit('broken.mp3', broken, 'audio/mpeg');
  assert.match(await debug((d) => d.message()), /broken\.mp3: .*corrupt/);

  const wav = encodeWav(syntheticSong(1), 16);
  const truncated = wav.slice(0, 60);
  await submit('cut.wav', truncated);
  assert.match(await debug((d) => d.message()), /cut\.wav: .*truncated/);

  await submit('long.wav', encodeWav(syntheticSong(LIMIT_SECONDS + 1), 16));
  assert.match(await debug((d) => d.message()), /long\.wav: the song is too long .*limit here is 20\.0 s/);
  assert.equal(await debug((d) => d.status()), 'error');
  assert.equal(await page.isEnabled('#file'), true);
});

test('Cancel stops a running separation promptly', { skip: skip ?? false }, async () => {
  await page.setInputFiles('#file', { name: 'cancel me.wav', mimeType: 'audio/wav', buffer: Buffer.from(encodeWav(syntheticSong(LIMIT_SECONDS - 1), 16)) });
  await page.click('#separate');
  await page.waitForFunction(() => /Separating/.test(document.getElementById('progress-text')?.textContent ?? ''), null, { timeout: 60_000 });
  const clicked = Date.now();
  await page.click('#cancel');
  await page.waitForFunction(() => (window as unknown as { demixDebug: Debug }).demixDebug.status() !== 'busy', null, { timeout: 10_000 });
  assert.ok(Date.now() - clicked < 5000, `cancel took ${Date.now() - clicked} ms`);
  assert.equal(await debug((d) => d.message()), 'Separation cancelled.');
  assert.equal(await page.isVisible('#progress'), false);
});

test('separates a song (FLAC, decoded by the browser) into four stems that sum to the mix', { skip: skip ?? false }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'demix-web-'));
  const flac = join(dir, 'song.flac');
  await writeAudio(flac, syntheticSong(SONG_SECONDS), { format: 'flac', bitDepth: 24 });
  await submit('fixture song.flac', readFileSync(flac), 'audio/flac');
  rmSync(dir, { recursive: true, force: true });
  assert.equal(await debug((d) => d.message()), '');
  assert.equal(await debug((d) => d.status()), 'result');
  assert.deepEqual(await debug((d) => d.stemNames()), ['vocals', 'drums', 'bass', 'other']);
  const rms = await debug((d) => d.stemRms());
  for (const [i, r] of rms.entries()) assert.ok(r > 1e-4, `stem ${i} is silent (rms ${r})`);
  const mixRms = await debug((d) => d.mixRms());
  const sumError = await debug((d) => d.sumError());
  assert.ok(sumError < 1e-3 * Math.max(1, mixRms * 10), `stems do not sum to the mix (max error ${sumError})`);
  const run = await debug((d) => d.run());
  console.log(`separated ${SONG_SECONDS} s in ${run?.seconds.toFixed(2)} s with`, run?.info);
  // With the shipped model built into dist/web, the page must run it (multi-threaded WASM here: no GPU).
  if (existsSync(join(ROOT, 'dist', 'web', 'models', 'demix-4s.onnx'))) {
    assert.equal(run?.info.backend, 'wasm');
    const cores = await page.evaluate(() => navigator.hardwareConcurrency);
    assert.equal(run?.info.threads, Math.min(cores, 4), 'one WASM thread per core (up to 4)');
  }
});

test('mute and solo change what plays; space and number keys work', { skip: skip ?? false }, async () => {
  const all = await debug((d) => d.renderRms());
  const mix = await debug((d) => d.mixRms());
  assert.ok(Math.abs(all - mix) < 0.02 * mix, `full mix renders at ${all}, expected ${mix}`);

  await page.keyboard.press('1'); // mute vocals
  assert.deepEqual(await debug((d) => d.audibleGains()), [0, 1, 1, 1]);
  assert.equal(await page.getAttribute('button[aria-label^="Mute vocals"]', 'aria-pressed'), 'true');
  const withoutVocals = await debug((d) => d.renderRms());
  assert.ok(Math.abs(withoutVocals - all) > 1e-4, 'muting vocals did not change the mix');

  await page.click('button[aria-label="Solo drums"]');
  assert.deepEqual(await debug((d) => d.audibleGains()), [0, 1, 0, 0]);
  const drumsOnly = await debug((d) => d.renderRms());
  const drumsRms = (await debug((d) => d.stemRms()))[1];
  assert.ok(Math.abs(drumsOnly - drumsRms) < 0.02 * drumsRms, `solo drums renders at ${drumsOnly}, drums are ${drumsRms}`);

  await page.click('button[aria-label="Solo drums"]');
  await page.keyboard.press('1');
  assert.deepEqual(await debug((d) => d.audibleGains()), [1, 1, 1, 1]);

  await page.keyboard.press(' ');
  await page.waitForFunction(() => (window as unknown as { demixDebug: Debug }).demixDebug.playing(), null, { timeout: 5000 });
  await page.keyboard.press(' ');
  assert.equal(await debug((d) => d.playing()), false);
});

test('clicking a lane seeks, dragging across it loops that region', { skip: skip ?? false }, async () => {
  const box = await page.locator('.lane-surface').first().boundingBox();
  assert.ok(box);
  const at = (fraction: number) => box.x + box.width * fraction;
  const y = box.y + box.height / 2;
  await page.mouse.click(at(0.5), y);
  assert.ok(Math.abs((await debug((d) => d.position())) - SONG_SECONDS / 2) < 0.05);
  await page.mouse.move(at(0.25), y);
  await page.mouse.down();
  await page.mouse.move(at(0.75), y, { steps: 5 });
  await page.mouse.up();
  const loop = await debug((d) => d.loop());
  assert.ok(loop && Math.abs(loop.start - SONG_SECONDS * 0.25) < 0.05 && Math.abs(loop.end - SONG_SECONDS * 0.75) < 0.05, `loop ${JSON.stringify(loop)}`);
  assert.equal(await page.getAttribute('#loop', 'aria-pressed'), 'true');
  await page.click('#loop');
  assert.equal(await debug((d) => d.loop()), null);
});

test('exports a stem, all stems and the current mix as valid wav', { skip: skip ?? false }, async () => {
  const frames = Math.round(SONG_SECONDS * 44100);
  await page.selectOption('#bitdepth', '16');
  const vocals = parseWav(await downloadOf(() => page.click('button[aria-label="Download vocals as wav"]')), 'vocals.wav');
  assert.equal(vocals.sampleRate, 44100);
  assert.equal(vocals.channels.length, 2);
  assert.equal(vocals.channels[0].length, frames);

  const zip = unzipSync(await downloadOf(() => page.click('#export-zip')));
  assert.deepEqual(Object.keys(zip).sort(), ['fixture song/bass.wav', 'fixture song/drums.wav', 'fixture song/other.wav', 'fixture song/vocals.wav']);
  for (const [name, bytes] of Object.entries(zip)) assert.equal(parseWav(bytes, name).channels[0].length, frames);

  await page.click('button[aria-label="Solo bass"]');
  const mix = parseWav(await downloadOf(() => page.click('#export-mix')), 'mix.wav');
  assert.equal(mix.channels[0].length, frames);
  const rms = Math.sqrt(mix.channels[0].reduce((s, v) => s + v * v, 0) / frames);
  const bassRms = (await debug((d) => d.stemRms()))[2];
  assert.ok(Math.abs(rms - bassRms) < 0.05 * bassRms, `exported solo-bass mix rms ${rms}, bass ${bassRms}`);
  await page.click('button[aria-label="Solo bass"]');
});

test('separating again and again (2 and 4 stems) leaks no listeners, nodes or heap', { skip: skip ?? false }, async () => {
  const cdp = await browser.context.newCDPSession(page);
  // 48 kHz mono: the worker resamples and upmixes with the shared src/audio code.
  const song = encodeWav({ sampleRate: 48000, channels: [syntheticSong(2).channels[0]] }, 16);
  const sample = async () => {
    await cdp.send('HeapProfiler.collectGarbage');
    const counters = (await cdp.send('Memory.getDOMCounters')) as { nodes: number; jsEventListeners: number };
    const heap = (await cdp.send('Runtime.getHeapUsage')) as { usedSize: number };
    return { nodes: counters.nodes, listeners: counters.jsEventListeners, heap: heap.usedSize };
  };
  const samples = [];
  for (const stems of ['2', '4', '2', '4']) {
    await page.check(`input[name="stems"][value="${stems}"]`);
    await submit('again.wav', song);
    assert.equal(await debug((d) => d.message()), '');
    assert.equal((await debug((d) => d.stemNames())).length, Number(stems));
    assert.ok((await debug((d) => d.sumError())) < 1e-3);
    samples.push(await sample());
  }
  assert.deepEqual(await debug((d) => d.stemNames()), ['vocals', 'drums', 'bass', 'other']);
  const [first, , , last] = samples; // compare runs of the same kind (4 stems)
  assert.equal(last.listeners, samples[1].listeners, `event listeners grew: ${JSON.stringify(samples)}`);
  assert.ok(last.nodes <= samples[1].nodes + 20, `DOM nodes grew: ${JSON.stringify(samples)}`);
  assert.ok(last.heap - first.heap < 4 * 2 ** 20, `JS heap grew: ${JSON.stringify(samples)}`);
  await cdp.detach();
});

test('mashup: the vocals of a faster second song, matched to this one, over its own muted vocals', { skip: skip ?? false }, async () => {
  await submit('first.wav', encodeWav(syntheticSong(MASHUP_SECONDS), 16));
  // The same music declared at 48 kHz plays 8.8 % faster and higher; the page must stretch it back.
  const faster = { ...syntheticSong(MASHUP_SECONDS), sampleRate: 48000 };
  await page.selectOption('#mashup-take', 'vocals');
  await page.setInputFiles('#mashup-file', { name: 'second.wav', mimeType: 'audio/wav', buffer: Buffer.from(encodeWav(faster, 16)) });
  await page.waitForFunction(() => (window as unknown as { demixDebug: Debug }).demixDebug.status() !== 'busy', null, { timeout: 120_000 });
  assert.equal(await debug((d) => d.message()), '');
  assert.deepEqual(await debug((d) => d.stemNames()), ['vocals', 'drums', 'bass', 'other', 'vocals of second']);
  assert.deepEqual(await debug((d) => d.audibleGains()), [0, 1, 1, 1, 1]);
  const rms = await debug((d) => d.stemRms());
  assert.ok(rms[4] > 1e-3, `the laid-over vocals are silent (${rms[4]})`);
  const info = (await page.textContent('#mashup-info')) ?? '';
  assert.match(info, /vocals of second: second song: .*BPM.*this song: .*BPM/);
  assert.match(info, /stretched ×1\.0[5-9]/);
  assert.ok((await debug((d) => d.sumError())) < 1e-3, 'the separated stems still sum to the mix');
});

test('result view screenshot, spectrogram view and phone width', { skip: skip ?? false }, async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.click('#view');
  await page.waitForTimeout(100);
  await page.screenshot({ path: join(ARTIFACTS, 'web-result-spectrogram.png'), fullPage: true });
  await page.click('#view');
  await page.waitForTimeout(100);
  await page.screenshot({ path: join(ARTIFACTS, 'web-result.png'), fullPage: true });
  await page.setViewportSize({ width: 375, height: 800 });
  await page.waitForTimeout(100);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the page overflows a phone-width screen by ${overflow} px`);
  await page.screenshot({ path: join(ARTIFACTS, 'web-result-phone.png'), fullPage: true });
  await page.setViewportSize({ width: 1200, height: 820 });
});

if (skip) test(`browser tests skipped: ${skip}`, { skip });
