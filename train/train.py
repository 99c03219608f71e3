"""Trains demix-4s: L1 between masked-mixture and target magnitudes (Spleeter's loss) or the complex-domain
squared error (config "loss"), Adam, augmentation.

Checkpoints (model, optimiser, step, RNG states, best score) every few minutes and on SIGINT/SIGTERM to
<out>/ckpt.pt, keeps the best validation weights in <out>/best.pt, logs to <out>/log.csv.

Usage:
  /usr/bin/python3 train/train.py --config train/configs/demix-4s.json [--resume] [--from models/demix-4s.pt]
                                  [--data DIR ...] [--out train/runs/demix-4s] [--max-steps N] [--max-minutes M]
Paths in the config are relative to the config file; --data dirs hold .stem.mp4 files or MUSDB-style wav folders.
A config with "after": "<config>.json" is a second stage: it starts from that config's run's best weights
(unless --from), and "ema_decay" validates and keeps an exponential moving average of the weights.
A config with "ensemble": ["<config>.json", ...] trains each of those networks in turn in <out>/<its run> (on this
config's data and splits), then writes <out>/best.pt: the ensemble that averages their masks, validated as a whole.
--from an ensemble's weights fine-tunes each of its networks with the given config (keeping their architectures).
"""
import argparse
import csv
import ctypes
import json
import math
import os
import random
import signal
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dataset  # noqa: E402
import model as M  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
LOG_FIELDS = ["step", "minutes", "lr", "train_loss"] + [f"val_sdr_{t}" for t in M.TARGETS] + ["val_sdr_avg", "best"]


def keep_freed_memory():
    """Tells glibc's allocator to keep freed memory for reuse. By default it hands every large freed tensor back to
    the kernel, so each training step page-faults and zeroes the same buffers again (measured on a 2-core machine:
    half the CPU time in the kernel, 4.2 s per step instead of 2.2). Does nothing without glibc."""
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return
    m_trim_threshold, m_top_pad, m_mmap_threshold = -1, -2, -3  # mallopt parameters of <malloc.h>
    libc.mallopt(m_mmap_threshold, 2 ** 31 - 1)  # large blocks from the heap, not from mmap
    libc.mallopt(m_trim_threshold, 2 ** 31 - 1)  # never shrink the heap
    libc.mallopt(m_top_pad, 2 ** 30)  # grow it in 1 GiB steps


def sdr(ref, est, eps=1e-8):
    """Whole-clip SDR in dB (MDX style): ref, est [..., channels, samples] -> [...]."""
    num = (ref ** 2).sum(dim=(-1, -2))
    den = ((ref - est) ** 2).sum(dim=(-1, -2))
    return 10 * torch.log10((num + eps) / (den + eps))


@torch.no_grad()
def separate(model, mix):
    """mix [2, samples] -> estimates [4, 2, samples] with the soft masks (no Wiener)."""
    X = M.stft(mix)  # [2, T, F]
    t = X.shape[-2]
    fm = model.frame_multiple
    pad = (-t) % fm
    mag = torch.nn.functional.pad(M.input_magnitudes(model, X), (0, 0, 0, pad))[None]
    masks = model(mag)[0, :, :, :t]  # [4, 2, T, F]
    return M.istft(masks * X[None], mix.shape[-1])


@torch.no_grad()
def validate(model, clips):
    """Median whole-clip SDR per target over clips (dict name -> [5, 2, n], stored mixture as input)."""
    was = model.training
    model.eval()
    scores = []
    for c in clips.values():
        c = torch.from_numpy(c)
        est = separate(model, c[0])
        scores.append(sdr(c[1:], est))
    model.train(was)
    s = torch.stack(scores)  # [clips, 4]
    med = s.median(dim=0).values
    return {t: float(med[i]) for i, t in enumerate(M.TARGETS)}, s


def run_dir(cfg):
    """Default run folder of a config: train/runs/<run>, where run defaults to the model's name."""
    return os.path.join(HERE, "runs", cfg.get("run", cfg["name"]))


