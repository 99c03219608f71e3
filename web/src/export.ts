// Exports of the result: one stem as wav, all stems as a zip, the current mix as wav.
import { zipSync, type Zippable } from 'fflate';
import type { Audio } from '../../src/audio/audio.js';
import { encodeWav } from '../../src/audio/wav.js';
import type { Mixer } from './mixer.js';

export type BitDepth = 16 | 24 | 32;

/** The planar samples of an AudioBuffer as `Audio` (no copy in browsers that expose their storage). */
export function bufferToAudio(buffer: AudioBuffer): Audio {
  const channels = Array.from({ length: buffer.numberOfChannels }, (_, c) => buffer.getChannelData(c));
  return { sampleRate: buffer.sampleRate, channels };
}

export function stemWav(buffer: AudioBuffer, bitDepth: BitDepth): Uint8Array {
  return encodeWav(bufferToAudio(buffer), bitDepth);
}

/** A zip holding `<song>/<stem>.wav` for each stem, stored uncompressed (wav barely deflates). */
export function stemsZip(song: string, stems: readonly { name: string; buffer: AudioBuffer }[], bitDepth: BitDepth): Uint8Array {
  const files: Zippable = {};
  for (const stem of stems) files[`${song}/${stem.name}.wav`] = [stemWav(stem.buffer, bitDepth), { level: 0 }];
  return zipSync(files);
}

/** What the mixer plays now (volumes, mute, solo) over the whole song, as wav. */
export async function mixWav(mixer: Mixer, bitDepth: BitDepth): Promise<Uint8Array> {
  return stemWav(await mixer.renderMix(), bitDepth);
}

/** Hands `bytes` to the browser as a download named `filename`. */
export function download(bytes: Uint8Array, filename: string, type: string): void {
  const url = URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  a.style.display = 'none';
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** A file name stem without extension or characters that file systems refuse. */
export function songName(fileName: string): string {
  const base = fileName.replace(/\.[^.]*$/, '').replace(/[\\/:*?"<>|\x00-\x1f]+/g, '_').trim();
  return base || 'song';
}
