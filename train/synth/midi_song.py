"""One synthetic song from MIDI: an mma groove over a random chord sheet, bass and other through a GM soundfont,
drums from a Hydrogen kit's samples (or the soundfont's drum kit when hydrogen-drumkits is not installed)."""
import math

import numpy as np

from . import SAMPLE_RATE, chords, drumkit, fluid, midi
from .mixing import SILENCE_RMS, rms

BPM_RANGE = (70, 170)
KICK_OR_SNARE = (35, 36, 38, 40)
ATTEMPTS = 30  # grooves tried before giving up on finding one with drums, bass and other


def _playable(parts, seconds):
    """Whether the split MIDI has a real drum part (kick or snare), a bass line and an accompaniment."""
    hits = midi.drum_hits(parts["drums"])
    return (len(hits) >= seconds and any(n in KICK_OR_SNARE for _, n, _ in hits)
            and midi.note_count(parts["bass"]) >= seconds / 4 and midi.note_count(parts["other"]) >= seconds / 2)


def compose(rng, seconds, workdir):
    """A random groove, tempo and chord sheet through mma -> ({part: mido.MidiFile}, description)."""
    names = chords.grooves()
    for _ in range(ATTEMPTS):
        groove, bpm = names[rng.integers(len(names))], int(rng.integers(BPM_RANGE[0], BPM_RANGE[1] + 1))
        bars = math.ceil(seconds * bpm / 60 / 2) + 1  # enough bars for grooves of two beats or more
        song = midi.run_mma(chords.chord_sheet(rng, groove, bpm, bars), workdir)
        parts, programs = midi.split_parts(song, seconds, bpm, rng)
        if _playable(parts, seconds):
            return parts, {"groove": groove, "bpm": bpm, "programs": programs}
    raise RuntimeError(f"no mma groove with drums, bass and other in {ATTEMPTS} attempts")


def render(rng, seconds, workdir):
    """-> ({"drums", "bass", "other": float32 [2, samples]}, description of what was chosen)."""
    samples = int(seconds * SAMPLE_RATE)
    parts, info = compose(rng, seconds, workdir)
    stems = {}
    for part in ("bass", "other"):
        font = fluid.soundfont(rng)
        stems[part] = fluid.render(parts[part], font, samples, workdir, part, rng)
        info[f"{part}_soundfont"] = font
    kits = drumkit.drum_kits()
    if kits:
        info["drumkit"] = kits[rng.integers(len(kits))]
        stems["drums"] = drumkit.Player(info["drumkit"], rng).play(midi.drum_hits(parts["drums"]), samples)
    if not kits or rms(stems["drums"]) <= SILENCE_RMS:
        info["drumkit"] = "soundfont"
        stems["drums"] = fluid.render(parts["drums"], fluid.soundfont(rng), samples, workdir, "drums", rng)
    return stems, info