def run_weights(cdir, config, role, hint=""):
    """The best weights of the run of `config` (a file in cdir); exits naming the `role` it plays if not trained."""
    with open(os.path.join(cdir, config)) as f:
        path = os.path.join(run_dir(json.load(f)), "best.pt")
    if not os.path.exists(path):
        sys.exit(f"{path} does not exist: train the {role} ({config}) first{hint}")
    return path


def previous_stage_weights(cfg, cdir):
    """A config with "after": "<other config>.json" continues that config's run: its best weights, or None."""
    return run_weights(cdir, cfg["after"], "previous stage", ", or pass --from") if "after" in cfg else None


def l1_magnitude_loss(model, stems):
    """Spleeter's loss: mean |mask * |X| - |S||. stems: complex [B, 4, 2, T, F], mixture = their sum."""
    X = M.input_magnitudes(model, stems.sum(1))  # [B, 2 or 4, T, F], left and right first
    return (model(X) * X[:, None, :2] - M.magnitude(stems)).abs().mean()


def masked_mixture(model, stems):
    """The network's estimates: complex [B, 4, 2, T, F] masks times the mixture, and the mixture [B, 2, T, F]."""
    mix = stems.sum(1)
    return model(M.input_magnitudes(model, mix)) * mix[:, None], mix


def relative_complex_error(est, mix, stems):
    """Squared error of the estimates against the complex stems, per example relative to the mixture's energy,
    averaged over examples. est, stems: complex [B, 4, 2, T, F]; mix: [B, 2, T, F]."""
    err = torch.view_as_real(est - stems).pow(2).sum(dim=(1, 2, 3, 4, 5))  # [B]
    energy = torch.view_as_real(mix).pow(2).sum(dim=(1, 2, 3, 4))  # [B]
    return (err / (energy + 1e-8)).mean()


def complex_mse_loss(model, stems):
    """Squared error of the masked complex mixture against the complex stems, per example relative to the
    mixture's energy: the time-domain error that SDR scores (by Parseval), so the masks learn the conditional
    mean where L1 on magnitudes learns a sharper median. stems: complex [B, 4, 2, T, F]."""
    est, mix = masked_mixture(model, stems)
    return relative_complex_error(est, mix, stems)


SDR_WEIGHT = 0.3  # weight of the time-domain SDR term (in units of -SDR/10 dB) beside the complex squared error
AUDIBLE_SHARE = 1e-4  # a target quieter than this share of its mixture's energy (-40 dB) has no SDR to score


def complex_mse_sdr_loss(model, stems):
    """complex_mse_loss plus SDR_WEIGHT times minus the time-domain SDR (dB / 10) of each audible target after the
    iSTFT, averaged over examples and targets: every audible stem counts alike, however quiet, as in the metric."""
    est, mix = masked_mixture(model, stems)
    length = (stems.shape[-2] - 1) * M.HOP
    ref, out = M.istft(stems, length), M.istft(est, length)  # [B, 4, 2, samples]
    power = ref.pow(2).sum(dim=(-1, -2))  # [B, 4]
    audible = (power > AUDIBLE_SHARE * power.sum(1, keepdim=True)).float()
    sdr_term = -(sdr(ref, out) * audible).sum() / audible.sum().clamp_min(1) / 10
    return relative_complex_error(est, mix, stems) + SDR_WEIGHT * sdr_term


COMPLEX_MSE = "squared error between the masked complex mixture and the complex stems, relative to each example's mixture energy"
LOSSES = {  # config name -> (function, description for the model card)
    "l1_magnitude": (l1_magnitude_loss, "L1 between masked-mixture and target magnitudes"),
    "complex_mse": (complex_mse_loss, COMPLEX_MSE),
    "complex_mse_sdr": (complex_mse_sdr_loss, f"{COMPLEX_MSE}, plus {SDR_WEIGHT} x minus the time-domain SDR (dB/10) "
                                              "of each audible target after the iSTFT"),
}


