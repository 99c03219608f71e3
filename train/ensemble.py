"""Builds an ensemble from trained networks: the mean of their masks, validated as a whole on the config's
validation clips, written as a weights record that export.py turns into one ONNX file.

Usage: /usr/bin/python3 train/ensemble.py --config train/configs/demix-4s-ensemble.json --members A.pt B.pt [--out DIR]
Members: best.pt files of train.py or .pt files of export.py; writes <out>/best.pt (default train/runs/<run>).
`demix train` with the same config trains the members from scratch and ends with the same step.
"""
import argparse
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import train  # noqa: E402


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--config", required=True, help="the ensemble's config (data, splits, name, version)")
    p.add_argument("--members", nargs="+", required=True, help="weights of the networks to average")
    p.add_argument("--data", nargs="+", help="folders of .stem.mp4 files or MUSDB-style wav folders")
    p.add_argument("--out", help="run folder (default train/runs/<config's run>)")
    a = p.parse_args()
    torch.set_num_threads(2)
    cfg, cdir = train.read_config(a.config)
    _, valid, level = train.load_data(cfg, cdir, a.data)
    records = [train.member_record(m) for m in a.members]
    for path, r in zip(a.members, records):
        if "model" not in r or "config" not in r:
            sys.exit(f"{path}: not the weights of one network (need 'model' and 'config')")
    out = a.out or train.run_dir(cfg)
    os.makedirs(out, exist_ok=True)
    train.save_atomic(train.assemble(records, cfg, valid, level), os.path.join(out, "best.pt"))
    print(f"wrote {os.path.join(out, 'best.pt')}")


if __name__ == "__main__":
    main()
