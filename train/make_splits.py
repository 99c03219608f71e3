"""Writes train/splits.json: a fixed train/valid split of the MUSDB18 previews BY ARTIST.

Artist = the file name's text before " - ". Artists are shuffled with a fixed seed and taken whole into
the validation split until it holds ~15% of the clips, so no artist is in both splits.

Usage: /usr/bin/python3 train/make_splits.py [--data ../shared/data/musdb18-7/train] [--out train/splits.json]
"""
import argparse
import json
import os
import random


def artist_of(name):
    return name.split(" - ", 1)[0]


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", default=os.path.join(here, "..", "..", "shared", "data", "musdb18-7", "train"))
    p.add_argument("--out", default=os.path.join(here, "splits.json"))
    p.add_argument("--fraction", type=float, default=0.15)
    p.add_argument("--seed", type=int, default=4)
    a = p.parse_args()
    clips = sorted(f[: -len(".stem.mp4")] for f in os.listdir(a.data) if f.endswith(".stem.mp4"))
    by_artist = {}
    for c in clips:
        by_artist.setdefault(artist_of(c), []).append(c)
    artists = sorted(by_artist)
    random.Random(a.seed).shuffle(artists)
    want = round(a.fraction * len(clips))
    valid = []
    for art in artists:
        if len(valid) >= want:
            break
        if len(valid) + len(by_artist[art]) <= want + 1:
            valid += by_artist[art]
    valid = sorted(valid)
    train = [c for c in clips if c not in valid]
    assert not {artist_of(c) for c in valid} & {artist_of(c) for c in train}
    out = {
        "description": "MUSDB18 7-second previews split by artist (text before ' - '); no artist in both splits. "
        "Names are file names without '.stem.mp4'.",
        "source": "../shared/data/musdb18-7/train",
        "seed": a.seed,
        "train": train,
        "valid": valid,
    }
    with open(a.out, "w") as f:
        json.dump(out, f, indent=2)
        f.write("\n")
    print(f"{len(train)} train, {len(valid)} valid clips -> {a.out}")


if __name__ == "__main__":
    main()