def distilled(teacher, stems, share):
    """Training targets drawn towards a teacher's estimates: (1 - share) x the stems + share x the teacher's masked
    mixture. Its masks sum to one, so the targets still sum to the mixture. stems: complex [B, 4, 2, T, F]."""
    with torch.no_grad():
        est, _ = masked_mixture(teacher, stems)
    return (1 - share) * stems + share * est


def teacher_of(cfg, cdir):
    """The config's "distill": {"teacher": "<config>.json", "share": 0..1}: the best weights of that config's run
    (a network or an ensemble, eval mode) and the share, or (None, 0)."""
    d = cfg.get("distill")
    if not d:
        return None, 0.0
    teacher, _ = M.load_trained(run_weights(cdir, d["teacher"], "teacher"))
    return teacher, float(d["share"])


def lr_at(cfg, progress):
    """Constant lr, then exponential decay to lr_final over the last (1 - decay_from) of the run.

    progress in [0, 1]: the larger of steps/max_steps and minutes/max_minutes, so a time-capped run decays too."""
    start = cfg["decay_from"]
    if progress < start:
        return cfg["lr"]
    frac = min(1.0, (progress - start) / max(1e-9, 1 - start))
    return math.exp(math.log(cfg["lr"]) + frac * (math.log(cfg["lr_final"]) - math.log(cfg["lr"])))


def init_normalisation(model, clips, n=24, seed=0):
    """Sets the learnt input mean/scale to the per-bin statistics of log1p(|STFT|) of training mixtures."""
    rng = np.random.default_rng(seed)
    names = list(clips)
    pick = [names[i] for i in rng.choice(len(names), size=min(n, len(names)), replace=False)]
    feats = []
    for k in pick:
        mix = torch.from_numpy(clips[k][1:].sum(0))
        feats.append(torch.log1p(M.stft(mix).abs()[..., : model.n_used]).reshape(-1, model.n_used))
    f = torch.cat(feats)
    with torch.no_grad():
        model.in_mean.copy_(f.mean(0))
        model.in_scale.copy_(1.0 / f.std(0).clamp_min(1e-2))


class Ema:
    """Exponential moving average of a model's parameters and buffers (decay per step); validated and exported
    instead of the raw weights, which on tiny data jump by tenths of a dB from one validation to the next."""

    def __init__(self, model, decay):
        self.decay = decay
        self.state = {k: v.detach().clone() for k, v in model.state_dict().items()}

    def update(self, model):
        with torch.no_grad():
            for k, v in model.state_dict().items():
                if v.dtype.is_floating_point:
                    self.state[k].mul_(self.decay).add_(v.detach(), alpha=1 - self.decay)
                else:
                    self.state[k].copy_(v)


def save_atomic(obj, path):
    tmp = f"{path}.tmp-{os.getpid()}"
    torch.save(obj, tmp)
    os.replace(tmp, path)


