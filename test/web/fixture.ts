// A synthetic song with four known parts (bass line, drum kit, sung-like melody, chord pad), for the browser tests and bench.
import type { Audio } from '../../src/audio/audio.js';

const RATE = 44100;
const BEAT = 0.5; // seconds (120 bpm)

/** Deterministic uniform noise in [-1, 1). */
function noise(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 31 - 1;
  };
}

/** The four parts of a `seconds`-long 44.1 kHz stereo song: { vocals, drums, bass, other }, planar floats. */
export function syntheticStems(seconds: number): Record<'vocals' | 'drums' | 'bass' | 'other', Audio> {
  const n = Math.round(seconds * RATE);
  const part = () => [new Float32Array(n), new Float32Array(n)];
  const vocals = part();
  const drums = part();
  const bass = part();
  const other = part();
  const rand = noise(7);
  const bassNotes = [55, 73.42, 82.41, 65.41];
  const melody = [220, 246.94, 277.18, 329.63, 293.66, 246.94];
  const chord = [261.63, 329.63, 392];
  let phaseV = 0;
  for (let i = 0; i < n; i++) {
    const t = i / RATE;
    const beat = Math.floor(t / BEAT);
    const inBeat = t - beat * BEAT;
    // Bass: one note per beat, plucked envelope, centre.
    const b = 0.3 * Math.sin(2 * Math.PI * bassNotes[Math.floor(beat / 2) % 4] * t) * Math.exp(-3 * inBeat);
    bass[0][i] = b;
    bass[1][i] = b;
    // Drums: kick on every beat, snare on the off-beats, hi-hat on eighths.
    const kick = 0.5 * Math.sin(2 * Math.PI * (45 + 80 * Math.exp(-25 * inBeat)) * inBeat) * Math.exp(-12 * inBeat);
    const snare = beat % 2 === 1 ? 0.25 * rand() * Math.exp(-20 * inBeat) : 0;
    const inEighth = t % (BEAT / 2);
    const hat = 0.06 * rand() * Math.exp(-60 * inEighth);
    drums[0][i] = kick + snare + hat * 1.2;
    drums[1][i] = kick + snare + hat * 0.8;
    // Vocals: a harmonic-rich melody with vibrato, centre, phrased (silent every fourth beat).
    const f0 = melody[beat % melody.length] * (1 + 0.01 * Math.sin(2 * Math.PI * 5.5 * t));
    phaseV += (2 * Math.PI * f0) / RATE;
    let v = 0;
    for (let h = 1; h <= 6; h++) v += Math.sin(h * phaseV) / h;
    const sung = beat % 4 === 3 ? 0 : Math.min(1, inBeat * 20) * 0.12;
    vocals[0][i] = sung * v;
    vocals[1][i] = sung * v;
    // Other: a sustained chord, spread across the stereo field.
    let left = 0;
    let right = 0;
    chord.forEach((f, k) => {
      const s = Math.sin(2 * Math.PI * f * t) + 0.3 * Math.sin(4 * Math.PI * f * t);
      left += s * (k === 0 ? 0.8 : 0.3);
      right += s * (k === 2 ? 0.8 : 0.3);
    });
    other[0][i] = 0.05 * left;
    other[1][i] = 0.05 * right;
  }
  const audio = (channels: Float32Array[]): Audio => ({ sampleRate: RATE, channels });
  return { vocals: audio(vocals), drums: audio(drums), bass: audio(bass), other: audio(other) };
}

/** The sum of `syntheticStems(seconds)`. */
export function syntheticSong(seconds: number): Audio {
  const stems = Object.values(syntheticStems(seconds));
  const channels = stems[0].channels.map((ch, c) => {
    const sum = new Float32Array(ch.length);
    for (const s of stems) s.channels[c].forEach((v, i) => (sum[i] += v));
    return sum;
  });
  return { sampleRate: RATE, channels };
}
