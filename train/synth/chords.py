"""Random chord sheets for mma: a key, a diatonic progression and a groove from mma's standard library."""
import glob
import os
import re

MMA_STDLIB = "/usr/share/mma/lib/stdlib"
NOTE_NAMES = ["C", "Db", "D", "Eb", "E", "F", "Gb", "G", "Ab", "A", "Bb", "B"]
# Scale degrees (semitones above the tonic) and their triad / seventh-chord suffixes in mma's chord names.
MAJOR = [(0, "", "maj7"), (2, "m", "m7"), (4, "m", "m7"), (5, "", "maj7"), (7, "", "7"), (9, "m", "m7"), (11, "dim", "m7b5")]
MINOR = [(0, "m", "m7"), (2, "dim", "m7b5"), (3, "", "maj7"), (5, "m", "m7"), (7, "m", "7"), (8, "", "maj7"), (10, "", "7")]
# Common progressions as 0-based scale degrees; a random walk over the scale adds the rest.
PROGRESSIONS = [[0, 4, 5, 3], [0, 5, 3, 4], [0, 3, 4, 3], [1, 4, 0, 0], [0, 3, 0, 4], [5, 3, 0, 4], [0, 6, 5, 4],
                [0, 0, 3, 3, 0, 0, 4, 3]]
SKIPPED_GROOVES = re.compile(r"intro|end|fill|break|metronome", re.IGNORECASE)


def grooves(stdlib=MMA_STDLIB):
    """Names of the playing grooves (no intros, endings, fills, breaks or metronomes) in mma's standard library."""
    names = set()
    for path in glob.glob(os.path.join(stdlib, "*.mma")):
        with open(path, encoding="latin-1") as f:
            names.update(m.group(1) for m in re.finditer(r"^\s*DefGroove\s+(\S+)", f.read(), re.MULTILINE | re.IGNORECASE))
    return sorted(n for n in names if not SKIPPED_GROOVES.search(n))


def progression(rng, bars):
    """`bars` scale degrees: a common progression repeated, or a random walk over the scale starting on the tonic."""
    if rng.random() < 0.6:
        pattern = PROGRESSIONS[rng.integers(len(PROGRESSIONS))]
        return [pattern[i % len(pattern)] for i in range(bars)]
    degrees = [0]
    while len(degrees) < bars:
        degrees.append(int((degrees[-1] + rng.choice([1, 2, 3, 4, 5, -1, -2])) % 7))
    return degrees


def chord_sheet(rng, groove, bpm, bars):
    """An mma song: its random seed, tempo, groove and `bars` numbered bars of one chord each, in a random key."""
    tonic = int(rng.integers(12))
    scale = MAJOR if rng.random() < 0.6 else MINOR
    sevenths = rng.random() < 0.4
    lines = [f"RndSeed {rng.integers(2 ** 31)}", f"Tempo {bpm}", f"Groove {groove}"]  # mma humanises at random
    for bar, degree in enumerate(progression(rng, bars), start=1):
        step, triad, seventh = scale[degree]
        lines.append(f"{bar} {NOTE_NAMES[(tonic + step) % 12]}{seventh if sevenths else triad}")
    return "\n".join(lines) + "\n"
