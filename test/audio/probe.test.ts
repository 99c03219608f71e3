import { test } from 'node:test';
import assert from 'node:assert/strict';
import { layoutChannels, parseProbe } from '../../src/audio/probe.js';

test('layoutChannels knows ffmpeg layout names, x.y layouts and "N channels"', () => {
  const cases: [string, number][] = [
    ['mono', 1], ['stereo', 2], ['2.1', 3], ['quad', 4], ['quad(side)', 4], ['5.0(side)', 5], ['5.1', 6], ['5.1(side)', 6],
    ['hexagonal', 6], ['6.1(back)', 7], ['7.1', 8], ['7.1(wide-side)', 8], ['octagonal', 8], ['hexadecagonal', 16],
    ['22.2', 24], ['3 channels', 3], ['12 channels (FL+FR+...)', 12], ['unknown', 0],
  ];
  for (const [layout, n] of cases) assert.equal(layoutChannels(layout), n, layout);
});

test('parseProbe reads the duration and every audio stream, skipping video', () => {
  const stderr = [
    "Input #0, mov,mp4,m4a,3gp,3g2,mj2, from 'file:/x/a.stem.mp4':",
    '  Duration: 00:01:06.80, start: 0.000000, bitrate: 1319 kb/s',
    '    Stream #0:0(und): Audio: aac (LC) (mp4a / 0x6134706D), 44100 Hz, stereo, fltp, 256 kb/s (default)',
    '    Stream #0:1(eng): Audio: flac, 48000 Hz, 5.1(side), s32 (24 bit)',
    '    Stream #0:2: Video: png, rgba(pc), 512x512 [SAR 1:1 DAR 1:1], 90k tbr, 90k tbn, 90k tbc',
    '    Stream #0:3[0x101]: Audio: pcm_s16le ([1][0][0][0] / 0x0001), 8000 Hz, 1 channels, s16, 128 kb/s',
    '    Stream #0:4: Audio: none (4[18][0][0] / 0x1234), 44100 Hz, mono, 352 kb/s',
    'At least one output file must be specified',
  ].join('\n');
  assert.deepEqual(parseProbe(stderr), {
    duration: 66.8,
    durationEstimated: false,
    streams: [
      { codec: 'aac', sampleRate: 44100, channels: 2 },
      { codec: 'flac', sampleRate: 48000, channels: 6 },
      { codec: 'pcm_s16le', sampleRate: 8000, channels: 1 },
      { codec: 'none', sampleRate: 44100, channels: 1 },
    ],
  });
  assert.deepEqual(parseProbe('Duration: N/A'), { durationEstimated: false, streams: [] });
  assert.equal(parseProbe('[mp3 @ 0x1] Estimating duration from bitrate, this may be inaccurate\n  Duration: 00:00:07.44').durationEstimated, true);
});
