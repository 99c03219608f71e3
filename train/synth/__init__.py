"""Synthetic multitracks for training, rendered only from Debian packages (see train/synth.py for the command).

Audio crosses every function of this package as float32 [2, samples] at 44.1 kHz (planar stereo, as train/dataset.py).
"""
SAMPLE_RATE = 44100