def optimiser(model, cfg):
    """Adam, or with config "weight_decay" AdamW decaying only the conv and linear weights (not the
    normalisation, band embedding or batch-norm parameters)."""
    wd = cfg.get("weight_decay", 0.0)
    if not wd:
        return torch.optim.Adam(model.parameters(), lr=cfg["lr"])
    decay, other = [], []
    for name, p in model.named_parameters():
        (decay if p.ndim >= 2 and name != "band_emb" else other).append(p)
    return torch.optim.AdamW([{"params": decay, "weight_decay": wd}, {"params": other, "weight_decay": 0.0}],
                             lr=cfg["lr"])


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--config", default=os.path.join(HERE, "configs", "demix-4s.json"))
    p.add_argument("--resume", action="store_true", help="continue from <out>/ckpt.pt if it exists")
    p.add_argument("--from", dest="from_weights", help="start from these weights (a .pt from export.py or best.pt)")
    p.add_argument("--data", nargs="+", help="folders of .stem.mp4 files or MUSDB-style wav folders")
    p.add_argument("--out", help="run folder (default train/runs/<config name>)")
    p.add_argument("--max-steps", type=int)
    p.add_argument("--max-minutes", type=float)
    p.add_argument("--threads", type=int, default=2)
    a = p.parse_args()

    keep_freed_memory()
    torch.set_num_threads(a.threads)
    cfg, cdir = read_config(a.config, a.max_steps, a.max_minutes)
    out = a.out or run_dir(cfg)
    train, valid, level = load_data(cfg, cdir, a.data)
    w = torch.load(a.from_weights, weights_only=False) if a.from_weights else None
    if "ensemble" in cfg and w:
        sys.exit(f"{a.config} names the configs of its networks: --from does not apply to it (to fine-tune an "
                 "ensemble, give --from its weights with the config of one network)")
    if "ensemble" in cfg or (w and "members" in w):
        records = []
        for i, (mcfg, name, init) in enumerate(ensemble_members(cfg, cdir, w, a)):
            print(f"network {i + 1}: {name}", flush=True)
            mout = os.path.join(out, name)
            start = None if init is None else (f"{a.from_weights or 'its previous stage'} (network {i + 1})", init)
            if not train_network(mcfg, cdir, mout, train, valid, level, start, a.resume):
                sys.exit(f"stopped while training network {i + 1} ({mout}): continue with --resume")
            records.append(member_record(os.path.join(mout, "best.pt")))
        save_atomic(assemble(records, cfg, valid, level), os.path.join(out, "best.pt"))
        return
    from_weights = a.from_weights or previous_stage_weights(cfg, cdir)
    init = None
    if from_weights:  # w: --from's file, loaded already
        init = (from_weights, state_dict_of(w or torch.load(from_weights, weights_only=False)))
    train_network(cfg, cdir, out, train, valid, level, init, a.resume)


def read_config(path, max_steps=None, max_minutes=None):
    """A config file (with --max-steps/--max-minutes applied) and its folder, which its paths are relative to."""
    with open(path) as f:
        cfg = json.load(f)
    if max_steps:
        cfg["max_steps"] = max_steps
    if max_minutes:
        cfg["max_minutes"] = max_minutes
    return cfg, os.path.dirname(os.path.abspath(path))


def split_clips(clips, splits):
    """(train, valid) dicts of `clips`: valid the clips that the splits file names "valid", train all the others
    except those it names "left_out" (a smaller training set, for measuring how much the data matters)."""
    valid_names, left_out = set(splits["valid"]), set(splits.get("left_out", []))
    valid = {k: v for k, v in clips.items() if k in valid_names}
    train = {k: v for k, v in clips.items() if k not in valid_names and k not in left_out}
    return train, valid


def load_data(cfg, cdir, data=None):
    """The training and validation clips (dicts name -> [5, 2, n]) of the config's data (or the folders `data`)
    and splits, and the training mixtures' level for the model card."""
    data_dirs = data or [os.path.join(cdir, d) for d in cfg["data"]]
    with open(os.path.join(cdir, cfg["splits"])) as f:
        splits = json.load(f)
    sources = dataset.list_sources(data_dirs)
    if not sources:
        sys.exit(f"no clips (.stem.mp4 or wav stem folders) in {data_dirs}")
    t0 = time.time()
    clips = dataset.load_clips(sources)
    train, valid = split_clips(clips, splits)
    print(f"{len(train)} train, {len(valid)} valid clips (decoded/cached in {time.time() - t0:.1f} s)", flush=True)
    if not train:
        sys.exit("no training clips left after removing the validation split")
    return train, valid, {"input_rms_db": round(dataset.mixture_rms_db(train), 1)}


