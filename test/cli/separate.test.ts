// End-to-end tests of `demix separate`: the real bin on a MUSDB clip and on every kind of bad input.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Audio } from '../../src/audio/audio.js';
import { decodeFile } from '../../src/audio/decode.js';
import { encodeWav, parseWav } from '../../src/audio/wav.js';
import { separate } from '../../src/index.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = join(ROOT, 'bin', 'demix.js');
const CLIP = join(ROOT, '..', 'shared', 'data', 'musdb18-7', 'train', 'Music Delta - 80s Rock.stem.mp4');
const dir = mkdtempSync(join(tmpdir(), 'demix-cli-'));
const inputs = join(dir, 'in');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the bin; `separate` uses the classic model unless told otherwise (fast and always present). */
function demix(...args: string[]): Run {
  if (args[0] === 'separate' && !args.includes('--model')) args.push('--model', 'classic');
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function wavFile(name: string, audio: Audio): string {
  const p = join(inputs, name);
  writeFileSync(p, encodeWav(audio, 16));
  return p;
}

/** `seconds` of a 330 Hz tone with a 4 Hz tremolo on `nCh` channels at `rate`. */
function tone(rate: number, nCh: number, seconds: number): Audio {
  const x = new Float32Array(Math.round(rate * seconds));
  for (let i = 0; i < x.length; i++) x[i] = 0.3 * Math.sin((2 * Math.PI * 330 * i) / rate) * (0.6 + 0.4 * Math.sin((2 * Math.PI * 4 * i) / rate));
  return { sampleRate: rate, channels: Array.from({ length: nCh }, (_, c) => x.map((v) => v * (1 - 0.1 * c))) };
}

/** Offset of a RIFF chunk's id in a canonical wav, e.g. 'fmt '. */
function chunkOffset(bytes: Uint8Array, id: string): number {
  for (let i = 12; i + 8 <= bytes.length; ) {
    if (String.fromCharCode(...bytes.subarray(i, i + 4)) === id) return i;
    i += 8 + (bytes[i + 4] | (bytes[i + 5] << 8) | (bytes[i + 6] << 16) | (bytes[i + 7] << 24));
  }
  throw new Error(`no ${id} chunk`);
}

const files: Record<string, string> = {};
let batch: Run;
let summary: { tracks: { input: string; ok: boolean; error?: string; sampleRate?: number; channels?: number; stems: { name: string; path: string | null; silent: boolean; loudness: number | null; peak: number | null; duration: number }[] }[] };
const out = join(dir, 'out');

before(() => {
  if (!existsSync(join(ROOT, 'dist', 'src', 'cli', 'main.js'))) execFileSync('npx', ['tsc', '-p', 'tsconfig.json'], { cwd: ROOT });
  mkdirSync(inputs);
  return decodeFile(CLIP).then((mix) => {
    files.song = wavFile('80s Rock.wav', mix);
    files.silence = wavFile('silence.wav', { sampleRate: 44100, channels: [new Float32Array(3 * 44100), new Float32Array(3 * 44100)] });
    files.mono8k = wavFile('mono 8k.wav', tone(8000, 1, 3));
    files.surround = wavFile('surround 5.1.wav', tone(48000, 6, 3));
    files.zeroLength = wavFile('zero length.wav', { sampleRate: 44100, channels: [new Float32Array(0), new Float32Array(0)] });
    const good = encodeWav(tone(44100, 2, 1), 16);
    files.truncated = join(inputs, 'truncated.wav');
    writeFileSync(files.truncated, good.subarray(0, 30));
    const codec = good.slice();
    const fmt = chunkOffset(codec, 'fmt ');
    codec[fmt + 8] = 0x34; // format tag 0x1234: no such codec
    codec[fmt + 9] = 0x12;
    files.codec = join(inputs, 'unknown codec.wav');
    writeFileSync(files.codec, codec);
    files.empty = join(inputs, 'empty.flac');
    writeFileSync(files.empty, new Uint8Array(0));
    files.text = join(inputs, 'notes.mp3');
    writeFileSync(files.text, 'These are my lyrics, not an mp3.\n'.repeat(50));
    files.noAudioDir = join(inputs, 'no audio here');
    mkdirSync(files.noAudioDir);
    writeFileSync(join(files.noAudioDir, 'readme.txt'), 'nothing to see');
    files.missing = join(inputs, 'does not exist.wav');
    batch = demix('separate', ...Object.values(files), '-o', out, '--json', '-q');
    summary = JSON.parse(batch.stdout);
  });
});

const track = (key: string) => summary.tracks.find((t) => t.input === files[key])!;
const errorLines = () => batch.stderr.trim().split('\n');

test('a MUSDB clip is separated into four stems as long as the clip with loudness in the JSON summary', () => {
  const t = track('song');
  assert.equal(t.ok, true, t.error);
  assert.deepEqual(t.stems.map((s) => s.name), ['vocals', 'drums', 'bass', 'other']);
  for (const s of t.stems) {
    assert.equal(s.path, join(out, '80s Rock', `${s.name}.wav`));
    assert.ok(statSync(s.path!).size > 7 * 44100 * 4, s.name);
    assert.ok(s.duration > 6.5 && s.duration < 7.1, `${s.duration}`); // the preview clips are ~6.8-7 s
    assert.equal(typeof s.loudness, 'number');
    assert.equal(s.silent, false, `${s.name} is not silent`);
  }
  assert.deepEqual(readdirSync(join(out, '80s Rock')).sort(), ['bass.wav', 'drums.wav', 'other.wav', 'vocals.wav']);
});

test('the batch goes on past bad files, exits 1 and names each failure on one line', () => {
  assert.equal(batch.code, 1);
  const bad = ['missing', 'noAudioDir', 'empty', 'truncated', 'text', 'codec', 'zeroLength'];
  assert.equal(errorLines().length, bad.length, batch.stderr);
  for (const key of bad) {
    const line = errorLines().find((l) => l.includes(files[key]));
    assert.ok(line, `no error line names ${files[key]}:\n${batch.stderr}`);
    assert.match(line, /^demix separate: /);
    assert.equal(track(key).ok, false);
  }
  assert.match(errorLines().find((l) => l.includes(files.missing))!, /no such file/);
  assert.match(errorLines().find((l) => l.includes(files.noAudioDir))!, /no audio files/);
});

test('bad inputs leave no output behind', () => {
  const written = readdirSync(out).sort();
  assert.deepEqual(written, ['80s Rock', 'mono 8k', 'silence', 'surround 5.1']);
  for (const d of written) assert.ok(readdirSync(join(out, d)).every((f) => !f.startsWith('.')), `temp files left in ${d}`);
});

test('silence is separated and every stem is flagged silent', () => {
  const t = track('silence');
  assert.equal(t.ok, true, t.error);
  assert.ok(t.stems.every((s) => s.silent && s.loudness === null));
});

test('8 kHz mono input gives 8 kHz mono stems', () => {
  const t = track('mono8k');
  assert.equal(t.ok, true, t.error);
  assert.equal(t.sampleRate, 8000);
  assert.equal(t.channels, 1);
  const wav = readFileSync(join(out, 'mono 8k', 'vocals.wav'));
  const fmt = chunkOffset(wav, 'fmt ');
  assert.equal(wav.readUInt16LE(fmt + 10), 1); // channels
  assert.equal(wav.readUInt32LE(fmt + 12), 8000); // sample rate
});

test('5.1 input is downmixed to stereo stems at its own rate', () => {
  const t = track('surround');
  assert.equal(t.ok, true, t.error);
  assert.equal(t.channels, 2);
  assert.equal(t.sampleRate, 48000);
});

test('existing stems are refused without --overwrite and replaced with it', () => {
  const before = readFileSync(join(out, 'silence', 'vocals.wav'));
  const refused = demix('separate', files.silence, '-o', out, '-q');
  assert.equal(refused.code, 1);
  assert.match(refused.stderr.trim(), /silence\.wav: .*vocals\.wav already exists \(use --overwrite/);
  assert.equal(refused.stderr.trim().split('\n').length, 1);
  assert.deepEqual(readFileSync(join(out, 'silence', 'vocals.wav')), before);
  const replaced = demix('separate', files.silence, '-o', out, '--overwrite', '--skip-silent');
  assert.equal(replaced.code, 0, replaced.stderr);
  assert.match(replaced.stdout, /silent: vocals, drums, bass, other \(skipped\)/);
});

test('an output folder that cannot be written fails with one line and creates nothing', () => {
  const blocker = join(dir, 'a file');
  writeFileSync(blocker, 'not a folder');
  const r = demix('separate', files.mono8k, '-o', join(blocker, 'stems'));
  assert.equal(r.code, 1);
  assert.equal(r.stderr.trim().split('\n').length, 1);
  assert.match(r.stderr, /a file\/stems: cannot write to the output folder/);
});

test('--two-stems, --stems, --format flac and --sample-rate shape the output', () => {
  const o = join(dir, 'two');
  const r = demix('separate', files.mono8k, '-o', o, '--two-stems', 'vocals', '--format', 'flac', '--sample-rate', '16000', '--json');
  assert.equal(r.code, 0, r.stderr);
  const t = JSON.parse(r.stdout).tracks[0];
  assert.deepEqual(t.stems.map((s: { name: string }) => s.name), ['vocals', 'accompaniment']);
  assert.equal(t.sampleRate, 16000);
  assert.deepEqual(readdirSync(join(o, 'mono 8k')).sort(), ['accompaniment.flac', 'vocals.flac']);
  const s = demix('separate', files.mono8k, '-o', join(dir, 'some'), '--stems', 'bass,drums', '-q');
  assert.equal(s.code, 0, s.stderr);
  assert.equal(s.stdout, '');
  assert.deepEqual(readdirSync(join(dir, 'some', 'mono 8k')).sort(), ['bass.wav', 'drums.wav']);
});

test('worker threads (-j 2) and small chunks (--chunk-seconds 2) give stems that sum to the mix, equal to the library\'s', async () => {
  const o = join(dir, 'jobs');
  const r = demix('separate', files.song, files.mono8k, '-o', o, '-j', '2', '--chunk-seconds', '2', '--two-stems', 'vocals', '--bit-depth', '32', '-q');
  assert.equal(r.code, 0, r.stderr);
  const library = await separate(files.song, { model: 'classic', chunkSeconds: 2, twoStems: 'vocals' });
  assert.deepEqual(parseWav(readFileSync(join(o, '80s Rock', 'vocals.wav'))), library.stems.vocals);
  for (const [key, name] of [['song', '80s Rock'], ['mono8k', 'mono 8k']]) {
    const mix = parseWav(readFileSync(files[key]));
    const [v, a] = ['vocals', 'accompaniment'].map((stem) => parseWav(readFileSync(join(o, name, `${stem}.wav`))));
    assert.equal(v.channels.length, mix.channels.length);
    let ref = 0, err = 0;
    mix.channels.forEach((x, c) => x.forEach((m, i) => ((ref += m * m), (err += (m - v.channels[c][i] - a.channels[c][i]) ** 2))));
    const snr = 10 * Math.log10(ref / err);
    assert.ok(snr > 60, `${name}: stems sum to the mix within ${snr.toFixed(1)} dB`);
  }
});

test('Ctrl-C stops the batch, exits 130 and leaves nothing behind', async () => {
  const long = wavFile('long tone.wav', tone(44100, 2, 90));
  const o = join(dir, 'interrupted');
  const child = spawn(process.execPath, [BIN, 'separate', long, files.song, '-o', o, '--model', 'classic', '--chunk-seconds', '5']);
  let stderr = '';
  let interrupted = false;
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
    if (!interrupted && /long tone: separate [1-9]/.test(stderr)) interrupted = child.kill('SIGINT'); // once: a second Ctrl-C kills
  });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  assert.equal(code, 130, stderr);
  assert.match(stderr, /long tone\.wav: cancelled/);
  assert.equal(existsSync(o), false, 'no output folder');
});

test('usage errors exit 2 with one line; help lists every option; --version prints the version', () => {
  const bad = demix('separate', files.mono8k, '--stems', 'piano');
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /piano/);
  assert.equal(demix('separate', '--frobnicate').code, 2);
  const help = demix('separate', '--help');
  assert.equal(help.code, 0);
  for (const opt of ['--output', '--model', '--stems', '--two-stems', '--format', '--bit-depth', '--sample-rate',
    '--wiener-iterations', '--overwrite', '--skip-silent', '--json', '--jobs', '--quiet']) {
    assert.ok(help.stdout.includes(opt), opt);
  }
  assert.match(demix('--help').stdout, /separate/);
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  assert.equal(demix('--version').stdout.trim(), pkg.version);
});
