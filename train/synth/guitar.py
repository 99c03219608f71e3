"""Real recorded guitar: excerpts of the separate guitar tracks (guitar.ogg) of the Frets on Fire songs in Debian."""
import glob
import os

import numpy as np

from . import SAMPLE_RATE
from .audio import audio_length, read_audio
from .debian import MissingPackage

SONGS_DIR = "/usr/share/games/fretsonfire/data/songs"
PACKAGES = ("fretsonfire-songs-muldjord", "fretsonfire-songs-sectoid")
ACTIVE_RMS = 10 ** (-45 / 20)  # a second of guitar quieter than -45 dBFS RMS counts as a pause
MIN_ACTIVE = 0.9  # fraction of an excerpt's seconds that must be playing


def tracks(songs_dir=SONGS_DIR):
    """Paths of the installed guitar tracks, sorted; MissingPackage when no Frets on Fire song package is there."""
    found = sorted(glob.glob(os.path.join(songs_dir, "*", "*", "guitar.ogg")))
    if not found:
        names = " ".join(PACKAGES)
        raise MissingPackage(f"no Frets on Fire guitar tracks in {songs_dir}: install the Debian packages {names} "
                             f"(apt-get install -y {names})")
    return found


def _active(audio):
    """Whether at least MIN_ACTIVE of the whole seconds of float32 [2, samples] are louder than ACTIVE_RMS."""
    seconds = audio.shape[1] // SAMPLE_RATE
    frames = audio[:, : seconds * SAMPLE_RATE].reshape(2, seconds, SAMPLE_RATE)
    return np.mean(np.sqrt(np.mean(frames ** 2, axis=(0, 2))) > ACTIVE_RMS) >= MIN_ACTIVE


def excerpts(count, seconds, rng, songs_dir=SONGS_DIR):
    """`count` distinct non-overlapping `seconds`-long windows of the guitar tracks, drawn at random among those
    where the guitar plays -> [(track path, start sample, float32 [2, samples])]; fewer if there are not enough."""
    samples = int(seconds * SAMPLE_RATE)
    windows = []
    for path in tracks(songs_dir):
        frames, rate = audio_length(path)
        if rate != SAMPLE_RATE:
            raise ValueError(f"{path}: {rate} Hz, expected {SAMPLE_RATE}")
        windows += [(path, start) for start in range(0, frames - samples + 1, samples)]
    out = []
    for i in rng.permutation(len(windows)):
        path, start = windows[i]
        audio = read_audio(path, start, samples)
        if _active(audio):
            out.append((path, start, audio))
        if len(out) == count:
            break
    return out