def ensemble_members(cfg, cdir, w, a):
    """(config, run folder name, initial weights) of each network of an ensemble. Fine-tuning an ensemble's
    weights `w`: the given config with each member's architecture, from its weights; else the member configs
    that the config's "ensemble" names (files beside it), each from scratch or from its previous stage."""
    if w and "members" in w:
        return [(dict(cfg, model=r["config"]["model"]), f"network-{i + 1}", r["model"])
                for i, r in enumerate(w["members"])]
    members = []
    for name in cfg["ensemble"]:
        mcfg, _ = read_config(os.path.join(cdir, name), a.max_steps, a.max_minutes)
        prev = previous_stage_weights(mcfg, cdir)
        init = state_dict_of(torch.load(prev, weights_only=False)) if prev else None
        members.append((mcfg, mcfg.get("run", mcfg["name"]), init))
    return members


def run_progress(run):
    """How far the run in folder `run` went, from its checkpoint: {"step", "elapsed" (s)}, or {} without one."""
    ckpt = os.path.join(run, "ckpt.pt")
    if not os.path.exists(ckpt):
        return {}
    ck = torch.load(ckpt, weights_only=False)
    return {"step": ck["step"], "elapsed": ck["elapsed"]}


def member_record(path):
    """A trained network's weights record (best.pt of train.py or .pt of export.py) with its whole run's steps and
    seconds: the record's own, else from the checkpoint beside it."""
    record = torch.load(path, weights_only=False)
    progress = record.get("run") or run_progress(os.path.dirname(os.path.abspath(path)))
    if progress:
        record["run"] = progress
    return record


def state_dict_of(w):
    """The network weights of a loaded file of train.py or export.py (a record with "model", or a bare state dict)."""
    return w["model"] if "model" in w else w


def assemble(records, cfg, valid, level):
    """The weights record of the ensemble averaging the masks of `records`' networks, validated as a whole."""
    record = {"members": records, "config": cfg, "minutes": sum(r.get("minutes", 0) for r in records), **level}
    if valid:
        med, _ = validate(M.from_record(record), valid)
        record.update(val_sdr=med, val_sdr_avg=float(np.mean(list(med.values()))))
        print("ensemble val " + " ".join(f"{t} {v:.2f}" for t, v in med.items())
              + f" avg {record['val_sdr_avg']:.2f}", flush=True)
    return record


