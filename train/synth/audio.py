"""Reading and writing audio files with libsndfile (python3-soundfile): wav, flac, aiff, ogg."""
from math import gcd

import numpy as np
from scipy.signal import resample_poly

from . import SAMPLE_RATE
from .debian import need_module


def soundfile():
    """libsndfile's Python binding (Debian python3-soundfile)."""
    return need_module("soundfile", "python3-soundfile")


def read_audio(path, start=0, frames=-1):
    """`frames` samples (all with -1) of `path` from sample `start` -> float32 [2, samples] at 44.1 kHz.

    Mono is copied to both channels; other rates are resampled (start/frames count the file's own samples)."""
    data, rate = soundfile().read(path, start=start, frames=frames, dtype="float32", always_2d=True)
    data = data.T[:2] if data.shape[1] >= 2 else np.repeat(data.T, 2, axis=0)
    if rate != SAMPLE_RATE:
        g = gcd(rate, SAMPLE_RATE)
        data = resample_poly(data, SAMPLE_RATE // g, rate // g, axis=1).astype(np.float32)
    return np.ascontiguousarray(data)


def audio_length(path):
    """Length of an audio file in its own samples, and its sample rate."""
    info = soundfile().info(path)
    return info.frames, info.samplerate


def write_wav(path, audio):
    """float32 [2, samples] in [-1, 1) -> 16-bit PCM stereo wav at 44.1 kHz."""
    soundfile().write(path, audio.T, SAMPLE_RATE, subtype="PCM_16")
