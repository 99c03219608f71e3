"""Writes train/splits.json: a fixed train/valid split of the MUSDB18 previews BY ARTIST.

Artist = the file name's text before " - ". Artists are shuffled with a fixed seed and taken whole into
the validation split until it holds ~15% of the clips, so no artist is in both splits.

With --keep N it instead writes a smaller training set from an existing split (--base): whole artists of its
training list, in an order shuffled with --seed, are named "left_out" (an artist that would leave fewer than N is
skipped) until N training clips remain; the validation clips stay the same. For measuring how the validation score
grows with the amount of training data (train/splits-66.json is --keep 66 --seed 7).

Usage: /usr/bin/python3 train/make_splits.py [--data ../shared/data/musdb18-7/train] [--out train/splits.json]
       /usr/bin/python3 train/make_splits.py --keep N --seed 7 --out train/splits-N.json [--base train/splits.json]
"""
import argparse
import json
import os
import random


def artist_of(name):
    return name.split(" - ", 1)[0]


def artists_shuffled(clips, seed):
    """The clips grouped by artist ({artist: [clip names]}) and the artists in an order shuffled with `seed`."""
    by_artist = {}
    for c in clips:
        by_artist.setdefault(artist_of(c), []).append(c)
    artists = sorted(by_artist)
    random.Random(seed).shuffle(artists)
    return by_artist, artists


def leave_out(train, keep, seed):
    """Whole artists of `train` (clip names), in an order shuffled with `seed`, to leave out so `keep` remain."""
    by_artist, artists = artists_shuffled(train, seed)
    out = []
    for art in artists:
        if len(train) - len(out) - len(by_artist[art]) >= keep:
            out += by_artist[art]
    return out


def subset(base, keep, seed):
    """A split with the validation clips of `base` and `keep` of its training clips (the rest "left_out")."""
    n = len(base["train"])
    left_out = leave_out(base["train"], keep, seed)
    if n - len(left_out) != keep:
        raise SystemExit(f"cannot keep exactly {keep} clips with whole artists (seed {seed})")
    return {
        "description": f"train/splits.json with {n - keep} of its {n} training clips left out (whole artists, drawn "
        f"in a shuffled artist order with seed {seed}): {keep} training clips, the same {len(base['valid'])} "
        "validation clips. For measuring how the validation score grows with training data.",
        "source": base["source"],
        "seed": base["seed"],
        "train": [c for c in base["train"] if c not in left_out],
        "valid": base["valid"],
        "left_out": left_out,
    }


def write(out, path):
    with open(path, "w") as f:
        json.dump(out, f, indent=2)
        f.write("\n")
    print(f"{len(out['train'])} train, {len(out['valid'])} valid clips -> {path}")


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", default=os.path.join(here, "..", "..", "shared", "data", "musdb18-7", "train"))
    p.add_argument("--out", default=os.path.join(here, "splits.json"))
    p.add_argument("--fraction", type=float, default=0.15)
    p.add_argument("--seed", type=int, default=4)
    p.add_argument("--keep", type=int, help="write a subset of --base's training clips of this size")
    p.add_argument("--base", default=os.path.join(here, "splits.json"))
    a = p.parse_args()
    if a.keep is not None:
        with open(a.base) as f:
            write(subset(json.load(f), a.keep, a.seed), a.out)
        return
    clips = sorted(f[: -len(".stem.mp4")] for f in os.listdir(a.data) if f.endswith(".stem.mp4"))
    by_artist, artists = artists_shuffled(clips, a.seed)
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
    write(out, a.out)


if __name__ == "__main__":
    main()
