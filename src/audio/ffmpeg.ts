// Locating and running ffmpeg (Node): the static build shipped in @ffmpeg-installer/ffmpeg by default,
// DEMIX_FFMPEG to override it, a system `ffmpeg` as the last resort. Runs are time-limited and their
// stderr is kept (bounded) to explain failures.
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { DemixError } from '../errors.js';

let cached: string | undefined;

/** The ffmpeg executable to run: $DEMIX_FFMPEG, else the npm-shipped static build, else `ffmpeg` on PATH. */
export function ffmpegPath(): string {
  const override = process.env.DEMIX_FFMPEG;
  if (override) return override;
  if (cached === undefined) {
    cached = 'ffmpeg';
    try {
      const shipped = (createRequire(import.meta.url)('@ffmpeg-installer/ffmpeg') as { path: string }).path;
      if (existsSync(shipped)) cached = shipped;
    } catch {
      // the optional platform package is missing: fall back to a system ffmpeg
    }
  }
  return cached;
}

export interface FfmpegResult {
  code: number | null; // exit code, null when killed
  stderr: string; // at most MAX_STDERR characters
  timedOut: boolean;
}

export interface FfmpegRun {
  child: ChildProcess;
  done: Promise<FfmpegResult>; // settles once the process has exited and its pipes are closed
}

const MAX_STDERR = 64 * 1024;

/**
 * Starts ffmpeg with `args` (after -hide_banner -nostdin). stdin: 'pipe' to feed it, else ignored; stdout is a pipe;
 * `extraOutputs` more pipes are opened as fds 3, 4, ... (for `pipe:3` outputs). Killed after `timeoutMs`, if given.
 * `file` names the input in errors (FFMPEG_MISSING when the executable cannot be started).
 */
export function startFfmpeg(args: string[], opts: { timeoutMs?: number; file?: string; stdin?: boolean; extraOutputs?: number }): FfmpegRun {
  const stdio: StdioOptions = [opts.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'];
  for (let i = 0; i < (opts.extraOutputs ?? 0); i++) stdio.push('pipe');
  const exe = ffmpegPath();
  const finalArgs = opts.stdin ? ['-hide_banner', ...args] : ['-hide_banner', '-nostdin', ...args];
  const child = spawn(exe, finalArgs, { stdio, windowsHide: true });
  const done = new Promise<FfmpegResult>((resolve, reject) => {
    let stderr = '';
    let timedOut = false;
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (s: string) => {
      if (stderr.length < MAX_STDERR) stderr += s.slice(0, MAX_STDERR - stderr.length);
    });
    const timer =
      opts.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            child.kill('SIGKILL');
          }, opts.timeoutMs);
    child.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      const what = opts.file ? `${opts.file}: ` : '';
      reject(new DemixError('FFMPEG_MISSING', `${what}cannot run ffmpeg at "${exe}" (${err.code ?? err.message}); set DEMIX_FFMPEG`, opts.file));
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr, timedOut });
    });
  });
  done.catch(() => undefined); // the caller awaits `done` later; a spawn failure must not count as unhandled meanwhile
  return { child, done };
}

/** A one-line reason from ffmpeg's stderr: its last line that reads like an error. */
function lastErrorLine(stderr: string): string {
  const lines = stderr.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  const err = [...lines].reverse().find((l) => /error|invalid|not found|failed|unsupported|could not/i.test(l));
  const line = (err ?? lines[lines.length - 1] ?? 'no message').replace(/^\[[^\]]*\]\s*/, '');
  return line.replace(/^file:.*?: /, '').slice(0, 200); // the path is already in the message
}

/** Turns a failed ffmpeg decode/probe into a one-line DemixError for `file`. */
export function decodeError(stderr: string, file: string): DemixError {
  const say = (code: string, problem: string): DemixError => new DemixError(code, `${file}: ${problem}`, file);
  if (/Decoder \(codec [^)]*\) not found|Audio: none|unknown codec|codec not currently supported|Unsupported codec/i.test(stderr)) {
    return say('UNSUPPORTED_CODEC', `audio codec not supported (${lastErrorLine(stderr)})`);
  }
  if (/moov atom not found|partial file|end of file|Truncat|Packet corrupt|invalid frame size/i.test(stderr)) {
    return say('TRUNCATED', `file is truncated or corrupt (${lastErrorLine(stderr)})`);
  }
  if (/Permission denied/i.test(stderr)) return say('NOT_READABLE', 'permission denied');
  if (/Invalid data found when processing input|could not find codec parameters|Failed to read frame size/i.test(stderr)) {
    return say('NOT_AUDIO', 'not a recognised audio file (or its header is corrupt)');
  }
  return say('CORRUPT', `file is corrupt, ffmpeg cannot decode it (${lastErrorLine(stderr)})`);
}
