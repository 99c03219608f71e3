"""Exports a tiny random-weight demix U-Net (train/model.py) following demix's ONNX contract, for the TS tests.

Writes test/fixtures/tiny-model.onnx and its model card test/fixtures/tiny-model.json (tens of KB, committed).
Same network code and exporter as the shipped model (model.py, export.py), shrunk: 2 channels per level, 2
levels (frame multiple 4), one bottleneck conv, a narrow frequency-FC layer. Its time context is about a
dozen frames on each side, so chunked inference with more context than that equals one-shot inference.

Usage: /usr/bin/python3 train/make_test_model.py [--out test/fixtures/tiny-model.onnx]
"""
import argparse
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import export as E  # noqa: E402
import model as M  # noqa: E402


def tiny_model():
    torch.manual_seed(0)
    model = M.build_model({"channels": [2, 2, 2], "patch": 4, "dilations": [1]})
    n_freq = model.freq_fc.n_freq
    model.freq_fc = M.FreqFC(2, n_freq, squeeze=1, hidden=8)  # the full-size layer alone would be megabytes
    with torch.no_grad():
        model.band_emb.normal_(0, 1)  # random weights everywhere, so masks vary by bin
        model.head.weight.mul_(20)
    return model.eval()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="test/fixtures/tiny-model.onnx")
    args = parser.parse_args()
    model = tiny_model()
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    E.export_onnx(model, args.out)
    card = {
        "name": "tiny-test",
        "version": "0.0.1",
        "description": "random weights, for tests only: separates nothing",
        "targets": M.TARGETS,
        "sample_rate": 44100,
        "n_fft": M.N_FFT,
        "hop": M.HOP,
        "input_name": "magnitude",
        "output_name": "masks",
        "frame_multiple": model.frame_multiple,
        "chunk_frames": 64,
        "normalisation": "log1p of the raw magnitude, inside the network",
        "training": {"command": "/usr/bin/python3 train/make_test_model.py", "data": "none (random weights)"},
        "validation": {},
        "licence": "MIT",
        "sha256": E.sha256_of(args.out),
    }
    card_path = args.out[: -len(".onnx")] + ".json"
    with open(card_path, "w") as f:
        json.dump(card, f, indent=2)
        f.write("\n")
    print(f"wrote {args.out} ({os.path.getsize(args.out)} bytes, {M.param_count(model)} parameters) and {card_path}")


if __name__ == "__main__":
    main()
