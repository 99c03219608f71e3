"""Exports a tiny random-weight mask network that follows demix's ONNX contract, for the TypeScript tests.

Writes test/fixtures/tiny-model.onnx and its model card test/fixtures/tiny-model.json (a few KB, committed).
Contract: input `magnitude` float32 [batch, 2, frames, 2049] (raw |STFT|, n_fft 4096, hop 1024);
output `masks` float32 [batch, 4, 2, frames, 2049], >= 0, summing to 1 over the target axis.
The network is deliberately small in time context (a few frames) so chunked inference with a little
overlap equals one-shot inference exactly.

Usage: /usr/bin/python3 train/make_test_model.py [--out test/fixtures/tiny-model.onnx]
"""
import argparse
import hashlib
import json
import os

import torch
from torch import nn

TARGETS = ["vocals", "drums", "bass", "other"]
N_FFT = 4096
HOP = 1024
FRAME_MULTIPLE = 4  # two time poolings by 2


class TinyMaskNet(nn.Module):
    """magnitude (batch, channels, frames, bins) -> masks (batch, targets, channels, frames, bins)."""

    def __init__(self, channels=2, targets=4, width=4):
        super().__init__()
        self.channels, self.targets = channels, targets
        self.enc = nn.Conv2d(channels, width, 3, padding=1)
        self.mid = nn.Conv2d(width, width, 3, padding=1)
        self.head = nn.Conv2d(2 * width, targets * channels, 1)

    def forward(self, mag):
        x = torch.log1p(mag)
        skip = torch.relu(self.enc(x))
        y = nn.functional.avg_pool2d(skip, (4, 1))
        y = torch.relu(self.mid(y))
        y = nn.functional.interpolate(y, scale_factor=(4.0, 1.0), mode="nearest")
        logits = self.head(torch.cat([skip, y], dim=1))
        b, _, t, f = logits.shape
        logits = logits.reshape(b, self.targets, self.channels, t, f)
        return torch.softmax(logits, dim=1)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="test/fixtures/tiny-model.onnx")
    args = parser.parse_args()
    torch.manual_seed(0)
    model = TinyMaskNet().eval()
    example = torch.rand(1, 2, 8, N_FFT // 2 + 1)
    os.makedirs(os.path.dirname(args.out) or ".", exist_ok=True)
    torch.onnx.export(
        model,
        example,
        args.out,
        input_names=["magnitude"],
        output_names=["masks"],
        dynamic_axes={"magnitude": {0: "batch", 2: "frames"}, "masks": {0: "batch", 3: "frames"}},
        opset_version=17,
    )
    with open(args.out, "rb") as f:
        sha = hashlib.sha256(f.read()).hexdigest()
    card = {
        "name": "tiny-test",
        "version": "0.0.1",
        "description": "random weights, for tests only: separates nothing",
        "targets": TARGETS,
        "sample_rate": 44100,
        "n_fft": N_FFT,
        "hop": HOP,
        "input_name": "magnitude",
        "output_name": "masks",
        "frame_multiple": FRAME_MULTIPLE,
        "chunk_frames": 64,
        "normalisation": "log1p of the raw magnitude, inside the network",
        "training": {"command": "/usr/bin/python3 train/make_test_model.py", "data": "none (random weights)"},
        "validation": {},
        "licence": "MIT",
        "sha256": sha,
    }
    card_path = args.out[: -len(".onnx")] + ".json"
    with open(card_path, "w") as f:
        json.dump(card, f, indent=2)
        f.write("\n")
    print(f"wrote {args.out} ({os.path.getsize(args.out)} bytes) and {card_path}")


if __name__ == "__main__":
    main()
