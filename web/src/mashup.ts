// Mashup in the page (runs in the worker): a stem of a second song matched to the first song's tempo,
// key and first downbeat with the shared DSP (src/dsp tempo, key, Rubber Band stretch), as `demix mashup` does.
import type { Audio } from '../../src/audio/audio.js';
import { toStereo } from '../../src/audio/channels.js';
import { estimateKey, keyShift, type KeyEstimate } from '../../src/dsp/key.js';
import { stretch } from '../../src/dsp/stretch.js';
import { estimateTempo, MIN_TEMPO_SECONDS, type TempoEstimate } from '../../src/dsp/tempo.js';

/** A song as the matcher sees it: the whole mix (tempo) and its pitched part, i.e. without drums (key). */
export interface SongView {
  all: Audio;
  harmonic: Audio;
}

interface Analysis {
  tempo?: TempoEstimate;
  key?: KeyEstimate;
}

async function analyse(song: SongView): Promise<Analysis> {
  return { tempo: await estimateTempo(song.all), key: await estimateKey(song.harmonic) };
}

/** Time ratio taking music at `from` BPM to `to` BPM, counting `from` at half or double time when that stretches less. */
export function stretchRatio(from: number, to: number): number {
  const octaves = Math.round(Math.log2(to / from)); // whole octaves of tempo cost nothing: count the beat differently
  const factor = 2 ** Math.max(-1, Math.min(1, octaves));
  return (from * factor) / to;
}

/** `audio` (planar) delayed by `shift` samples (negative: head cut), cut or zero-padded to `length` samples. */
function placed(audio: Audio, shift: number, length: number): Audio {
  const channels = audio.channels.map((src) => {
    const out = new Float32Array(length);
    const from = Math.max(0, -shift); // first source sample used
    const to = Math.min(src.length, length - shift); // end of the source samples that fit
    if (to > from) out.set(src.subarray(from, to), from + shift);
    return out;
  });
  return { sampleRate: audio.sampleRate, channels };
}

function describe(x: Analysis): string {
  const tempo = x.tempo ? `${x.tempo.bpm.toFixed(1)} BPM` : 'tempo unknown';
  return `${tempo}, key ${x.key?.name ?? 'unknown'}`;
}

/**
 * `stem` of `source` stretched to the tempo of `target`, shifted to its key, with its first downbeat on
 * the target's, laid into the target's length (stereo, the target's rate). `notes` say what was done.
 */
export async function matchStem(stem: Audio, source: SongView, target: SongView): Promise<{ audio: Audio; notes: string[] }> {
  const [a, b] = [await analyse(source), await analyse(target)];
  const notes = [`second song: ${describe(a)}`, `this song: ${describe(b)}`];
  let timeRatio = 1;
  let shiftSeconds = 0;
  if (a.tempo && b.tempo) {
    timeRatio = stretchRatio(a.tempo.bpm, b.tempo.bpm);
    shiftSeconds = b.tempo.firstDownbeat - a.tempo.firstDownbeat * timeRatio;
    notes.push(`stretched ×${timeRatio.toFixed(3)}, first downbeats aligned`);
  } else notes.push(`no tempo for a song under ${MIN_TEMPO_SECONDS} s or without a clear beat: not stretched, starts aligned`);
  const semitones = a.key && b.key ? keyShift(a.key, b.key) : 0;
  if (semitones !== 0) notes.push(`shifted ${semitones > 0 ? '+' : ''}${semitones} semitones`);
  const moved = toStereo(await stretch(stem, { timeRatio, semitones }));
  const length = target.all.channels[0].length;
  return { audio: placed(moved, Math.round(shiftSeconds * target.all.sampleRate), length), notes };
}
