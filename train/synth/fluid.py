"""Renders MIDI with fluidsynth and a General MIDI soundfont from Debian."""
import os
import subprocess

import numpy as np

from . import SAMPLE_RATE
from .audio import read_audio
from .debian import need_command, need_file

SOUNDFONTS = {  # Debian package -> General MIDI bank it ships
    "fluid-soundfont-gm": "/usr/share/sounds/sf2/FluidR3_GM.sf2",
    "musescore-general-soundfont": "/usr/share/sounds/sf3/MuseScore_General_Full.sf3",
}
REQUIRED_SOUNDFONT = "fluid-soundfont-gm"
OPTIONAL_SOUNDFONT_P = 0.15  # how often a part uses MuseScore's bank: its compressed samples cost ~2 s CPU to load


def fluidsynth():
    """Path of the fluidsynth program (Debian fluidsynth)."""
    return need_command("fluidsynth", "fluidsynth")


def required_soundfont():
    """Path of FluidR3, the GM soundfont of Debian fluid-soundfont-gm."""
    return need_file(SOUNDFONTS[REQUIRED_SOUNDFONT], REQUIRED_SOUNDFONT)


def soundfont(rng):
    """A GM soundfont path: FluidR3 or, with probability OPTIONAL_SOUNDFONT_P, MuseScore's when installed."""
    optional = [p for k, p in SOUNDFONTS.items() if k != REQUIRED_SOUNDFONT and os.path.exists(p)]
    if optional and rng.random() < OPTIONAL_SOUNDFONT_P:
        return optional[rng.integers(len(optional))]
    return required_soundfont()


def render(midi, font, samples, workdir, name, rng):
    """A mido.MidiFile rendered by fluidsynth with soundfont `font` and random reverb and chorus -> float32
    [2, samples], cut or zero-padded (`name`: file names in `workdir`)."""
    mid, wav = os.path.join(workdir, f"{name}.mid"), os.path.join(workdir, f"{name}.wav")
    midi.save(mid)
    settings = {"synth.reverb.room-size": rng.uniform(0.1, 0.7), "synth.reverb.level": rng.uniform(0.2, 0.8),
                "synth.chorus.active": int(rng.random() < 0.5), "synth.dynamic-sample-loading": 1}
    cmd = [fluidsynth(), "-ni", "-q", "-F", wav, "-r", str(SAMPLE_RATE), "-O", "float", "-g", "0.5"]
    for key, value in settings.items():
        cmd += ["-o", f"{key}={value:.3f}" if isinstance(value, float) else f"{key}={value}"]
    subprocess.run(cmd + [font, mid], check=True, capture_output=True)
    audio = read_audio(wav)[:, :samples]
    return np.pad(audio, ((0, 0), (0, samples - audio.shape[1])))
