"""demix-4s: one shared U-Net over the stereo magnitude spectrogram with a mask head for 4 targets.

Input  magnitude float32 [batch, 2, frames, 2049]  raw |STFT| (n_fft 4096, hop 1024, periodic Hann, centred) of
       left, right; with "mid_side" [batch, 4, frames, 2049]: left, right, (left+right)/2, (left-right)/2
Output masks     float32 [batch, 4, 2, frames, 2049] softmax over targets (vocals, drums, bass, other)

Design (quality per CPU compute):
- optionally the magnitudes of mid and side as well: |left| and |right| alone cannot tell a centred source from
  one that is out of phase, which is what the classical centre extraction relies on;
- normalisation inside: log1p(|X|), then a learnt per-bin mean and scale (initialised from training data);
- the 2048 lowest bins are cut into patches of 4 bins (a strided conv in frequency, 512 bands) plus a learnt
  per-band embedding so the convolutions know where they are in frequency; the Nyquist bin takes the mask of
  bin 2047;
- 4 encoder levels, each a 3x3 conv then a 2x2 strided conv halving time and frequency; additive skips;
- a bottleneck with dilated time convs (context of a few seconds) and a fully connected layer across
  frequency (as Open-Unmix does) so every band sees the whole spectrum;
- decoder mirrors the encoder with transposed convs; one 1x1 head gives 4 targets x 2 channels x 4 bins per
  band; softmax over targets so the masks sum to one.
frames must be a multiple of FRAME_MULTIPLE = 2**levels. MaskAverage makes an ensemble of several such networks
(the mean of their masks), which exports as one ONNX file with the same input and output.
"""
import torch
from torch import nn

TARGETS = ["vocals", "drums", "bass", "other"]
N_FFT = 4096
HOP = 1024
N_BINS = N_FFT // 2 + 1


