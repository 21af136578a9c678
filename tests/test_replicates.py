"""Replicate seeds: the verdict rule, the seed axis of the DAG (real DVC), and the replicates run."""

from __future__ import annotations

import hashlib
import json
import re

import numpy as np
import pytest
import yaml

from modpred.experiments.workspace import merge_into
from modpred.modes import MODES
from modpred.reporting.verdicts import compare, seed_spread_share
from tests.helpers import clone_run, one_predictor_run, run

RNG = np.random.default_rng(0)
SEQUENCES = 200


def _scores(mean: float, sd: float = 0.05) -> np.ndarray:
    return mean + sd * RNG.standard_normal(SEQUENCES)


def _replicate(shift: float, noise: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A model scoring `shift` above a reference on every sequence, up to per-sequence noise."""
    reference = _scores(0.25)
    return reference + shift + noise, reference


def test_every_replicate_beyond_its_noise_is_better_and_the_interval_holds_them_all():
    pairs = [_replicate(shift, 0.01 * RNG.standard_normal(SEQUENCES)) for shift in (-0.05, -0.04, -0.06)]
    v = compare("lpips", pairs)
    assert v.word == "better" and v.replicates == 3
    assert v.low <= min(v.replicate_means) and v.high >= max(v.replicate_means) and v.high < 0
    assert v.sd == pytest.approx(np.std(v.replicate_means, ddof=1))
    assert compare("ssim", pairs).word == "worse"  # the same numbers, a metric where higher is better


def test_a_difference_inside_the_seed_spread_is_a_tie_though_each_seed_alone_is_decisive():
    # two seeds clearly better, one clearly worse: each seed's own interval excludes zero, the mean is
    # negative, and a yes/no from the mean would say "better"
    pairs = [_replicate(shift, 0.005 * RNG.standard_normal(SEQUENCES)) for shift in (-0.03, -0.02, +0.02)]
    singles = [compare("lpips", [pair]).word for pair in pairs]
    assert singles == ["better", "better", "worse"]
    v = compare("lpips", pairs)
    assert v.mean < 0 and v.word == "tie"


def test_one_seed_says_its_training_spread_is_unmeasured():
    v = compare("mse_frame", [_replicate(-5.0, RNG.standard_normal(SEQUENCES))])
    assert v.sd is None and v.word == "better"
    assert "training spread unmeasured" in v.text() and v.difference().count("±") == 0


def test_the_spread_splits_into_the_vqvae_seed_and_the_predictor_seed():
    # three VQ-VAE seeds 0.02 apart, predictor seeds within each 0.001 apart: the VQ-VAE dominates
    grid = {(vq, s): 0.25 + 0.02 * vq + 0.001 * s for vq in range(3) for s in range(3)}
    vq_sd, seed_sd, share = seed_spread_share(grid)
    assert vq_sd == pytest.approx(0.02) and seed_sd == pytest.approx(0.001)
    assert share == pytest.approx(0.02**2 / (0.02**2 + 0.001**2)) and share > 0.99
    assert seed_spread_share({(0, s): 0.2 + 0.01 * s for s in range(3)})[2] is None  # one VQ-VAE seed


def _ran(stdout: str) -> set[str]:
    return set(re.findall(r"Running stage '([^']+)'", stdout))


def _sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.slow
def test_a_second_seed_trains_only_its_own_cells_and_the_summary_has_two_replicates(tiny_run, tmp_path):
    project = clone_run(tiny_run[0], tmp_path / "proj")
    params = yaml.safe_load((project / "params.yaml").read_text())
    params["seeds"] = [0, 1]
    (project / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))

    seed1 = {f"{k}@mmnist-{p}-{m}-1" for k in ("train", "evaluate") for p in params["predictors"] for m in MODES}
    assert _ran(run(["dvc", "repro"], project).stdout) == seed1 | {"scores@mmnist", "figures@mmnist", "report"}

    for p in params["predictors"]:
        for m in MODES:  # the same cell, two trainings: different initial weights and batches
            models = [project / f"data/mmnist/models/{p}-{m}/seed{s}/model.pt" for s in (0, 1)]
            assert _sha(models[0]) != _sha(models[1]), (p, m)
            facts = [
                json.loads((project / f"metrics/runs/mmnist/{p}-{m}/seed{s}/train.json").read_text()) for s in (0, 1)
            ]
            assert [f["seed"] for f in facts] == [0, 1]
    scores = json.loads((project / "metrics/scores/mmnist.json").read_text())
    assert all(scores[f"{p}-{m}"]["seeds"] == 2 for p in params["predictors"] for m in MODES)
    report = (project / "metrics/report.md").read_text()
    assert "Replicates per comparison: 2 (training spread included)" in report
    verdicts = report.split("### Verdicts")[1].split("###")[0]
    for p in params["predictors"]:
        assert re.search(rf"\| {p} +\| modular − base +\| 2 +\| [+-]\d\.\d{{3}} ± \d\.\d{{3}} \[", verdicts), p
    assert "replicate seeds 0, 1" in report
    assert _ran(run(["dvc", "repro"], project).stdout) == set()


@pytest.mark.slow
def test_the_replicates_run_varies_the_vqvae_seed_reads_base_cells_once_and_restores_the_workspace(tiny_run, tmp_path):
    project, one = one_predictor_run(tiny_run[0], tmp_path / "proj", ("replicates.py",))
    committed = (project / "params.yaml").read_text()

    proc = run(["python", "bench/replicates.py", "run", "--vqvae-seeds", "0,1", "--seeds", "0,1"], project)
    first, second = proc.stdout.split("+ dvc exp run -n replicates-vqvae1", 1)
    assert {f"train@mmnist-{one}-base-1", f"train@mmnist-{one}-modular-1"} <= _ran(first)
    assert "pretrain_vqvae@mmnist" in _ran(second)  # a new VQ-VAE and its modular cells; base cells kept
    assert not any(name.startswith(f"train@mmnist-{one}-base") for name in _ran(second))
    out = project / "metrics/experiments/replicates"
    report = (out / "report.md").read_text()
    quality = report.split("### Prediction quality")[1].split("###")[0]
    assert re.search(rf"\| {one}-base +\|.*\| +2 \|$", quality, re.M)  # two predictor seeds, read once
    assert re.search(rf"\| {one}-modular +\|.*\| +4 \|$", quality, re.M)  # two VQ-VAE seeds x two seeds
    spread = report.split("### Spread over replicates")[1].split("###")[0]
    assert re.search(rf"\| {one}-modular +\| 4 +\| 2 +\| 2 +\|", spread)
    assert "VQ-VAE seed's share of the variance" in spread
    runs = json.loads((out / "runs.json").read_text())
    assert sorted(runs) == ["0", "1"] and all(r["wall_seconds"] > 0 for rs in runs.values() for r in rs)
    assert (out / "replicates_mmnist.png").stat().st_size > 10_000
    # the workspace is the committed default again
    assert (project / "params.yaml").read_text() == committed
    assert json.loads(run(["dvc", "status", "--json"], project).stdout) == {}
    assert not (project / f"metrics/runs/mmnist/{one}-modular/seed1").exists()  # nothing of the experiments left


def test_a_later_experiment_replaces_its_own_cells_and_keeps_the_others(tmp_path):
    """Two replicates experiments of one VQ-VAE seed (PredRNN, then TCTN) share one folder."""
    folder, staged = tmp_path / "vqvae-seed0", tmp_path / "vqvae-seed0.new"
    for root, cell, files in (
        (folder, "predrnn-modular/seed0", ("eval.json",)),
        (folder, "tctn-modular/seed0", ("eval.json", "stale.csv")),
        (staged, "tctn-modular/seed0", ("eval.json",)),
    ):
        for name in files:
            path = root / "metrics/runs/mmnist" / cell / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(f"{root.name} {cell}")
    (staged / "params.yaml").write_text("predictors: [tctn]\n")

    merge_into(staged, folder)

    runs = folder / "metrics/runs/mmnist"
    assert (runs / "predrnn-modular/seed0/eval.json").read_text() == "vqvae-seed0 predrnn-modular/seed0"
    assert (runs / "tctn-modular/seed0/eval.json").read_text() == "vqvae-seed0.new tctn-modular/seed0"
    assert not (runs / "tctn-modular/seed0/stale.csv").exists()  # a cell is replaced whole
    assert (folder / "params.yaml").read_text() == "predictors: [tctn]\n" and not staged.exists()
