"""How validation SDR grows with the amount of training data: a line in log2(training clips) fitted to runs of one
recipe on nested smaller training sets (make_splits.py --keep), and how much more data a wanted gain would take.

Each run is given as LOG:CLIPS (a train.py log.csv and its number of training clips); a run's score is its best
validation step (the step whose 4-target average is highest). Prints the scores, the slope per target and for the
average in dB per doubling of the data, and, for --gain G, the data multiple 2 ** (G / slope) that the fitted line
says a gain of G dB would take.

Usage: /usr/bin/python3 train/data_scaling.py LOG:CLIPS [LOG:CLIPS ...] [--gain 1.5]
"""
import argparse
import csv
import math

TARGETS = ["vocals", "drums", "bass", "other"]
FIELDS = TARGETS + ["avg"]


def best_scores(log_path):
    """{target or "avg": median SDR dB} at the log's best validation step, and that step."""
    with open(log_path) as f:
        rows = [r for r in csv.DictReader(f) if r["val_sdr_avg"]]
    if not rows:
        raise SystemExit(f"{log_path}: no validation rows")
    best = max(rows, key=lambda r: float(r["val_sdr_avg"]))
    return {k: float(best[f"val_sdr_{k}"]) for k in FIELDS}, int(best["step"])


def fit_line(xs, ys):
    """Least-squares y = a + b x -> (a, b)."""
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    if sxx == 0:
        raise ValueError("need runs with at least two different numbers of clips")
    b = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sxx
    return my - b * mx, b


def data_multiple(gain_db, slope_db_per_doubling):
    """How many times the data a gain of gain_db takes on a line of that slope (inf if it does not rise)."""
    return 2 ** (gain_db / slope_db_per_doubling) if slope_db_per_doubling > 0 else math.inf


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("runs", nargs="+", metavar="LOG:CLIPS")
    p.add_argument("--gain", type=float, help="dB wanted over the runs' line at the largest data set")
    a = p.parse_args()
    points = []
    print(f"{'run':<48} {'clips':>5} {'step':>5} " + " ".join(f"{k:>7}" for k in FIELDS))
    for run in a.runs:
        path, clips = run.rsplit(":", 1)
        scores, step = best_scores(path)
        points.append((int(clips), scores))
        print(f"{path[-48:]:<48} {clips:>5} {step:>5} " + " ".join(f"{scores[k]:7.2f}" for k in FIELDS))
    xs = [math.log2(c) for c, _ in points]
    slopes = {k: fit_line(xs, [s[k] for _, s in points])[1] for k in FIELDS}
    print(f"{'slope, dB per doubling of the clips':<60} " + " ".join(f"{slopes[k]:7.2f}" for k in FIELDS))
    if a.gain is not None:
        print(f"{f'data multiple for +{a.gain:g} dB':<60} " + " ".join(
            f"{data_multiple(a.gain, slopes[k]):7.3g}" for k in FIELDS))


if __name__ == "__main__":
    main()
