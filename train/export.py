"""Exports trained demix-4s weights to ONNX + model card (+ the PyTorch weights for fine-tuning with --from).

Usage: /usr/bin/python3 train/export.py [--run train/runs/demix-4s] [--weights <run>/best.pt] [--out models/demix-4s.onnx]
Writes <out>.onnx, <out>.json (the model card) and <out>.pt; --mask-exponent (or the config's mask_exponent) scales
the ONNX head's logits. An existing card's "validation" block
(e.g. `demix benchmark` numbers) is kept; the Python validation scores go under validation.python.
"""
import argparse
import copy
import hashlib
import json
import os
import sys
import time

import onnx
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dataset  # noqa: E402
import model as M  # noqa: E402
import train  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
OPSET = 17
CHUNK_FRAMES = 256  # frames per ONNX call: as fast as 512 in demix's pipeline (inference overlaps the DSP), half the memory
WIENER_ITERATIONS = 0  # measured with bench/wiener-iterations.ts on the validation split: soft masks 3.50 dB, EM 1 at α 1 3.54
WIENER_EXPONENT = 1  # the same bench: one EM iteration at α 2 (norbert's power spectrograms) lost 0.26 dB, at α 1 gained 0.04


def export_onnx(model, path, frames=64):
    """Writes `model` (eval mode) to `path` with dynamic batch and frames axes."""
    example = torch.rand(1, len(M.input_channels(model.mid_side)), frames, M.N_BINS) * 10
    tmp = f"{path}.tmp-{os.getpid()}"
    torch.onnx.export(model, example, tmp, input_names=["magnitude"], output_names=["masks"],
                      dynamic_axes={"magnitude": {0: "batch", 2: "frames"}, "masks": {0: "batch", 3: "frames"}},
                      opset_version=OPSET, do_constant_folding=True)
    # State the output's shape exactly (the exporter leaves reshape results symbolic).
    graph = onnx.load(tmp)
    want = ["batch", len(M.TARGETS), 2, "frames", M.N_BINS]
    for dim, w in zip(graph.graph.output[0].type.tensor_type.shape.dim, want):
        if isinstance(w, str):
            dim.dim_param = w
        else:
            dim.dim_value = w
    onnx.checker.check_model(graph)
    onnx.save(graph, tmp)
    os.replace(tmp, path)


