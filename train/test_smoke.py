"""Training smoke test (about a minute of CPU at most): a tiny model trained a few dozen steps on two synthetic
multitracks (MUSDB-style wav folders) lowers its loss, resumes from its checkpoint, and exports an ONNX file
with the contract's names and shapes plus a model card; and the parts: the sampler draws a target only from
clips that have it, the complex-domain loss, the mask exponent and the weights' moving average.

Usage: /usr/bin/python3 train/test_smoke.py   (skips when torch/onnx are missing)
"""
import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
try:
    import onnx
    import torch
    from scipy.io import wavfile

    HAVE_TORCH = True
except ImportError as e:  # pragma: no cover
    HAVE_TORCH, WHY = False, str(e)

SR = 44100


def synth_clip(folder, seed, seconds=4.0):
    """Writes vocals/drums/bass/other .wav (float32 stereo) of a crude synthetic song into `folder`."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * SR)) / SR
    f0 = 220 * 2 ** (rng.integers(0, 12) / 12)
    vib = np.sin(2 * np.pi * 5 * t)
    vocals = sum(np.sin(2 * np.pi * k * f0 * (t + 0.002 * vib)) / k for k in range(1, 8)) * (np.sin(np.pi * t) ** 2)
    drums = np.zeros_like(t)
    for start in np.arange(0, seconds, 0.25):
        i = int(start * SR)
        n = min(len(t) - i, 4000)
        drums[i:i + n] += rng.standard_normal(n) * np.exp(-np.arange(n) / 600)
    bass = np.sin(2 * np.pi * (f0 / 4) * t) * 0.8
    other = sum(np.sin(2 * np.pi * f0 * r * t) for r in (1.25, 1.5, 2.0)) * 0.2
    os.makedirs(folder, exist_ok=True)
    for name, x in (("vocals", vocals), ("drums", drums), ("bass", bass), ("other", other)):
        stereo = np.stack([x, x * 0.8]).T.astype(np.float32) * 0.2
        wavfile.write(os.path.join(folder, f"{name}.wav"), SR, stereo)


def read_losses(log):
    with open(log) as f:
        return [(int(r["step"]), float(r["train_loss"])) for r in csv.DictReader(f)]


def tiny_config(**changes):
    """A training config of a tiny network for 40 steps on the two synthetic clips (files beside it: data/, splits.json)."""
    return {
        "name": "smoke", "version": "0.0.1",
        "model": {"channels": [4, 8, 8, 8, 8], "patch": 4, "dilations": [1, 2], "mid_side": True},
        "data": ["data"], "splits": "splits.json", "seed": 0,
        "segment_frames": 32, "batch": 2, "lr": 0.003, "lr_final": 0.001, "decay_from": 0.9,
        "max_steps": 40, "max_minutes": 3, "val_every": 20, "log_every": 10, "ckpt_minutes": 10,
        "augment": {"gain_db": 3.0, "p_coherent": 1.0, "p_silence": 0.0, "p_swap": 0.5, "speed_range": 0.0},
        "ema_decay": 0.9, **changes,
    }


@unittest.skipUnless(HAVE_TORCH, "PyTorch/ONNX missing: sudo apt-get install -y python3-torch python3-onnx")
class TrainSmoke(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp()
        self.data = os.path.join(self.tmp, "data")
        synth_clip(os.path.join(self.data, "Synth A - One"), 1)
        synth_clip(os.path.join(self.data, "Synth B - Two"), 2)
        with open(os.path.join(self.tmp, "splits.json"), "w") as f:
            json.dump({"train": ["Synth A - One"], "valid": ["Synth B - Two"]}, f)
        self.env = dict(os.environ, DEMIX_TRAIN_CACHE=os.path.join(self.tmp, "cache"))

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def config(self, name, cfg):
        path = os.path.join(self.tmp, f"{name}.json")
        with open(path, "w") as f:
            json.dump(cfg, f)
        return path

    def python(self, script, *args):
        r = subprocess.run([sys.executable, os.path.join(HERE, script), *args], env=self.env, capture_output=True,
                           text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        return r

    def test_train_resume_export(self):
        tmp, data = self.tmp, self.data
        config = self.config("smoke", tiny_config())
        out = os.path.join(tmp, "run")
        for extra in (["--max-steps", "30"], ["--resume"]):
            self.python("train.py", "--config", config, "--out", out, "--threads", "1", *extra)
        losses = read_losses(os.path.join(out, "log.csv"))
        self.assertEqual([s for s, _ in losses], [10, 20, 30, 40], "resume continues the step count")
        self.assertLess(losses[-1][1], 0.8 * losses[0][1], f"loss did not fall: {losses}")

        onnx_path = os.path.join(tmp, "models", "smoke.onnx")
        self.python("export.py", "--run", out, "--out", onnx_path)
        m = onnx.load(onnx_path)
        onnx.checker.check_model(m)

        def dims(v):
            return [d.dim_param or d.dim_value for d in v.type.tensor_type.shape.dim]

        self.assertEqual([i.name for i in m.graph.input], ["magnitude"])
        self.assertEqual([o.name for o in m.graph.output], ["masks"])
        self.assertEqual(dims(m.graph.input[0]), ["batch", 4, "frames", 2049])
        self.assertEqual(dims(m.graph.output[0]), ["batch", 4, 2, "frames", 2049])
        self.assertEqual(m.opset_import[0].version, 17)
        with open(os.path.join(tmp, "models", "smoke.json")) as f:
            card = json.load(f)
        self.assertEqual(card["targets"], ["vocals", "drums", "bass", "other"])
        self.assertEqual(card["frame_multiple"], 16)
        self.assertEqual(card["input_channels"], ["left", "right", "mid", "side"])
        self.assertEqual(len(card["sha256"]), 64)
        stems = [wavfile.read(os.path.join(data, "Synth A - One", f"{n}.wav"))[1] for n in ("vocals", "drums", "bass", "other")]
        level = 10 * np.log10(np.mean(np.square(sum(stems), dtype=np.float64)))  # the one training clip's mixture
        self.assertLess(abs(card["input_rms_db"] - level), 0.051, f"card level {card['input_rms_db']}, clip {level:.2f} dBFS")

        sys.path.insert(0, HERE)
        import model as M

        net, _ = M.load_trained(os.path.join(tmp, "models", "smoke.pt"))
        with torch.no_grad():
            masks = net(torch.rand(1, 4, 32, 2049) * 5)
        self.assertEqual(tuple(masks.shape), (1, 4, 2, 32, 2049))
        self.assertTrue(torch.allclose(masks.sum(1), torch.ones(1, 2, 32, 2049), atol=1e-5))
        self.assertGreaterEqual(float(masks.min()), 0.0)
        self.assertIn("moving average", card["training"]["optimiser"])

    def test_ensemble_trains_exports_and_fine_tunes(self):
        import model as M

        tmp = self.tmp
        stereo = dict(tiny_config()["model"], mid_side=False)
        self.config("net-a", tiny_config(max_steps=20, run="net-a"))
        self.config("net-b", tiny_config(max_steps=20, run="net-b", seed=1, model=stereo))
        ens = self.config("ens", {"name": "smoke", "version": "0.0.2", "run": "ens", "ensemble": ["net-a.json", "net-b.json"],
                                  "data": ["data"], "splits": "splits.json", "mask_exponent": 1.2})
        out = os.path.join(tmp, "ens-run")
        r = self.python("train.py", "--config", ens, "--out", out, "--threads", "1")
        self.assertIn("ensemble val", r.stdout)
        for run in ("net-a", "net-b"):
            self.assertTrue(os.path.exists(os.path.join(out, run, "best.pt")), run)

        onnx_path = os.path.join(tmp, "models", "ens.onnx")
        self.python("export.py", "--run", out, "--out", onnx_path)
        onnx.checker.check_model(onnx.load(onnx_path))
        with open(os.path.join(tmp, "models", "ens.json")) as f:
            card = json.load(f)
        self.assertEqual(card["input_channels"], ["left", "right", "mid", "side"])
        self.assertEqual(len(card["architecture"]["members"]), 2)
        self.assertEqual([t["steps"] for t in card["training"]["members"]], [20, 20])
        self.assertIn("ens.json", card["training"]["command"])
        self.assertIn("average", card["validation"]["python"])
        self.assertEqual(card["mask_exponent"], 1.2)

        net, _ = M.load_trained(os.path.join(tmp, "models", "ens.pt"))
        a, b = M.networks(net)
        self.assertEqual((a.mid_side, b.mid_side), (True, False))
        x = torch.rand(1, 4, 32, 2049) * 5
        with torch.no_grad():
            masks = net(x)
            self.assertTrue(torch.allclose(masks, (a(x) + b(x[:, :2])) / 2, atol=1e-6), "the mean of its networks")
        self.assertTrue(torch.allclose(masks.sum(1), torch.ones(1, 2, 32, 2049), atol=1e-5))

        # ensemble.py builds the same ensemble from the networks' weight files.
        again = os.path.join(tmp, "again")
        self.python("ensemble.py", "--config", ens, "--out", again,
                    "--members", *(os.path.join(out, run, "best.pt") for run in ("net-a", "net-b")))
        built = torch.load(os.path.join(again, "best.pt"), weights_only=False)
        trained = torch.load(os.path.join(out, "best.pt"), weights_only=False)
        for t in M.TARGETS:
            self.assertAlmostEqual(built["val_sdr"][t], trained["val_sdr"][t], places=4)
        self.assertEqual([r["run"]["step"] for r in built["members"]], [20, 20], "each run's steps, from its checkpoint")

        # Fine-tuning the ensemble fine-tunes each of its networks, keeping their architectures.
        ft = self.config("ft", tiny_config(max_steps=10))
        ft_out = os.path.join(tmp, "ft-run")
        r = self.python("train.py", "--config", ft, "--out", ft_out, "--from", os.path.join(tmp, "models", "ens.pt"),
                        "--threads", "1")
        self.assertEqual(r.stdout.count("starting from"), 2, r.stdout)
        tuned, _ = M.load_trained(os.path.join(ft_out, "best.pt"))
        self.assertEqual([n.mid_side for n in M.networks(tuned)], [True, False])
        self.assertFalse(torch.equal(M.networks(tuned)[1].head.weight, b.head.weight), "the weights were trained")


@unittest.skipUnless(HAVE_TORCH, "PyTorch missing: sudo apt-get install -y python3-torch")
class TrainingParts(unittest.TestCase):
    def setUp(self):
        sys.path.insert(0, HERE)

    def test_partial_clips_lend_only_their_audible_stems(self):
        import dataset
        import model as M

        rng = np.random.default_rng(0)
        full = rng.standard_normal((5, 2, SR)).astype(np.float32) * 0.1
        no_vocals = full.copy()
        no_vocals[1] = 0  # [mixture, vocals, drums, bass, other]: a synthetic song without a singer
        sampler = dataset.Sampler({"full": full, "instrumental": no_vocals}, 16, rng, stft=M.stft, gain_db=0.0,
                                  p_coherent=0.5, p_silence=0.0, p_swap=0.0, p_speed=0.0)
        self.assertEqual(sampler.pools[0], [0])
        self.assertEqual(sampler.pools[1], [0, 1])
        self.assertEqual(sampler.complete, [0])
        for _ in range(40):
            self.assertGreater(float(sampler.example()[0].abs().sum()), 0, "vocals drawn from the clip without them")

    def test_splits_name_the_validation_clips_and_those_left_out(self):
        import train

        clips = {name: i for i, name in enumerate(["A - 1", "A - 2", "B - 1", "C - 1"])}
        tr, va = train.split_clips(clips, {"train": ["A - 1", "A - 2", "B - 1"], "valid": ["C - 1"]})
        self.assertEqual((sorted(tr), sorted(va)), (["A - 1", "A - 2", "B - 1"], ["C - 1"]))
        tr, va = train.split_clips(clips, {"valid": ["C - 1"], "left_out": ["A - 1", "A - 2"]})
        self.assertEqual((sorted(tr), sorted(va)), (["B - 1"], ["C - 1"]))

    def test_smaller_training_sets_leave_out_whole_artists(self):
        import make_splits

        base = {"source": "x", "seed": 4, "valid": ["V - 1"],
                "train": ["A - 1", "A - 2", "A - 3", "B - 1", "C - 1", "C - 2", "D - 1", "E - 1"]}
        for keep in (6, 4, 2):
            s = make_splits.subset(base, keep, seed=7)
            self.assertEqual(len(s["train"]), keep)
            self.assertEqual(s["valid"], ["V - 1"])
            self.assertEqual(sorted(s["train"] + s["left_out"]), sorted(base["train"]))
            kept = {make_splits.artist_of(c) for c in s["train"]}
            self.assertFalse(kept & {make_splits.artist_of(c) for c in s["left_out"]}, "an artist split in two")
        with self.assertRaises(SystemExit):
            make_splits.subset({**base, "train": ["A - 1", "A - 2", "A - 3"]}, 1, seed=7)

    def test_data_scaling_fits_db_per_doubling(self):
        import data_scaling

        a, b = data_scaling.fit_line([2, 3, 4, 5], [1.0, 1.5, 2.0, 2.5])  # 0.5 dB per doubling
        self.assertAlmostEqual(a, 0.0)
        self.assertAlmostEqual(b, 0.5)
        self.assertAlmostEqual(data_scaling.data_multiple(1.5, 0.5), 8.0)
        self.assertEqual(data_scaling.data_multiple(1.5, -0.1), float("inf"))
        with tempfile.TemporaryDirectory() as d:
            log = os.path.join(d, "log.csv")
            with open(log, "w", newline="") as f:
                w = csv.writer(f)
                w.writerow(["step"] + [f"val_sdr_{k}" for k in data_scaling.FIELDS])
                w.writerow([100, 1, 1, 1, 1, 1.0])
                w.writerow([110, "", "", "", "", ""])
                w.writerow([200, 2, 3, 2, 1, 2.0])
                w.writerow([300, 1, 1, 1, 1, 1.5])
            scores, step = data_scaling.best_scores(log)
            self.assertEqual((step, scores["drums"], scores["avg"]), (200, 3.0, 2.0))

    def test_stacked_stems_sum_two_clips(self):
        import dataset
        import model as M

        t = np.arange(SR) / SR
        clips = {}
        for name, hz in (("a", 430.7), ("b", 861.3)):  # bins 40 and 80 of n_fft 4096
            c = np.random.default_rng(3).standard_normal((5, 2, SR)).astype(np.float32) * 0.01
            c[1] = np.sin(2 * np.pi * hz * t).astype(np.float32)  # the vocals: one sine per clip
            clips[name] = c
        plain = dict(gain_db=0.0, p_coherent=0.0, p_silence=0.0, p_swap=0.0, p_speed=0.0)
        for p, both in ((1.0, True), (0.0, False)):
            sampler = dataset.Sampler(clips, 16, np.random.default_rng(4), stft=M.stft, **plain,
                                      p_stack=[p, 0.0, 0.0, 0.0], stack_db=6.0)
            for _ in range(10):
                power = sampler.example()[0].abs().pow(2).mean(dim=(0, 1))  # vocals: [bins]
                loud = [float(power[k]) > 0.01 * float(power.max()) for k in (40, 80)]
                self.assertEqual(all(loud), both, f"p_stack {p}: sines present {loud}")
        with self.assertRaises(ValueError):
            dataset.Sampler(clips, 16, np.random.default_rng(4), stft=M.stft, p_stack=[0.5])

    def test_equaliser_is_a_smooth_bounded_gain_per_stem(self):
        import dataset
        import model as M

        rng = np.random.default_rng(1)
        clip = rng.standard_normal((5, 2, SR)).astype(np.float32) * 0.1
        plain = dict(gain_db=0.0, p_coherent=1.0, p_silence=0.0, p_swap=0.0, p_speed=0.0)
        ref = dataset.Sampler({"c": clip}, 16, np.random.default_rng(2), stft=M.stft, **plain).example()
        eq = dataset.Sampler({"c": clip}, 16, np.random.default_rng(2), stft=M.stft, **plain, eq_db=3.0,
                             p_eq=1.0).example()
        gain = (eq.abs() / ref.abs().clamp(min=1e-12))  # [4, 2, frames, bins]: one real gain per stem and bin
        curve = gain[:, 0, 0]
        self.assertTrue(torch.allclose(gain, curve[:, None, None, :].expand_as(gain), rtol=1e-3))
        db = 20 * torch.log10(curve)
        self.assertLess(float(db.abs().max()), 3.0 * (1 + 1 / 2 + 1 / 3) + 1e-3)
        self.assertGreater(float(db.std(dim=1).min()), 0.05, "a stem left unequalised")
        # smooth over log frequency: above bin 16, neighbouring bins differ by well under a quarter of a dB
        self.assertLess(float((db[:, 17:] - db[:, 16:-1]).abs().max()), 0.25, "the curve is not smooth")
        self.assertFalse(torch.allclose(curve[0], curve[1]), "stems share one curve")

    def test_weight_decay_spares_normalisation_and_embeddings(self):
        import model as M
        import train

        net = M.build_model({"channels": [4, 8, 8, 8, 8], "patch": 4, "dilations": [1]})
        opt = train.optimiser(net, {"lr": 1e-3, "weight_decay": 0.1})
        decayed = {id(p) for g in opt.param_groups if g["weight_decay"] > 0 for p in g["params"]}
        names = {n for n, p in net.named_parameters() if id(p) in decayed}
        self.assertIn("head.weight", names)
        self.assertTrue(names.isdisjoint({"in_mean", "in_scale", "band_emb", "head.bias"}))
        self.assertEqual(len(opt.param_groups[0]["params"]) + len(opt.param_groups[1]["params"]),
                         len(list(net.parameters())))
        self.assertIsInstance(train.optimiser(net, {"lr": 1e-3}), torch.optim.Adam)

    def test_mid_side_inputs_are_magnitudes_of_the_sum_and_difference(self):
        import model as M

        X = torch.tensor([[[3 + 4j, 1, 2j]], [[3 + 4j, -1, 0]]], dtype=torch.complex64)  # [2 channels, 1 frame, 3 bins]
        plain = M.build_model({"channels": [4, 8, 8, 8, 8], "dilations": [1]})
        self.assertTrue(torch.equal(M.input_magnitudes(plain, X), X.abs()))
        ms = M.input_magnitudes(M.build_model({"channels": [4, 8, 8, 8, 8], "dilations": [1], "mid_side": True}), X)
        want = torch.tensor([[5, 1, 2], [5, 1, 0], [5, 0, 1], [0, 1, 1]], dtype=torch.float32)[:, None]
        self.assertTrue(torch.allclose(ms, want))

    def test_complex_mse_and_distilled_targets(self):
        import train

        class FixedMasks:
            mid_side = False

            def __init__(self, masks):
                self.masks = masks

            def __call__(self, mag):
                return self.masks

        stems = torch.zeros(1, 4, 2, 8, 2049, dtype=torch.complex64)
        stems[0, 2] = torch.randn(2, 8, 2049, dtype=torch.complex64)  # only the bass plays
        one_hot = torch.zeros(1, 4, 2, 8, 2049)
        one_hot[0, 2] = 1
        self.assertAlmostEqual(float(train.complex_mse_loss(FixedMasks(one_hot), stems)), 0.0, places=6)
        uniform = torch.full((1, 4, 2, 8, 2049), 0.25)
        # bass: (0.25 - 1)^2, three silent targets: 0.25^2 each, relative to the mixture's energy
        self.assertAlmostEqual(float(train.complex_mse_loss(FixedMasks(uniform), stems)), 0.75, places=4)

        # Distillation: targets halfway to a teacher's estimates (here uniform masks) still sum to the mixture.
        stems[0, 0] = torch.randn(2, 8, 2049, dtype=torch.complex64)
        mix = stems.sum(1, keepdim=True)
        half = train.distilled(FixedMasks(uniform), stems, 0.5)
        self.assertTrue(torch.allclose(half, 0.5 * stems + 0.125 * mix, atol=1e-5))
        self.assertTrue(torch.allclose(half.sum(1, keepdim=True), mix, atol=1e-4))
        self.assertTrue(torch.equal(train.distilled(FixedMasks(uniform), stems, 0.0), stems))

    def test_scaled_logits_are_renormalised_mask_powers(self):
        import model as M

        torch.manual_seed(0)
        net = M.build_model({"channels": [4, 8, 8, 8, 8], "patch": 4, "dilations": [1]}).eval()
        with torch.no_grad():
            net.head.bias.normal_()  # a freshly built head is near zero: give the masks some contrast
            mag = torch.rand(1, 2, 16, 2049) * 5
            m = net(mag)
            soft = M.scale_logits(net, 0.5)(mag)
        want = m.sqrt() / m.sqrt().sum(1, keepdim=True)
        self.assertTrue(torch.allclose(soft, want, atol=1e-5))
        self.assertLess(float(soft.max()), float(m.max()))

    def test_ema_averages_parameters_and_copies_counters(self):
        import train

        net = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.BatchNorm1d(2))
        ema = train.Ema(net, 0.75)
        before = net[0].weight.detach().clone()
        with torch.no_grad():
            net[0].weight.add_(1.0)
        net[1].num_batches_tracked += 3
        ema.update(net)
        self.assertTrue(torch.allclose(ema.state["0.weight"], before + 0.25))
        self.assertEqual(int(ema.state["1.num_batches_tracked"]), 3)


if __name__ == "__main__":
    if not HAVE_TORCH:
        print(f"SKIP train smoke test: {WHY}")
    unittest.main()
