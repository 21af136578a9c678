"""`python -m stages experiments`: test scores out of `dvc exp show --json`, a row per experiment."""

from __future__ import annotations

import pytest

from modpred.errors import UserError
from modpred.modes import MODES
from modpred.plugins import predictor_names
from modpred.reporting.experiments import experiments_table


def _entry(rev: str, name: str | None, lpips: float, skip: str = "") -> dict:
    scores = {
        f"{p}-{m}": {"lpips": lpips + i / 100, "ssim": 0.5, "mse_frame": 100.0 + i}
        for i, (p, m) in enumerate((p, m) for p in predictor_names() for m in MODES)
        if f"{p}-{m}" != skip
    }
    scores["copy_last"] = {"lpips": 0.255, "ssim": 0.648, "mse_frame": 279.6}
    metrics = {
        "metrics/scores/mmnist.json": {"data": scores},
        "metrics/runs/mmnist/predrnn-modular/seed0/live/metrics.json": {"data": {"validation": {"lpips": 0.9}}},
    }
    return {"rev": rev, "name": name, "data": {"metrics": metrics}}


def test_a_row_per_experiment_a_column_per_model_and_copy_last():
    baseline = _entry("a" * 40, "main", 0.2) | {
        "experiments": [{"revs": [_entry("b" * 40, "tctn-lr", 0.3, skip=f"{predictor_names()[0]}-base")]}]
    }
    table = experiments_table([_entry("workspace", None, 0.2), baseline], "lpips")
    lines = table.splitlines()
    assert all(len(line) <= 120 for line in lines), table  # every plug-in's two modes fit 120 columns
    assert lines[0] == "mmnist: test LPIPS, lower is better (means over seeds)"
    assert lines[1].split() == [*predictor_names(), "copy-last"]
    assert lines[2].split() == ["experiment", *list(MODES) * len(predictor_names())]
    rows = {line.split()[0]: line.split()[1:] for line in lines[3:]}
    n = len(predictor_names()) * len(MODES)
    assert rows["workspace"] == rows["main"] == [f"{0.2 + i / 100:.3f}" for i in range(n)] + ["0.255"]
    assert rows["tctn-lr"][0] == "-" and rows["tctn-lr"][1] == "0.310"  # a model it did not run; its own values
    assert "0.900" not in table  # the validation values DVCLive logs are not test scores
    mse = experiments_table([_entry("workspace", None, 0.2)], "mse_frame").splitlines()
    assert mse[0].startswith("mmnist: test MSE per frame") and mse[3].split()[1:3] == ["100.0", "101.0"]


def test_no_scores_yet_is_one_line():
    with pytest.raises(UserError, match="run `dvc repro` or `dvc exp run` first"):
        experiments_table([{"rev": "workspace", "data": {"metrics": {}}}], "lpips")
