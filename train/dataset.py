"""Training data for demix: decoding, a float32 cache, and the augmenting sampler.

Sources: `.stem.mp4` files (NI Stems: stream 0 mixture, 1 drums, 2 bass, 3 other, 4 vocals) decoded once
with ffmpeg into train/cache/<name>.npy, or MUSDB-style folders holding vocals.wav, drums.wav, bass.wav,
other.wav (and optionally mixture.wav). Every clip is held as float32 [5, 2, samples] at 44.1 kHz stereo in
the order mixture, vocals, drums, bass, other (TARGETS order after the mixture).
"""
import hashlib
import math
import os
import shutil
import subprocess

import numpy as np
import torch

TARGETS = ["vocals", "drums", "bass", "other"]
SAMPLE_RATE = 44100
STEM_STREAMS = {"mixture": 0, "drums": 1, "bass": 2, "other": 3, "vocals": 4}  # NI Stems stream order
HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_CACHE = os.environ.get("DEMIX_TRAIN_CACHE") or os.path.join(HERE, "cache")


def ffmpeg_path():
    """The static ffmpeg from the npm package, $DEMIX_FFMPEG, or ffmpeg on PATH."""
    env = os.environ.get("DEMIX_FFMPEG")
    if env:
        return env
    npm = os.path.join(HERE, "..", "node_modules", "@ffmpeg-installer", "linux-x64", "ffmpeg")
    if os.path.exists(npm):
        return npm
    found = shutil.which("ffmpeg")
    if not found:
        raise RuntimeError("no ffmpeg: set DEMIX_FFMPEG or run npm install")
    return found


def decode_stream(path, stream):
    """Decodes audio stream `stream` of `path` -> float32 [2, samples] at 44.1 kHz."""
    cmd = [ffmpeg_path(), "-v", "error", "-nostdin", "-i", path, "-map", f"0:a:{stream}",
           "-f", "f32le", "-acodec", "pcm_f32le", "-ac", "2", "-ar", str(SAMPLE_RATE), "-"]
    out = subprocess.run(cmd, check=True, capture_output=True).stdout
    return np.frombuffer(out, dtype=np.float32).reshape(-1, 2).T.copy()


def _stack(parts):
    n = min(p.shape[1] for p in parts)
    return np.stack([p[:, :n] for p in parts]).astype(np.float32)


def decode_clip(source):
    """A .stem.mp4 file or a folder of wav stems -> float32 [5, 2, samples] (mixture, vocals, drums, bass, other)."""
    if os.path.isdir(source):
        stems = [decode_stream(os.path.join(source, f"{t}.wav"), 0) for t in TARGETS]
        n = min(s.shape[1] for s in stems)
        mix_path = os.path.join(source, "mixture.wav")
        mix = decode_stream(mix_path, 0) if os.path.exists(mix_path) else sum(s[:, :n] for s in stems)
        return _stack([mix] + stems)
    return _stack([decode_stream(source, STEM_STREAMS[k]) for k in ["mixture"] + TARGETS])


def clip_name(source):
    base = os.path.basename(os.path.normpath(source))
    return base[: -len(".stem.mp4")] if base.endswith(".stem.mp4") else base


def list_sources(dirs):
    """All clips (.stem.mp4 files and folders holding vocals.wav) in `dirs`, sorted by name."""
    out = []
    for d in dirs:
        if not os.path.isdir(d):
            raise SystemExit(f"{d}: no such data folder")
        for f in sorted(os.listdir(d)):
            p = os.path.join(d, f)
            if f.endswith(".stem.mp4") or (os.path.isdir(p) and os.path.exists(os.path.join(p, "vocals.wav"))):
                out.append(p)
    return out


def load_clip(source, cache_dir=DEFAULT_CACHE):
    """Decoded clip [5, 2, samples], cached as .npy keyed by name and file size/mtime."""
    os.makedirs(cache_dir, exist_ok=True)
    st = os.stat(source)
    key = hashlib.sha1(f"{os.path.abspath(source)}:{st.st_size}:{st.st_mtime}".encode()).hexdigest()[:10]
    path = os.path.join(cache_dir, f"{clip_name(source)}.{key}.npy")
    if os.path.exists(path):
        return np.load(path, mmap_mode=None)
    data = decode_clip(source)
    tmp = f"{path}.tmp-{os.getpid()}.npy"
    np.save(tmp, data)
    os.replace(tmp, path)
    return data


