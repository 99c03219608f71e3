"""Per-stem stereo placement and levels, and writing a song's four stems as a MUSDB-style folder."""
import os

import numpy as np

from .audio import write_wav

STEMS = ("vocals", "drums", "bass", "other")  # file names, as train/dataset.py TARGETS
# Per stem: largest pan (-1 left .. 1 right) and stereo width range (0 mono, 1 as rendered).
PLACEMENT = {"drums": (0.2, (0.6, 1.2)), "bass": (0.1, (0.0, 0.5)), "other": (0.6, (0.3, 1.3))}
STEM_RMS_DB = (-26.0, -16.0)  # range of each stem's level, dBFS RMS (MUSDB stems sit around -20)
PEAK_LIMIT = 10 ** (-1 / 20)  # -1 dBFS: every stem and their sum stay below it
SILENCE_RMS = 1e-5  # below this RMS (-100 dBFS) a rendered stem counts as empty


def rms(audio):
    """Root mean square over all channels and samples of float32 [2, samples]."""
    return float(np.sqrt(np.mean(np.square(audio, dtype=np.float64))))


def place(audio, stem, rng):
    """float32 [2, samples] with random stereo width (mid/side) and constant-power pan for `stem`."""
    max_pan, (w_lo, w_hi) = PLACEMENT[stem]
    mid, side = (audio[0] + audio[1]) / 2, (audio[0] - audio[1]) / 2 * rng.uniform(w_lo, w_hi)
    angle = (rng.uniform(-max_pan, max_pan) + 1) * np.pi / 4  # 0 hard left, pi/4 centre, pi/2 hard right
    gains = np.sqrt(2) * np.array([np.cos(angle), np.sin(angle)], dtype=np.float32)
    return (np.stack([mid + side, mid - side]) * gains[:, None]).astype(np.float32)


def level(stems, rng):
    """{stem: float32 [2, samples]} -> the same with each audible stem at a random RMS in STEM_RMS_DB, all scaled
    down together if a stem or the sum would peak above -1 dBFS."""
    out = {k: a * (10 ** (rng.uniform(*STEM_RMS_DB) / 20) / rms(a)) if rms(a) > SILENCE_RMS else a * 0
           for k, a in stems.items()}
    peak = max([np.abs(a).max() for a in out.values()] + [np.abs(sum(out.values())).max()])
    scale = min(1.0, PEAK_LIMIT / peak) if peak > 0 else 1.0
    return {k: (a * scale).astype(np.float32) for k, a in out.items()}


def write_song(folder, stems, samples):
    """Writes {stem: float32 [2, samples]} as folder/<stem>.wav for all four STEMS, missing ones as silence."""
    os.makedirs(folder, exist_ok=True)
    for stem in STEMS:
        write_wav(os.path.join(folder, f"{stem}.wav"), stems.get(stem, np.zeros((2, samples), np.float32)))
