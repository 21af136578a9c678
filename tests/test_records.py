"""The result records (`modpred.results`): written whole, read by field, older files still read."""

from __future__ import annotations

import json

from modpred.baselines import BASELINE_MODE
from modpred.reporting.report import vqvae_lines
from modpred.results import DEFAULT_LOSS, RunFacts, Scores, VqvaeQuality

MEAN = {"lpips": 0.25, "ssim": 0.5}


def test_a_baselines_scores_leave_out_the_seed_and_decoding_a_models_record_them(tmp_path):
    common = dict(dataset="mmnist", mean=MEAN, test_sequences=3, lpips_status="ok", lpips_source="x")
    Scores(predictor="copy_last", mode=BASELINE_MODE, **common).write(tmp_path / "baseline.json")
    Scores(predictor="p", mode="m", seed=0, decode="quantize", **common).write(tmp_path / "model.json")
    Scores(predictor="p", mode="m", seed=1, **common | {"lpips_source": None}).write(tmp_path / "none.json")
    baseline = json.loads((tmp_path / "baseline.json").read_text())
    assert "seed" not in baseline and "decode" not in baseline and baseline["mean"] == MEAN
    assert json.loads((tmp_path / "model.json").read_text())["seed"] == 0
    assert json.loads((tmp_path / "none.json").read_text())["lpips_source"] is None  # not measured: said, not dropped
    assert Scores.read(tmp_path / "model.json") == Scores(predictor="p", mode="m", seed=0, decode="quantize", **common)


def test_records_from_before_a_field_existed_read_with_its_default(tmp_path):
    old_vqvae = {
        "recon_mse_per_pixel": 0.01,
        "recon_psnr": 20.0,
        "recon_ssim": 0.8,
        "perplexity": 30.0,
        "codes_used": 40,
        "codes_used_fraction": 0.625,
        "dead_codes": 24,
        "eval_frames": 100,
        "params": 1000,
    }
    (tmp_path / "vqvae.json").write_text(json.dumps(old_vqvae))
    quality = VqvaeQuality.read(tmp_path / "vqvae.json")
    assert quality.seed is None and not quality.collapsed and quality.num_codes == 64
    assert "(seed" not in vqvae_lines(quality)[0] and "40 codes in use (62%), 24 dead" in vqvae_lines(quality)[0]
    facts = {"trainable_params": 1, "frozen_vqvae_params": 0, "seconds_per_100_iters": 1.0, "peak_memory_mib": 1.0}
    facts |= {"memory_kind": "x", "device": "cpu", "iters": 4, "batch": 2, "final_loss": 0.1, "processes": 1}
    old = RunFacts.of_cell(facts | {"resumed_from_iteration": 0}, "mmnist", "p", "m")  # no identity, no loss
    assert old.loss == DEFAULT_LOSS and old.label == "p-m"