def load_clips(sources, cache_dir=DEFAULT_CACHE):
    return {clip_name(s): load_clip(s, cache_dir) for s in sources}


def mixture_rms_db(clips):
    """Median over clips ({name: [5, 2, samples]}) of the RMS level (dBFS) of the sum of the stems."""
    levels = [10 * np.log10(np.mean(np.square(c[1:].sum(axis=0), dtype=np.float64)) + 1e-20) for c in clips.values()]
    return float(np.median(levels))


AUDIBLE_POWER = 1e-7  # mean square of a stem below which (-70 dBFS) the sampler treats it as absent

AUGMENT_DEFAULTS = {"gain_db": 6.0, "p_coherent": 0.3, "p_silence": 0.1, "p_swap": 0.5, "speed_range": 0.08,
                    "p_speed": 0.25, "eq_db": 0.0, "p_eq": 0.0, "p_stack": [0.0, 0.0, 0.0, 0.0], "stack_db": 6.0}


def augment_settings(augment):
    """The config's "augment" block with defaults filled in; unknown keys are an error."""
    unknown = set(augment) - set(AUGMENT_DEFAULTS)
    if unknown:
        raise ValueError(f"unknown augment settings: {sorted(unknown)}")
    return {**AUGMENT_DEFAULTS, **augment}