def train_network(cfg, cdir, out, train, valid, level, init=None, resume=False):
    """Trains one network of config `cfg` (a file in folder `cdir`) in the run folder `out` (checkpoints, log,
    best.pt), from scratch or from init = (where from, state dict); resume: continue from <out>/ckpt.pt if it is
    there. False if stopped by a signal (checkpointed) before the end of its schedule."""
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(cfg["seed"])
    model = M.build_model(cfg["model"])
    opt = optimiser(model, cfg)
    rng = np.random.default_rng(cfg["seed"])
    step, elapsed, best = 0, 0.0, -1e9
    ckpt_path = os.path.join(out, "ckpt.pt")
    log_path = os.path.join(out, "log.csv")
    ck = torch.load(ckpt_path, weights_only=False) if resume and os.path.exists(ckpt_path) else None
    if ck:
        model.load_state_dict(ck["model"])
        opt.load_state_dict(ck["opt"])
        step, elapsed, best = ck["step"], ck["elapsed"], ck["best"]
        rng.bit_generator.state = ck["np_rng"]
        torch.set_rng_state(ck["torch_rng"])
        random.setstate(ck["py_rng"])
        print(f"resumed at step {step} ({elapsed / 60:.1f} min, best {best:.2f} dB)", flush=True)
    else:
        if init:
            model.load_state_dict(init[1])
            print(f"starting from {init[0]}", flush=True)
        else:
            init_normalisation(model, train)
        with open(log_path, "w", newline="") as f:
            csv.writer(f).writerow(LOG_FIELDS)

    ema = Ema(model, cfg["ema_decay"]) if cfg.get("ema_decay") else None
    if ema and ck and "ema" in ck:
        ema.state = ck["ema"]
    loss_fn = LOSSES[cfg.get("loss", "l1_magnitude")][0]
    teacher, share = teacher_of(cfg, cdir)
    sampler = dataset.Sampler(train, cfg["segment_frames"], rng, stft=M.stft, **cfg.get("augment", {}))
    max_steps = cfg["max_steps"]

    def kept_weights():
        """The weights validated and exported: the moving average if there is one."""
        return ema.state if ema else model.state_dict()

    def checkpoint():
        save_atomic({"model": model.state_dict(), "opt": opt.state_dict(), "step": step, "elapsed": elapsed,
                     "best": best, "np_rng": rng.bit_generator.state, "torch_rng": torch.get_rng_state(),
                     "py_rng": random.getstate(), "config": cfg, **({"ema": ema.state} if ema else {})}, ckpt_path)

    stop = {"flag": False}

    def on_signal(signum, _frame):
        stop["flag"] = True
        print(f"signal {signum}: checkpointing and stopping", flush=True)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    def log(row):
        with open(log_path, "a", newline="") as f:
            csv.writer(f).writerow([row.get(k, "") for k in LOG_FIELDS])

    def evaluate(row):
        """Validates, fills the row's SDR columns, keeps the best weights (and checkpoints with them)."""
        nonlocal best
        scored = M.build_model(cfg["model"])
        scored.load_state_dict(kept_weights())
        med, _ = validate(scored, valid)
        avg = float(np.mean(list(med.values())))
        row.update({f"val_sdr_{t}": f"{v:.3f}" for t, v in med.items()})
        row["val_sdr_avg"] = f"{avg:.3f}"
        if avg > best:
            best = avg
            save_atomic({"model": scored.state_dict(), "config": cfg, "step": step, "val_sdr": med,
                         "val_sdr_avg": avg, "minutes": elapsed / 60, **level}, os.path.join(out, "best.pt"))
            row["best"] = 1
            checkpoint()
        print(f"step {step} val " + " ".join(f"{t} {v:.2f}" for t, v in med.items()) + f" avg {avg:.2f}", flush=True)

    model.train()
    validated, lr = -1, cfg["lr"]
    last_ckpt, start, losses = time.time(), time.time() - elapsed, []
    while step < max_steps and elapsed < cfg["max_minutes"] * 60 and not stop["flag"]:
        lr = lr_at(cfg, max(step / max_steps, elapsed / (cfg["max_minutes"] * 60)))
        for g in opt.param_groups:
            g["lr"] = lr
        stems = sampler.batch(cfg["batch"])  # complex [B, 4, 2, T, F]
        if teacher:
            stems = distilled(teacher, stems, share)
        loss = loss_fn(model, stems)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if ema:
            ema.update(model)
        step += 1
        elapsed = time.time() - start
        losses.append(loss.item())
        if step % cfg["log_every"] == 0:
            row = {"step": step, "minutes": f"{elapsed / 60:.2f}", "lr": f"{lr:.2e}",
                   "train_loss": f"{np.mean(losses):.5f}"}
            losses = []
            finishing = step >= max_steps or elapsed >= cfg["max_minutes"] * 60
            if valid and (step % cfg["val_every"] == 0 or finishing):
                evaluate(row)
                validated = step
            log(row)
            print(f"step {step} {elapsed / 60:.1f} min loss {row['train_loss']} lr {lr:.1e}", flush=True)
        if time.time() - last_ckpt > cfg["ckpt_minutes"] * 60:
            checkpoint()
            last_ckpt = time.time()
    if valid and validated != step and not stop["flag"]:  # the final weights get their validation too
        row = {"step": step, "minutes": f"{elapsed / 60:.2f}", "lr": f"{lr:.2e}",
               "train_loss": f"{np.mean(losses):.5f}" if losses else ""}
        evaluate(row)
        log(row)
    checkpoint()
    if not valid:  # no validation: the last weights are the best we know
        save_atomic({"model": kept_weights(), "config": cfg, "step": step, "minutes": elapsed / 60, **level},
                    os.path.join(out, "best.pt"))
    print(f"done: step {step}, {elapsed / 60:.1f} min, best val avg {best:.2f} dB", flush=True)
    return not stop["flag"]


if __name__ == "__main__":
    main()
