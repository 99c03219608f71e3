"""Renders synthetic multitracks for training from Debian packages only, as MUSDB-style folders train.py reads.

    /usr/bin/python3 train/synth.py --out DIR --songs N --seconds S --seed K [--source midi|guitar|all]

midi: mma grooves over random chord sheets; bass and other through fluidsynth with GM soundfonts and random
programs, drums from Hydrogen kit samples. guitar: excerpts of the real guitar tracks of Debian's Frets on Fire
songs as "other" only. Each song is DIR/<name>/{vocals,drums,bass,other}.wav (16-bit 44.1 kHz stereo, equally
long; vocals silent: no singing source in Debian) plus info.json saying what was chosen. Same seed, same songs.
"""
import argparse
import json
import os
import sys
import tempfile

import numpy as np

from synth import SAMPLE_RATE, audio, fluid, guitar, midi, midi_song
from synth.debian import MissingPackage
from synth.mixing import level, place, rms, write_song

GUITAR_STREAM = 1_000_000  # rng stream of the guitar excerpt draw, apart from the per-song streams


def check(source):
    """Raises MissingPackage for the first Debian package that rendering `source` needs and is not installed
    (hydrogen-drumkits and musescore-general-soundfont are optional: drums fall back to the soundfont's kit)."""
    needs = [audio.soundfile]
    if source in ("midi", "all"):
        needs += [midi.mido, midi.mma, fluid.fluidsynth, fluid.required_soundfont]
    if source in ("guitar", "all"):
        needs.append(guitar.tracks)
    for need in needs:
        need()


def _db(x):
    return 20 * np.log10(max(x, 1e-10))


def stats(stems):
    """'stem rms/peak' in dBFS for each stem of {stem: float32 [2, samples]}."""
    return " ".join(f"{k} {_db(rms(a)):.1f}/{_db(float(np.abs(a).max())):.1f}" for k, a in stems.items())


def finish(out, name, stems, info, rng, samples):
    """Places and levels the rendered stems, writes the song folder and prints one line about it."""
    stems = level({k: place(a, k, rng) for k, a in stems.items()}, rng)
    folder = os.path.join(out, name)
    write_song(folder, stems, samples)
    with open(os.path.join(folder, "info.json"), "w") as f:
        json.dump(info, f, indent=1)
    print(f"{name}: {stats(stems)} (dBFS rms/peak) {json.dumps(info)}", flush=True)


def render_midi(out, songs, seconds, seed):
    """Writes `songs` MIDI songs of `seconds` to `out`; song i depends only on (seed, i)."""
    samples = int(seconds * SAMPLE_RATE)
    for i in range(songs):
        rng = np.random.default_rng([seed, i])
        with tempfile.TemporaryDirectory(prefix="demix-synth-") as workdir:
            stems, info = midi_song.render(rng, seconds, workdir)
        finish(out, f"synth-midi-{seed}-{i:03d}", stems, info, rng, samples)


def render_guitar(out, songs, seconds, seed):
    """Writes `songs` guitar excerpts of `seconds` to `out` (fewer, with a notice, if the tracks are too short)."""
    samples = int(seconds * SAMPLE_RATE)
    found = guitar.excerpts(songs, seconds, np.random.default_rng([seed, GUITAR_STREAM]))
    if len(found) < songs:
        print(f"only {len(found)} guitar excerpts of {seconds} s are available", file=sys.stderr)
    for i, (path, start, clip) in enumerate(found):
        info = {"guitar": path, "start_seconds": start / SAMPLE_RATE}
        finish(out, f"synth-guitar-{seed}-{i:03d}", {"other": clip}, info, np.random.default_rng([seed, i]), samples)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--out", help="folder for the song folders (required unless --check)")
    p.add_argument("--songs", type=int, default=10, help="songs per source")
    p.add_argument("--seconds", type=float, default=12.0, help="length of each song")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--source", choices=["midi", "guitar", "all"], default="all")
    p.add_argument("--check", action="store_true", help="only check that the Debian packages are installed")
    args = p.parse_args()
    if not args.out and not args.check:
        p.error("--out is required")
    try:
        check(args.source)
        if args.check:
            return
        os.makedirs(args.out, exist_ok=True)
        if args.source in ("midi", "all"):
            render_midi(args.out, args.songs, args.seconds, args.seed)
        if args.source in ("guitar", "all"):
            render_guitar(args.out, args.songs, args.seconds, args.seed)
    except MissingPackage as e:
        sys.exit(f"synth.py: {e}")
    t = os.times()
    cpu = t.user + t.system + t.children_user + t.children_system
    print(f"done: {cpu:.1f} s of CPU (with mma and fluidsynth)", file=sys.stderr)


if __name__ == "__main__":
    main()