def sha256_of(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def reproduce_command(cfg):
    """`demix train` once per stage (a config's "after" chain), each stage's distillation teacher first; config
    files are train/configs/<run>.json."""
    def config(name):
        with open(os.path.join(HERE, "configs", name)) as f:
            return json.load(f)

    before = [reproduce_command(config(cfg["distill"]["teacher"]))] if cfg.get("distill") else []
    stage = f"npx demix train --config train/configs/{cfg.get('run', cfg['name'])}.json"
    chain = [reproduce_command(config(cfg["after"]))] if "after" in cfg else []
    return " && ".join(chain + before + [stage])


def previous_stages(cfg, old):
    """For a later stage: the earlier stages' training records, taken from the card it replaces."""
    if "after" not in cfg or not old:
        return {}
    before = dict(old.get("training", {}))
    stages = before.pop("previous_stages", [])
    keep = ("steps", "minutes", "exported_step", "exported_minutes", "optimiser", "loss")
    return {"previous_stages": stages + [{k: before[k] for k in keep if k in before}]}


def input_level(info, old):
    """The card's input_rms_db: the training mixtures' level train.py recorded, else the replaced card's."""
    level = info.get("input_rms_db", (old or {}).get("input_rms_db"))
    if level is None:
        return {}
    return {"input_rms_db": level,
            "input_rms_db_description": "median RMS level (dBFS) of the training mixtures; the runtime scales each "
                                        "song's input magnitudes by one factor to bring its RMS to it (masks apply to "
                                        "the song as it is)"}


def architecture(cfg, model):
    """The card's description of one U-Net of config `cfg`."""
    ch = cfg["model"]["channels"]
    return {
        "type": "U-Net (shared encoder/decoder, one 1x1 head for all 4 targets, softmax over targets)",
        "detail": f"frequency cut into {model.n_used // model.patch} bands of {model.patch} bins by a strided conv "
                  f"+ learnt band embedding; {model.levels} levels with channels {ch}, each 3x3 conv + BN + ReLU "
                  f"and a 2x2 stride-2 conv (time and frequency); bottleneck: dilated time convs "
                  f"{cfg['model']['dilations']} + a fully connected layer across frequency"
                  + (f" (dropout {cfg['model']['dropout']} on its input while training)"
                     if cfg["model"].get("dropout") else "") + "; transposed-conv "
                  f"decoder with additive skips"
                  + ("; inputs: the magnitudes of left, right, mid and side" if model.mid_side else ""),
        "parameters": M.param_count(model),
    }


def training(cfg, info, run):
    """The card's record of how one network of config `cfg` was trained; info: its weights' record, run: its
    run's checkpoint (step, elapsed)."""
    aug = dataset.augment_settings(cfg.get("augment", {}))
    return {
        "data": cfg.get("data_description", ", ".join(cfg.get("data", []))),
        "augmentation": "stems remixed across tracks (all 4 from one clip with probability {p_coherent}), random "
                        "gains +-{gain_db} dB, channel swap (p {p_swap}), random crops, resampling speed change "
                        "(pitch and tempo) +-{speed_pct:.0f}% on a fraction {p_speed} of stems, stems silenced "
                        "(p {p_silence})".format(speed_pct=100 * aug["speed_range"], **aug)
                        + ("; a random smooth equaliser per stem (three cosines over log frequency, amplitudes "
                           "up to {eq_db} dB / order) on a fraction {p_eq} of stems".format(**aug)
                           if aug["p_eq"] else ""),
        "segment_frames": cfg["segment_frames"],
        "batch": cfg["batch"],
        "optimiser": ("Adam" if not cfg.get("weight_decay") else
                      f"AdamW (weight decay {cfg['weight_decay']} on conv and linear weights)")
                     + f", lr {cfg['lr']} then exponential decay to {cfg['lr_final']} over the last "
                     f"{100 * (1 - cfg['decay_from']):.0f}% of the run"
                     + (f"; weights exported as their moving average (decay {cfg['ema_decay']} per step)"
                        if cfg.get("ema_decay") else ""),
        "loss": train.LOSSES[cfg.get("loss", "l1_magnitude")][1]
                + ("; targets drawn a share {share} of the way towards the estimates of the teacher (the model of "
                   "{teacher})".format(**cfg["distill"]) if cfg.get("distill") else ""),
        "command": reproduce_command(cfg),
        "steps": run.get("step", info.get("step")),
        "minutes": round(float(run.get("elapsed", info.get("minutes", 0) * 60)) / 60, 1),
        "hardware": "2 CPU cores shared with other jobs, torch.set_num_threads(2), PyTorch " + torch.__version__,
        "exported_step": info.get("step"),
        "exported_minutes": round(float(info.get("minutes", 0)), 1),
    }


def python_validation(info):
    """The card's validation.python block from a weights record's val_sdr, or None."""
    if "val_sdr" not in info:
        return None
    return {
        "what": "median whole-clip SDR (dB, MDX definition) over the 14 validation clips of train/splits.json, "
                "stored (lossy) mixture as input, soft masks without Wiener filtering, computed by train/train.py "
                "on the trained weights (mask exponent 1)",
        **({"step": info["step"]} if "step" in info else {}),
        **{t: round(float(v), 3) for t, v in info["val_sdr"].items()},
        "average": round(float(info["val_sdr_avg"]), 3),
    }


def make_card(cfg, model, onnx_path, info, old=None, run=None, exponent=1.0):
    """The model card; info: the exported weights' record (step, minutes, val_sdr; an ensemble's: members),
    run: the run's checkpoint, exponent: the mask exponent folded into the ONNX file's head."""
    validation = dict((old or {}).get("validation", {}))
    python = python_validation(info)
    if python:
        validation["python"] = python
    if "members" in info:
        nets = M.networks(model)
        arch = {"type": f"ensemble: the mean of the soft masks of {len(nets)} U-Nets (still summing to one)",
                "parameters": M.param_count(model),
                "members": [architecture(r["config"], n) for r, n in zip(info["members"], nets)]}
        members = [{**training(r["config"], r, r.get("run", {})), "validation": python_validation(r)}
                   for r in info["members"]]
        trained = {"data": cfg.get("data_description", members[0]["data"]), "command": reproduce_command(cfg),
                   "minutes": round(sum(t["minutes"] for t in members), 1), "members": members}
    else:
        arch = architecture(cfg, model)
        trained = {**training(cfg, info, run or {}), **previous_stages(cfg, old)}
    return {
        "name": cfg["name"],
        "version": cfg.get("version", "1.0.0"),
        "description": cfg.get("description",
                               "demix's default 4-stem separator: a U-Net mask network over the stereo magnitude STFT"),
        "targets": M.TARGETS,
        "sample_rate": 44100,
        "n_fft": M.N_FFT,
        "hop": M.HOP,
        "window": "periodic Hann; torch.stft(center=True, pad_mode='reflect', normalized=False, onesided=True)",
        "input_name": "magnitude",
        "input_shape": ["batch", len(M.input_channels(model.mid_side)), "frames", M.N_BINS],
        "input_channels": M.input_channels(model.mid_side),
        "input_description": "float32 raw |STFT| of the stereo 44.1 kHz mixture (left, right; mid = (left + right) / 2 "
                             "and side = (left - right) / 2 where input_channels names them), no scaling by the caller",
        "output_name": "masks",
        "output_shape": ["batch", len(M.TARGETS), 2, "frames", M.N_BINS],
        "output_description": "float32 soft masks, >= 0, summing to 1 over the target axis (softmax)",
        "masks_sum_to_one": True,
        "mask_exponent": exponent,
        "mask_exponent_description": "the ONNX head's logits are the trained ones times this (masks ~ m**p "
                                     "renormalised); chosen on the training clips by train/mask_exponent.py; the .pt "
                                     "holds the unscaled weights",
        "frame_multiple": model.frame_multiple,
        "chunk_frames": CHUNK_FRAMES,
        "wiener_iterations": WIENER_ITERATIONS,
        "wiener_exponent": WIENER_EXPONENT,
        **input_level(info, old),
        "normalisation": "inside the network: log1p(|X|) of bins 0..2047, minus a learnt per-bin mean, times a learnt "
                         "per-bin scale (initialised from training-mixture statistics); bin 2048 (Nyquist) takes "
                         "the mask of bin 2047",
        "architecture": arch,
        "training": trained,
        "validation": validation,
        "licence": "Weights trained on MUSDB18 (non-commercial research use only; tracks carry their own licences, "
                   "e.g. CC BY-NC-SA): the model inherits this and is for non-commercial research use only",
        "onnx_opset": OPSET,
        "exported": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "sha256": sha256_of(onnx_path),
    }


RECORD_KEYS = ("config", "step", "minutes", "val_sdr", "val_sdr_avg", "input_rms_db", "run")


def weights_record(model, info):
    """What the .pt beside the ONNX file holds: the unscaled weights and their training record (an ensemble's:
    each member's), for fine-tuning with --from and for ensembles built from it."""
    kept = {k: info[k] for k in RECORD_KEYS if k in info}
    if "members" in info:
        return {"members": [weights_record(n, r) for n, r in zip(M.networks(model), info["members"])], **kept}
    return {"model": model.state_dict(), **kept}


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--run", default=os.path.join(HERE, "runs", "demix-4s"))
    p.add_argument("--weights", help="default: <run>/best.pt")
    p.add_argument("--out", default=os.path.join(HERE, "..", "models", "demix-4s.onnx"))
    p.add_argument("--no-pt", action="store_true", help="do not write the PyTorch weights")
    p.add_argument("--mask-exponent", type=float,
                   help="scale the logits (masks ~ m**p) in the ONNX file (default: the config's mask_exponent, else 1); "
                        "choose it with train/mask_exponent.py")
    a = p.parse_args()
    torch.set_num_threads(2)
    model, info = M.load_trained(a.weights or os.path.join(a.run, "best.pt"))
    cfg = info["config"]
    exponent = a.mask_exponent if a.mask_exponent is not None else cfg.get("mask_exponent", 1.0)
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    export_onnx(M.scale_logits(copy.deepcopy(model), exponent), a.out)
    base = a.out[: -len(".onnx")]
    card_path = base + ".json"
    old = None
    if os.path.exists(card_path):
        with open(card_path) as f:
            old = json.load(f)
    run = info.get("run") or ({} if a.weights else train.run_progress(a.run))
    card = make_card(cfg, model, a.out, info, old, run, exponent)
    tmp = f"{card_path}.tmp-{os.getpid()}"
    with open(tmp, "w") as f:
        json.dump(card, f, indent=2)
        f.write("\n")
    os.replace(tmp, card_path)
    if not a.no_pt:
        save = weights_record(model, {**info, "run": run} if run else info)
        tmp = f"{base}.pt.tmp-{os.getpid()}"
        torch.save(save, tmp)
        os.replace(tmp, base + ".pt")
    print(f"wrote {a.out} ({os.path.getsize(a.out) / 1e6:.1f} MB, {card['architecture']['parameters']} parameters), "
          f"{card_path}" + ("" if a.no_pt else f", {base}.pt"))


if __name__ == "__main__":
    main()