class Sampler:
    """Draws augmented training examples as complex STFTs of the stems.

    The STFT of every audible training stem is computed once (complex64, ~10 MB per stem and 7 s); since the STFT is
    linear, crops (whole frames), gains, channel swaps, silencing and remixing across tracks are done on the
    spectra, and the mixture's STFT is the sum of the stems'. Each example: per target a stem from a random clip
    at a random offset (or, with probability `p_coherent`, all stems of one clip at one offset), random gain per
    stem (+-gain_db), random channel swap, a stem silenced now and then, and with probability `p_speed` a
    resampling speed change (pitch and tempo together, +-speed_range) done on the waveform then STFT'd, and with
    probability `p_eq` a random smooth equaliser (a zero-phase gain curve over log frequency, up to about
    +-1.8 eq_db) so that timbres the few training songs lack are seen. In a remixed example, target t is with
    probability `p_stack[t]` the sum of that stem from two different clips (the second 0 to stack_db dB quieter):
    two singers, two drum parts, two "other" parts are stems of real songs too, and the pairs multiply the few.
    A target is drawn only from clips in which that stem is audible, and coherent examples only from clips with
    all four, so partial multitracks (e.g. synthetic songs without vocals) add stems without teaching silence.
    """

    def __init__(self, clips, segment_frames, rng, stft, **augment):
        self.stft = stft
        self.waves = [torch.from_numpy(np.ascontiguousarray(c[1:])) for c in clips.values()]  # [4, 2, n] stems
        audible = [[float((w[t] ** 2).mean()) > AUDIBLE_POWER for t in range(4)] for w in self.waves]
        # per clip and target: complex [2, frames, bins], or None for a stem that is never drawn
        self.specs = [[stft(w[t]) if a[t] else None for t in range(4)] for w, a in zip(self.waves, audible)]
        self.pools = [[k for k, a in enumerate(audible) if a[t]] for t in range(4)]  # clip indices per target
        self.complete = [k for k, a in enumerate(audible) if all(a)]
        self.frames = segment_frames
        self.hop = 1024
        self.bins = 2049  # n_fft 4096
        self.rng = rng
        a = augment_settings(augment)
        self.gain_db, self.p_coherent, self.p_silence = a["gain_db"], a["p_coherent"], a["p_silence"]
        self.p_swap, self.speed_range, self.p_speed = a["p_swap"], a["speed_range"], a["p_speed"]
        self.eq_db, self.p_eq = a["eq_db"], a["p_eq"]
        self.p_stack, self.stack_db = list(a["p_stack"]), a["stack_db"]
        if len(self.p_stack) != 4:
            raise ValueError(f"augment p_stack: one probability per target (4), got {self.p_stack}")
        # the equaliser's curves: cos(pi k u) for k = 1..3 over u, each bin's position on a log-frequency axis from
        # 0 (bins 0 and 1) to 1 (Nyquist): [3, bins]
        u = torch.log(torch.arange(self.bins).clamp(min=1).double()) / math.log(self.bins - 1)
        self.eq_basis = torch.cos(math.pi * torch.arange(1, 4).double()[:, None] * u)

    def _offset(self, n, length):
        return int(self.rng.integers(0, n - length + 1)) if n > length else 0

    def _fit(self, spec):
        """Pads/crops the frames axis (-2) of spec to the segment length."""
        t = spec.shape[-2]
        if t < self.frames:
            spec = torch.nn.functional.pad(spec, (0, 0, 0, self.frames - t))
        return spec[..., : self.frames, :]

    def _speed(self, wave, factor):
        """Speed change of wave [..., 2, n] by `factor` -> STFT of one segment [..., 2, frames, bins]."""
        need = int((self.frames - 1) * self.hop * factor) + 2
        o = self._offset(wave.shape[-1], need)
        w = wave[..., o:o + need]
        flat = w.reshape(-1, 1, w.shape[-1])
        n_out = (self.frames - 1) * self.hop
        y = torch.nn.functional.interpolate(flat, size=max(2, int(round(w.shape[-1] / factor))), mode="linear")
        y = torch.nn.functional.pad(y, (0, max(0, n_out - y.shape[-1])))[..., :n_out]
        return self._fit(self.stft(y.reshape(*w.shape[:-1], n_out)))

    def _eq(self):
        """A random smooth gain curve [bins]: three cosines over log frequency, amplitudes up to eq_db / order."""
        a = torch.from_numpy(self.rng.uniform(-1, 1, size=3) * self.eq_db / np.arange(1, 4))  # dB: [3]
        return (10 ** (a @ self.eq_basis / 20)).float()

    def _factor(self):
        r = self.rng
        return 1.0 + r.uniform(-self.speed_range, self.speed_range) if r.random() < self.p_speed else 1.0

    def _segment(self, k, t):
        """Stem t of clip k at a random offset, speed-changed now and then -> complex [2, frames, bins]."""
        factor = self._factor()
        if factor != 1.0:
            return self._speed(self.waves[k][t], factor)
        spec = self.specs[k][t]
        o = self._offset(spec.shape[-2], self.frames)
        return self._fit(spec[..., o:o + self.frames, :])

    def example(self):
        """-> complex stems [4, 2, frames, bins]."""
        r = self.rng
        if self.complete and r.random() < self.p_coherent:
            k = self.complete[int(r.integers(len(self.complete)))]
            factor = self._factor()
            if factor != 1.0:
                out = self._speed(self.waves[k], factor)
            else:
                o = self._offset(self.specs[k][0].shape[-2], self.frames)
                out = torch.stack([self._fit(spec[..., o:o + self.frames, :]) for spec in self.specs[k]])
        else:
            parts = []
            for t in range(4):
                pool = self.pools[t]
                if not pool:  # no clip has this target: it stays silent
                    parts.append(torch.zeros(2, self.frames, self.bins, dtype=torch.complex64))
                    continue
                i = int(r.integers(len(pool)))
                part = self._segment(pool[i], t)
                if len(pool) > 1 and r.random() < self.p_stack[t]:
                    other = pool[(i + 1 + int(r.integers(len(pool) - 1))) % len(pool)]  # any clip but pool[i]
                    part = part + self._segment(other, t) * float(10 ** (-r.uniform(0, self.stack_db) / 20))
                parts.append(part)
            out = torch.stack(parts)
        gains = 10 ** (r.uniform(-self.gain_db, self.gain_db, size=4) / 20)
        out = out * torch.tensor(gains, dtype=torch.float32)[:, None, None, None]
        for t in range(4):
            if r.random() < self.p_swap:
                out[t] = out[t].flip(0)
            if r.random() < self.p_eq:
                out[t] = out[t] * self._eq()
            if r.random() < self.p_silence:
                out[t] = 0
        return out

    def batch(self, n):
        """-> complex stems [n, 4, 2, frames, bins]."""
        return torch.stack([self.example() for _ in range(n)])
