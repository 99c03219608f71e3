// Mashup in the page (runs in the worker): a stem of a second song matched to the first song's tempo,
// key and first downbeat by the shared matcher (src/dj/mashup-match.ts), as `demix mashup` does.
import type { Audio } from '../../src/audio/audio.js';
import { analyseSong, matchSource, planMatch, type SongAnalysis, type SongView } from '../../src/dj/mashup-match.js';
import { MIN_TEMPO_SECONDS } from '../../src/dsp/tempo.js';

function describe(x: SongAnalysis): string {
  const tempo = x.tempo ? `${x.tempo.bpm.toFixed(1)} BPM` : 'tempo unknown';
  return `${tempo}, key ${x.key?.name ?? 'unknown'}`;
}

/**
 * `stem` of `source` stretched to the tempo of `target`, shifted to its key, with its first downbeat on
 * the target's, laid into the target's length (stereo, the target's rate). `notes` say what was done.
 */
export async function matchStem(stem: Audio, source: SongView, target: SongView): Promise<{ audio: Audio; notes: string[] }> {
  const [a, b] = [await analyseSong(source), await analyseSong(target)];
  const notes = [`second song: ${describe(a)}`, `this song: ${describe(b)}`];
  const match = planMatch(a, b);
  if (match.tempoMatched) notes.push(`stretched ×${match.sourceRatio.toFixed(3)}, first downbeats aligned`);
  else notes.push(`no tempo for a song under ${MIN_TEMPO_SECONDS} s or without a clear beat: not stretched, starts aligned`);
  if (match.semitones !== 0) notes.push(`shifted ${match.semitones > 0 ? '+' : ''}${match.semitones} semitones`);
  return { audio: await matchSource(stem, match, target.all), notes };
}