def conv_bn(cin, cout, kernel=3, stride=1, dilation=(1, 1)):
    if isinstance(kernel, int):
        kernel = (kernel, kernel)
    pad = tuple((k - 1) // 2 * d for k, d in zip(kernel, dilation)) if stride == 1 else (0, 0)
    return nn.Sequential(nn.Conv2d(cin, cout, kernel, stride=stride, padding=pad, dilation=dilation, bias=False),
                         nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class FreqFC(nn.Module):
    """Residual fully connected layer across frequency: [B, C, T, F] -> same."""

    def __init__(self, channels, n_freq, squeeze=16, hidden=512, dropout=0.0):
        super().__init__()
        self.inp = nn.Conv2d(channels, squeeze, 1)
        self.drop = nn.Dropout(dropout)  # on the FC's input features while training (identity in eval/ONNX)
        self.fc = nn.Sequential(nn.Linear(squeeze * n_freq, hidden), nn.ReLU(inplace=True),
                                nn.Linear(hidden, squeeze * n_freq), nn.ReLU(inplace=True))
        self.out = conv_bn(squeeze, channels, 1)
        self.squeeze, self.n_freq = squeeze, n_freq

    def forward(self, x):
        b, _, t, f = x.shape
        y = self.inp(x).permute(0, 2, 1, 3).reshape(b, t, self.squeeze * f)
        y = self.fc(self.drop(y)).reshape(b, t, self.squeeze, f).permute(0, 2, 1, 3)
        return x + self.out(y)


class DemixUNet(nn.Module):
    def __init__(self, channels=(16, 32, 48, 96, 128), patch=4, n_targets=4, dilations=(1, 2, 4, 8), dropout=0.0,
                 mid_side=False):
        super().__init__()
        self.patch, self.n_targets, self.mid_side = patch, n_targets, mid_side
        self.n_used = N_BINS - 1  # 2048
        n_bands = self.n_used // patch
        self.levels = len(channels) - 1
        self.frame_multiple = 2 ** self.levels
        self.in_mean = nn.Parameter(torch.zeros(self.n_used))
        self.in_scale = nn.Parameter(torch.ones(self.n_used))
        self.stem = conv_bn(len(input_channels(mid_side)), channels[0], kernel=(3, patch), stride=1)
        self.stem[0].stride = (1, patch)
        self.stem[0].padding = (1, 0)
        self.band_emb = nn.Parameter(torch.zeros(1, channels[0], 1, n_bands))
        self.enc = nn.ModuleList(conv_bn(c, c) for c in channels[:-1])
        self.down = nn.ModuleList(conv_bn(a, b, 2, 2) for a, b in zip(channels[:-1], channels[1:]))
        cb = channels[-1]
        self.mid = nn.ModuleList(conv_bn(cb, cb, 3, dilation=(d, 1)) for d in dilations)
        self.freq_fc = FreqFC(cb, n_bands // 2 ** self.levels, dropout=dropout)
        self.up = nn.ModuleList(
            nn.Sequential(nn.ConvTranspose2d(b, a, 2, stride=2, bias=False), nn.BatchNorm2d(a), nn.ReLU(inplace=True))
            for a, b in zip(channels[:-1], channels[1:]))
        self.dec = nn.ModuleList(conv_bn(c, c) for c in channels[:-1])
        self.head = nn.Conv2d(channels[0], n_targets * 2 * patch, 1)

    def forward(self, mag):
        """mag [B, 2 or 4, T, 2049] raw magnitudes (input_magnitudes) -> masks [B, 4, 2, T, 2049] of left, right."""
        b, c, t = mag.shape[0], 2, mag.shape[2]
        x = (torch.log1p(mag[..., : self.n_used]) - self.in_mean) * self.in_scale
        x = self.stem(x) + self.band_emb
        skips = []
        for enc, down in zip(self.enc, self.down):
            x = enc(x)
            skips.append(x)
            x = down(x)
        for m in self.mid:
            x = x + m(x)
        x = self.freq_fc(x)
        for i in reversed(range(self.levels)):
            x = self.up[i](x) + skips[i]
            x = self.dec[i](x)
        y = self.head(x)  # [B, targets*2*patch, T, bands]
        nb = y.shape[-1]
        y = y.reshape(b, self.n_targets, c, self.patch, t, nb).permute(0, 1, 2, 4, 5, 3)
        y = y.reshape(b, self.n_targets, c, t, nb * self.patch)
        m = softmax_elementwise(y, dim=1)
        return torch.cat([m, m[..., -1:]], dim=-1)


def softmax_elementwise(y, dim):
    """torch.softmax(y, dim) spelt as max/exp/sum/div: onnxruntime's Softmax over a non-last axis took ~60% of
    the whole network's CPU time; these elementwise ops take ~15% (same values, same gradients)."""
    e = torch.exp(y - y.max(dim=dim, keepdim=True).values)
    return e / e.sum(dim=dim, keepdim=True)


class MaskAverage(nn.Module):
    """An ensemble: the mean of its networks' masks (still summing to one over targets).

    mag [B, 2 or 4, T, 2049] -> masks [B, 4, 2, T, 2049]; a network without mid/side inputs sees left and right."""

    def __init__(self, members):
        super().__init__()
        self.members = nn.ModuleList(members)
        self.mid_side = any(m.mid_side for m in members)
        self.frame_multiple = max(m.frame_multiple for m in members)

    def forward(self, mag):
        return sum(m(mag if m.mid_side else mag[:, :2]) for m in self.members) / len(self.members)


def networks(model):
    """The U-Nets of a model: its ensemble's members, or itself."""
    return list(model.members) if isinstance(model, MaskAverage) else [model]


def scale_logits(model, exponent):
    """Scales the head's logits by `exponent` in place (each network's, in an ensemble): the masks become
    m**exponent renormalised over targets (softmax temperature 1/exponent); below 1 they are softer."""
    with torch.no_grad():
        for net in networks(model):
            net.head.weight.mul_(exponent)
            net.head.bias.mul_(exponent)
    return model


def from_record(record):
    """The network (eval mode) of a weights record {"model", "config"}, or the ensemble of one {"members": [...]}."""
    if "members" in record:
        return MaskAverage([from_record(r) for r in record["members"]]).eval()
    net = build_model(record["config"]["model"])
    net.load_state_dict(record["model"])
    return net.eval()


def load_trained(path):
    """A network or ensemble from a weights file of train.py, ensemble.py or export.py (in eval mode), and the
    file's record."""
    record = torch.load(path, weights_only=False)
    return from_record(record), record


def build_model(cfg=None):
    cfg = cfg or {}
    return DemixUNet(channels=tuple(cfg.get("channels", (16, 32, 48, 96, 128))), patch=cfg.get("patch", 4),
                     dilations=tuple(cfg.get("dilations", (1, 2, 4, 8))), dropout=cfg.get("dropout", 0.0),
                     mid_side=cfg.get("mid_side", False))


def input_channels(mid_side):
    """The channels of the network's input, in order: the model card's input_channels (see input_magnitudes)."""
    return ["left", "right", "mid", "side"] if mid_side else ["left", "right"]


def input_magnitudes(model, X):
    """The network's input from a complex stereo STFT: X [..., 2, T, F] -> [..., 2 or 4, T, F] magnitudes."""
    if model.mid_side:
        X = torch.cat([X, torch.stack([X[..., 0, :, :] + X[..., 1, :, :], X[..., 0, :, :] - X[..., 1, :, :]],
                                      dim=-3) / 2], dim=-3)
    return magnitude(X)


_windows = {}


def stft(x):
    """x [..., samples] -> complex [..., frames, 2049] (torch.stft, centred, reflect, periodic Hann)."""
    shape = x.shape
    w = _windows.setdefault(str(x.device), torch.hann_window(N_FFT, periodic=True, device=x.device))
    s = torch.stft(x.reshape(-1, shape[-1]), N_FFT, HOP, window=w, center=True, pad_mode="reflect",
                   normalized=False, onesided=True, return_complex=True)
    return s.transpose(-1, -2).reshape(*shape[:-1], s.shape[-1], s.shape[-2])


def magnitude(z):
    """|z| of a complex tensor (torch.hypot on the real view: faster than z.abs() on CPU)."""
    r = torch.view_as_real(z)
    return torch.hypot(r[..., 0], r[..., 1])


def istft(s, length):
    """complex [..., frames, 2049] -> [..., length]."""
    shape = s.shape
    w = _windows.setdefault(str(s.device), torch.hann_window(N_FFT, periodic=True, device=s.device))
    y = torch.istft(s.reshape(-1, shape[-2], shape[-1]).transpose(-1, -2), N_FFT, HOP, window=w, center=True,
                    normalized=False, onesided=True, length=length)
    return y.reshape(*shape[:-2], length)


def param_count(model):
    return sum(p.numel() for p in model.parameters())
