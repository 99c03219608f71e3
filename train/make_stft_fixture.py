"""Writes test/fixtures/torch-stft.json: torch.stft magnitudes and a torch.istft output for short seeded signals,
so test/dsp/stft.test.ts can check that demix's TypeScript STFT matches PyTorch's without needing Python.

Run from the repository root with a Python that has PyTorch: /usr/bin/python3 train/make_stft_fixture.py
Arrays are float32, little-endian, base64; spectrogram arrays are [channel][frame][bin] flattened (frame-major).
"""
import os

import numpy as np
import torch

from fixture_io import b64, write_fixture


def case(n_fft: int, hop: int, channels: int, length: int, seed: int) -> dict:
    rng = np.random.default_rng(seed)
    t = np.arange(length) / 44100.0
    x = 0.2 * rng.standard_normal((channels, length)) + 0.5 * np.sin(2 * np.pi * 440.0 * t)[None, :]
    x = x.astype(np.float32)
    window = torch.hann_window(n_fft, dtype=torch.float64)
    spec = torch.stft(torch.from_numpy(x).double(), n_fft=n_fft, hop_length=hop, window=window, center=True,
                      pad_mode='reflect', normalized=False, onesided=True, return_complex=True)  # (ch, bins, frames)
    mag = spec.abs()
    # iSTFT of the magnitude alone (zero phase): not a consistent spectrogram, so the result depends on the
    # window-sum normalisation and the trimming convention, which is what the test checks.
    y = torch.istft(mag.to(torch.complex128), n_fft=n_fft, hop_length=hop, window=window, center=True, length=length)
    return {
        'nFft': n_fft, 'hop': hop, 'channels': channels, 'length': length,
        'nFrames': int(spec.shape[2]), 'nBins': int(spec.shape[1]),
        'signal': b64(x),
        'magnitude': b64(mag.permute(0, 2, 1).numpy()),
        'istftOfMagnitude': b64(y.numpy()),
    }


def main() -> None:
    out = {
        'torch': torch.__version__,
        'cases': [case(512, 128, 2, 2000, 1), case(4096, 1024, 1, 5000, 2)],
    }
    path = write_fixture('torch-stft.json', out)
    print(f'wrote {path} ({os.path.getsize(path)} bytes, torch {torch.__version__})')


if __name__ == '__main__':
    main()
