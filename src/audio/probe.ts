// A cheap probe of a media file (Node): `ffmpeg -i` alone prints the container's duration and every stream;
// this parses the audio streams' codec, sample rate and channel count so the decoder knows the PCM layout.
import { DemixError } from '../errors.js';
import { startFfmpeg, decodeError } from './ffmpeg.js';

export interface AudioStreamInfo {
  codec: string; // ffmpeg codec name, e.g. 'aac', 'mp3', 'flac'
  sampleRate: number; // Hz
  channels: number;
}

export interface ProbeInfo {
  duration?: number; // seconds, as the container states it (may be absent or wrong in corrupt files)
  durationEstimated: boolean; // ffmpeg guessed the duration from the bit rate (MP3 without a Xing header)
  streams: AudioStreamInfo[]; // the audio streams, in file order (0:a:0, 0:a:1, ...)
}

/** Channel counts of ffmpeg's named layouts that are not of the "x.y" form. */
const NAMED_LAYOUTS: Record<string, number> = {
  mono: 1,
  stereo: 2,
  downmix: 2,
  quad: 4,
  hexagonal: 6,
  octagonal: 8,
  hexadecagonal: 16,
};

/** Channel count from an ffmpeg layout description ("stereo", "5.1(side)", "6 channels", ...); 0 if unknown. */
export function layoutChannels(layout: string): number {
  const s = layout.trim();
  const n = /^(\d+) channels/.exec(s);
  if (n) return Number(n[1]);
  const xy = /^(\d+)\.(\d+)/.exec(s);
  if (xy) return Number(xy[1]) + Number(xy[2]);
  return NAMED_LAYOUTS[s.replace(/\(.*$/, '')] ?? 0;
}

/** Parses the stderr of `ffmpeg -i <file>`. */
export function parseProbe(stderr: string): ProbeInfo {
  const info: ProbeInfo = { durationEstimated: /Estimating duration from bitrate/.test(stderr), streams: [] };
  const d = /Duration: (\d+):(\d+):(\d+(?:\.\d+)?)/.exec(stderr);
  if (d) info.duration = Number(d[1]) * 3600 + Number(d[2]) * 60 + Number(d[3]);
  for (const line of stderr.split('\n')) {
    const m = /^\s*Stream #\d+:\d+.*?: Audio: (.*)$/.exec(line);
    if (!m) continue;
    const codec = m[1].split(/[ ,]/)[0];
    const rate = /, (\d+) Hz, ([^,]+)/.exec(m[1]);
    info.streams.push({ codec, sampleRate: rate ? Number(rate[1]) : 0, channels: rate ? layoutChannels(rate[2]) : 0 });
  }
  return info;
}

/** Probes `path` (an absolute path; `file` names it in errors). Errors: TIMEOUT, or decodeError's codes. */
export async function probeFile(path: string, file: string, timeoutMs: number): Promise<ProbeInfo> {
  const run = startFfmpeg(['-protocol_whitelist', 'file', '-i', `file:${path}`], { timeoutMs, file });
  run.child.stdout!.resume();
  const res = await run.done;
  // Without an output ffmpeg always exits 1; a file it could open still lists its input.
  if (res.timedOut) throw new DemixError('TIMEOUT', `${file}: reading the file's header took longer than ${timeoutMs / 1000} s`, file);
  if (!/Input #0/.test(res.stderr)) throw decodeError(res.stderr, file);
  return parseProbe(res.stderr);
}
