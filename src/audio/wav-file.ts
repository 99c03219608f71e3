// Reading a WAV file from disk (Node) without holding its bytes: the header through small reads, then the sample
// data in blocks converted straight into the planar output, so peak memory is the decoded audio alone.
import { closeSync, fstatSync, openSync, read as readCb, readSync } from 'node:fs';
import { promisify } from 'node:util';
import type { Audio } from './audio.js';
import { decodeWavFrames, readWavLayout, type ByteReader } from './wav.js';

const BLOCK_BYTES = 4 * 1024 * 1024;
const readAsync = promisify(readCb);

/** Decodes the WAV file at `path` (errors as parseWav's; fs errors pass through). Header reads are synchronous. */
export async function readWavFile(path: string): Promise<Audio> {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const read: ByteReader = (offset, length) => {
      const buf = new Uint8Array(Math.max(0, Math.min(length, size - offset)));
      const n = buf.length > 0 ? readSync(fd, buf, 0, buf.length, offset) : 0;
      return buf.subarray(0, n);
    };
    const { format, dataStart, frames } = readWavLayout(read, size, path);
    const channels = Array.from({ length: format.channels }, () => new Float32Array(frames)); // [ch][frame]
    const frameBytes = format.bytesPerSample * format.channels;
    const blockFrames = Math.max(1, Math.floor(BLOCK_BYTES / frameBytes));
    for (let at = 0; at < frames; at += blockFrames) {
      const n = Math.min(blockFrames, frames - at);
      const block = new Uint8Array(n * frameBytes);
      const { bytesRead } = await readAsync(fd, block, 0, block.length, dataStart + at * frameBytes); // blocks keep the event loop free
      decodeWavFrames(block.subarray(0, bytesRead), format, channels, at);
      if (bytesRead < block.length) break; // the file shrank while being read: the rest stays silent
    }
    return { sampleRate: format.sampleRate, channels };
  } finally {
    closeSync(fd);
  }
}
