"""Chooses the mask exponent for export: the p (masks proportional to m**p, see model.scale_logits) that maximises
the average over targets of the median whole-clip SDR on the TRAINING clips (the validation split stays unseen).

An L1 loss on magnitudes learns a median-like mask that is sharper than the mean SDR rewards, so p < 1 can help.
Usage: /usr/bin/python3 train/mask_exponent.py [--weights models/demix-4s.pt] [--exponents 0.5,0.6,...]
"""
import argparse
import copy
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dataset  # noqa: E402
import model as M  # noqa: E402
import train  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def sweep(net, clips, exponents):
    """exponent -> {target: median SDR} on `clips` (name -> [5, 2, n])."""
    return {p: train.validate(M.scale_logits(copy.deepcopy(net), p), clips)[0] for p in exponents}


def main():
    a = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    a.add_argument("--weights", default=os.path.join(HERE, "..", "models", "demix-4s.pt"))
    a.add_argument("--data", nargs="+", default=[os.path.join(HERE, "..", "..", "shared", "data", "musdb18-7", "train")])
    a.add_argument("--splits", default=os.path.join(HERE, "splits.json"))
    a.add_argument("--exponents", default="0.5,0.6,0.7,0.8,0.9,1.0")
    a.add_argument("--threads", type=int, default=2)
    args = a.parse_args()
    torch.set_num_threads(args.threads)
    net, _ = M.load_trained(args.weights)
    with open(args.splits) as f:
        valid = set(json.load(f)["valid"])
    sources = [s for s in dataset.list_sources(args.data) if dataset.clip_name(s) not in valid]
    scores = sweep(net, dataset.load_clips(sources), [float(x) for x in args.exponents.split(",")])
    for p, med in scores.items():
        print(f"p {p:.2f}: " + " ".join(f"{t} {v:.3f}" for t, v in med.items()) + f" avg {np.mean(list(med.values())):.3f}")
    best = max(scores, key=lambda p: np.mean(list(scores[p].values())))
    print(f"best on {len(sources)} training clips: {best}")


if __name__ == "__main__":
    main()
