"""Shared fixtures: tiny params that exercise every stage in seconds."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.helpers import tiny_params


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
