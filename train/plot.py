"""Plots a training log (train loss and validation SDR per target) to a PNG.

Usage: /usr/bin/python3 train/plot.py [--log train/runs/demix-4s/log.csv] [--out <log dir>/curves.png]
"""
import argparse
import csv
import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

TARGETS = ["vocals", "drums", "bass", "other"]


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--log", default=os.path.join(here, "runs", "demix-4s", "log.csv"))
    p.add_argument("--out")
    a = p.parse_args()
    with open(a.log) as f:
        rows = list(csv.DictReader(f))
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4))
    steps = [int(r["step"]) for r in rows]
    ax1.plot(steps, [float(r["train_loss"]) for r in rows], lw=0.8)
    ax1.set(xlabel="step", ylabel="loss (the config's: L1 or complex squared error)", title="training loss", yscale="log")
    ax1.grid(alpha=0.3)
    val = [r for r in rows if r["val_sdr_avg"]]
    vs = [int(r["step"]) for r in val]
    for t in TARGETS + ["avg"]:
        ax2.plot(vs, [float(r[f"val_sdr_{t}"]) for r in val], marker=".", lw=2 if t == "avg" else 1,
                 color="k" if t == "avg" else None, label=t)
    ax2.set(xlabel="step", ylabel="median SDR (dB)", title="validation SDR (14 clips, soft masks)")
    ax2.grid(alpha=0.3)
    ax2.legend()
    fig.tight_layout()
    out = a.out or os.path.join(os.path.dirname(a.log), "curves.png")
    fig.savefig(out, dpi=100)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
