"""Writes test/fixtures/wiener-em.json: a small stereo mixture, magnitude estimates for 3 sources, and the sources
that the multichannel Wiener EM of norbert (soft-mask start, local Gaussian model, analytic 2x2 inverse, mixture
scaled by max(1, max|x|/10), eps = float32 epsilon) gives after 0, 1 and 2 iterations, computed here in float64
with numpy in norbert's array formulation, so test/dsp/wiener.test.ts checks the TypeScript filter against it.
One addition to norbert, as in demix: after each iteration the residual x - sum_j y_j (left by the regularisation)
is shared out in proportion to v_j, so the estimates sum to the mixture.

Run from the repository root: /usr/bin/python3 train/make_wiener_fixture.py
Arrays are float32 little-endian base64; spectrograms [channel][frame][bin], sources [source][channel][frame][bin].
"""
import os

import numpy as np

from fixture_io import b64, write_fixture

EPS = float(np.finfo(np.float32).eps)


def em(v: np.ndarray, x: np.ndarray, iterations: int) -> np.ndarray:
    """v: (frames, bins, channels, sources) magnitudes; x: (frames, bins, channels) complex -> y (..., sources)."""
    y = v / (EPS + v.sum(-1, keepdims=True)) * x[..., None]
    if iterations == 0:
        return y
    scale = max(1.0, np.abs(x).max() / 10)
    x = x / scale
    y = y / scale
    nch = x.shape[-1]
    for _ in range(iterations):
        vj = (np.abs(y) ** 2).mean(axis=2)  # (frames, bins, sources)
        outer = np.einsum('tfcs,tfds->tfcds', y, y.conj())
        R = outer.sum(0) / (EPS + vj.sum(0))[:, None, None, :]  # (bins, c, d, sources)
        Cxx = np.einsum('tfs,fcds->tfcd', vj, R) + np.sqrt(EPS) * np.eye(nch)
        det = Cxx[..., 0, 0] * Cxx[..., 1, 1] - Cxx[..., 0, 1] * Cxx[..., 1, 0]
        inv = np.empty_like(Cxx)
        inv[..., 0, 0] = Cxx[..., 1, 1] / det
        inv[..., 1, 1] = Cxx[..., 0, 0] / det
        inv[..., 0, 1] = -Cxx[..., 0, 1] / det
        inv[..., 1, 0] = -Cxx[..., 1, 0] / det
        gain = np.einsum('fcds,tfde->tfces', R, inv) * vj[:, :, None, None, :]
        y = np.einsum('tfces,tfe->tfcs', gain, x)
        # demix's mixture consistency: what the regularised filter leaves of x is shared out in proportion to v_j.
        total = vj.sum(-1, keepdims=True)
        share = np.where(total > 0, vj / np.where(total > 0, total, 1), 1 / vj.shape[-1])
        y = y + share[:, :, None, :] * (x - y.sum(-1))[..., None]
    return y * scale


def main() -> None:
    rng = np.random.default_rng(5)
    frames, bins, nch, nsrc = 12, 17, 2, 3
    # Sources with distinct stereo images (gains and a phase offset per channel) and random spectra.
    images = []
    for s in range(nsrc):
        spec = (rng.standard_normal((frames, bins)) + 1j * rng.standard_normal((frames, bins))) * (1 + 20 * rng.random((frames, bins)) ** 4)
        gains = np.array([np.cos(0.3 + 0.5 * s), np.sin(0.3 + 0.5 * s) * np.exp(0.4j * s)])
        images.append(spec[..., None] * gains)
    images = np.stack(images, -1)  # (frames, bins, ch, src)
    x = (images.sum(-1) * 30).astype(np.complex64).astype(np.complex128)
    v = (np.abs(images) * 30 * np.exp(0.5 * rng.standard_normal(images.shape))).astype(np.float32).astype(np.float64)
    out = {
        'nFrames': frames, 'nBins': bins, 'channels': nch, 'sources': nsrc,
        'mixRe': b64(x.real.transpose(2, 0, 1)), 'mixIm': b64(x.imag.transpose(2, 0, 1)),
        'estimates': b64(v.transpose(3, 2, 0, 1)),
        'results': [],
    }
    for it in (0, 1, 2):
        y = em(v, x, it)
        out['results'].append({'iterations': it, 're': b64(y.real.transpose(3, 2, 0, 1)), 'im': b64(y.imag.transpose(3, 2, 0, 1))})
    path = write_fixture('wiener-em.json', out)
    print(f'wrote {path} ({os.path.getsize(path)} bytes)')


if __name__ == '__main__':
    main()
