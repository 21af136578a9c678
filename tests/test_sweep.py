"""The recipe sweep (bench/sweep.py): grid points queued as DVC experiments, then one table, a trend fit
and a figure, with only the cells each point retrained."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

from modpred.modes import BASE, MODES, MODULAR
from modpred.plugins import predictor_names
from tests.helpers import ROOT, clone_run, commit, run

GRID = """\
tctn-lr: {train.tctn.lr: 0.0005}
tctn-8it: {train.tctn.iters: 8}
tctn-12it: {train.tctn.iters: 12}
"""


@pytest.mark.slow
def test_the_sweep_queues_its_points_and_tabulates_what_each_retrained(tiny_run, tmp_path):
    project = clone_run(tiny_run[0], tmp_path / "proj")
    (project / "bench").mkdir()
    for script in ("sweep.py", "sweep_analysis.py"):
        shutil.copy2(ROOT / "bench" / script, project / "bench" / script)
    (project / "bench" / "sweep.yaml").write_text(GRID)
    commit(project, "sweep grid")

    run(["python", "bench/sweep.py", "run"], project)

    table = pd.read_csv(project / "metrics/sweep/sweep.csv")
    cells = sorted(f"{p}-{m}" for p in predictor_names() for m in MODES)
    assert sorted(table[table.experiment == "default"].model) == cells  # the baseline commit, every model
    for point in ("tctn-lr", "tctn-8it", "tctn-12it"):  # a point lists only the cells it retrained
        assert sorted(table[table.experiment == point].model) == ["tctn-base", "tctn-modular"]
    assert table[table.experiment == "tctn-12it"].iters.tolist() == [12, 12]
    assert table[table.experiment == "tctn-lr"].overrides.tolist() == ["train.tctn.lr=0.0005"] * 2
    assert table.lpips.between(0, 1).all() and (table.train_seconds > 0).all()

    trend = pd.read_csv(project / "metrics/sweep/trend.csv")  # default, 8 and 12 iterations: one fit each
    assert sorted(trend.model) == ["tctn-base", "tctn-modular"] and (trend.points == 3).all()
    assert (project / "metrics/sweep/sweep.png").stat().st_size > 10_000

    (project / "metrics/sweep/sweep.png").unlink()
    run(["python", "bench/sweep.py", "plot"], project)  # a fresh clone redraws it from the committed CSV
    assert (project / "metrics/sweep/sweep.png").stat().st_size > 10_000


def test_a_recipe_is_the_params_dvc_yaml_says_the_models_stages_read():
    """Issue 29: which overrides make a recipe comes from dvc.yaml's params lists and the DAG, not a copy."""
    import sys

    import yaml

    sys.path.insert(0, str(ROOT / "bench"))
    from sweep_analysis import Recipes, params_read_by

    dvc_yaml = yaml.safe_load((ROOT / "dvc.yaml").read_text())
    name = predictor_names()[0]
    base = params_read_by(dvc_yaml, "mmnist", name, BASE.name)
    modular = params_read_by(dvc_yaml, "mmnist", name, MODULAR.name)
    assert {f"train.{name}", "evaluate", "data.mmnist"} <= base
    assert not any(key.startswith(("vqvae", "latents")) for key in base)  # a pixel model reads no VQ-VAE key
    assert modular - base == {"vqvae.model", "vqvae.train", "data.mmnist.vqvae", "latents"}
    recipe = Recipes(dvc_yaml, "mmnist")
    overrides = {"vqvae.model.downsample": 8, f"train.{name}.lr": 0.01, f"train.{name}.iters": 9, "modes": ["base"]}
    assert recipe(overrides, name, BASE.name) == f"train.{name}.lr=0.01"  # length and choice keys left out
    assert recipe(overrides, name, MODULAR.name) == f"train.{name}.lr=0.01 vqvae.model.downsample=8"
