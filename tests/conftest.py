"""Shared fixtures: tiny params that exercise every stage in seconds."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent


def tiny_params() -> dict:
    """The project's params.yaml shrunk to seconds: same keys, tiny sizes."""
    params = yaml.safe_load((ROOT / "params.yaml").read_text())
    p = copy.deepcopy(params)
    p["data"]["mmnist"].update(num_train=24, num_test=6)
    p["vqvae"]["model"].update(hidden=16, res_hidden=8, num_codes=16, code_dim=8)
    p["vqvae"]["train"].update(iters=15, batch=16, eval_frames=40)
    p["latents"].update(seqs_per_shard=10, batch=8)
    p["train"]["predrnn"]["model"].update(layers=1, hidden=8)
    p["train"]["predrnn"].update(iters=4, batch=2, sampling_stop_iter=2, log_every=2, val_sequences=4, val_every=2)
    p["train"]["tctn"]["model"].update(layers=1, hidden=8, heads=2)
    p["train"]["tctn"].update(iters=4, batch=2, log_every=2, val_sequences=4, val_every=2)
    p["train"]["convlstm"]["model"].update(layers=1, hidden=8)
    p["train"]["convlstm"].update(iters=4, batch=2, sampling_stop_iter=2, log_every=2, val_sequences=4, val_every=2)
    p["train"]["simvp"]["model"].update(spatial_hidden=4, spatial_layers=2, temporal_hidden=8, temporal_layers=2)
    p["train"]["simvp"].update(iters=4, batch=2, log_every=2, val_sequences=4, val_every=2)
    p["predictors"] = ["predrnn", "tctn", "convlstm", "simvp"]  # every predictor, both modes, end to end
    p["evaluate"]["batch"] = 4
    return p


@pytest.fixture
def params_file(tmp_path: Path) -> Path:
    path = tmp_path / "params.yaml"
    path.write_text(yaml.safe_dump(tiny_params(), sort_keys=False))
    return path


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory):
    """One real `dvc repro` of the whole DAG on tiny params, committed; tests copy it, never change it.

    Returns (project folder, stdout of the repro, path of the params audit log).
    """
    from tests.helpers import commit, copy_project, run

    base = tmp_path_factory.mktemp("tiny_run")
    project = copy_project(base / "proj")
    (project / "params.yaml").write_text(yaml.safe_dump(tiny_params(), sort_keys=False))
    audit = base / "audit.tsv"
    proc = run(["dvc", "repro"], project, extra_env={"MODPRED_PARAMS_AUDIT": str(audit)})
    commit(project, "first run")
    return project, proc.stdout, audit
