"""The sweep's DVC side: queue each grid point as an experiment, run the queue one job at a time, and
collect one row per retrained model from each experiment's commit (`bench/sweep.py` is the command)."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import yaml

from modpred import paths
from modpred.cell import Cell
from modpred.metrics import HEADLINE, LPIPS_KEYS
from modpred.profiles import set_param_flags
from modpred.results import RunFacts, Scores

OUT = Path("metrics/sweep")  # where the tables and the figure go (--out)
PREFIX = "sweep-"
METRIC_COLUMNS = tuple(dict.fromkeys((*LPIPS_KEYS, *HEADLINE)))  # lpips, lpips_published, ssim, mse_frame


def overrides_text(overrides: dict) -> str:
    """A point's overrides as the `-S` values DVC was given: `key=value ...`."""
    return " ".join(set_param_flags(overrides)[1::2])


def _sh(*args: str, env: dict[str, str] | None = None) -> str:
    """A command's stdout; when it fails, its stderr (DVC's reason) is printed before the error."""
    proc = subprocess.run(args, capture_output=True, text=True, env=env)
    if proc.returncode:
        print(proc.stderr, end="")
        proc.check_returncode()
    return proc.stdout


def queue_and_run(grid: dict[str, dict], fanout: str = "") -> None:
    """Every point of `grid` as a DVC experiment: queued and run one at a time, or (with `fanout`,
    options of `stages fanout` such as "--gpus 0,1,2,3") one after another, each point's cells fanned out."""
    if fanout:  # in the workspace, each point from the committed params (as a queued one starts), put back after
        from modpred.experiments.workspace import restore_default

        try:
            for name, overrides in grid.items():
                restore_default()
                args = ["fanout", *shlex.split(fanout), "--exp", f"{PREFIX}{name}", *set_param_flags(overrides)]
                _sh(sys.executable, "-m", "stages", *args)
        finally:
            restore_default()
        return
    for name, overrides in grid.items():
        _sh("dvc", "exp", "run", "--queue", "-n", f"{PREFIX}{name}", *set_param_flags(overrides))
    env = {**os.environ, "PYTHONPATH": "src"}  # each experiment runs the code of its own copy
    _sh("dvc", "queue", "start", "--jobs", "1", env=env)  # one at a time: two trainings on 2 cores slow each other ~8x
    while any(word in (status := _sh("dvc", "queue", "status")) for word in ("Queued", "Running")):
        time.sleep(10)
    if "Failed" in status:
        print(status)  # `dvc queue logs <name>` shows why; collect() tabulates the points that succeeded


def _cells(rev: str) -> list[tuple[str, str, str]]:
    """The train cells of the experiment at `rev`: (dataset, predictor, mode) of its params."""
    params = yaml.safe_load(_sh("git", "show", f"{rev}:params.yaml"))
    return [(ds, p, m) for ds in params["datasets"] for p in params["predictors"] for m in params["modes"]]


def _show(rev: str, path: Path) -> str:
    return _sh("git", "show", f"{rev}:{path.as_posix()}")


def _run_dir(rev: str, ds: str, p: str, m: str) -> Path:
    """A cell's metrics folder at `rev`: its first seed's; a commit from before the seed axis had one folder."""
    params = yaml.safe_load(_show(rev, Path("params.yaml")))
    if "seeds" not in params:
        return Cell(ds, p, m).run_dir.parent
    return Cell(ds, p, m, params["seeds"][0]).run_dir


def _facts(rev: str, cell: tuple[str, str, str]) -> tuple[str, RunFacts]:
    """train.json of a cell at `rev` (its text, to tell a retrained cell, and its fields)."""
    ds, p, m = cell
    text = _show(rev, _run_dir(rev, ds, p, m) / paths.TRAIN_JSON)
    return text, RunFacts.of_cell(json.loads(text), ds, p, m)


def _rows(
    rev: str, experiment: str, overrides: dict, default: dict[tuple[str, str, str], str] | None = None
) -> list[dict]:
    """One row per model of the experiment at `rev`, read from its commit; with `default` (cell ->
    the default's train.json text), only the cells the experiment retrained: a retrained cell's
    train.json differs (its measured timing at least), even where it kept the default's weights."""
    rows = []
    for cell in _cells(rev):
        text, facts = _facts(rev, cell)
        if default is not None and default.get(cell) == text:
            continue  # not retrained by this experiment: it is the default's point
        scores = Scores.from_dict(json.loads(_show(rev, _run_dir(rev, *cell) / paths.EVAL_JSON)))
        rows.append(
            {
                "experiment": experiment,
                "overrides": overrides_text(overrides),
                "dataset": facts.dataset,
                "model": facts.label,
                "predictor": facts.predictor,
                "mode": facts.mode,
                **{k: scores.mean[k] for k in METRIC_COLUMNS},
                "train_seconds": facts.train_seconds,
                "iters": facts.iters,
                "kept_iteration": facts.selected_iteration,
            }
        )
    return rows


def collect(grid: dict[str, dict], out: Path = OUT) -> pd.DataFrame:
    """The sweep's baseline commit (the default run the points were queued on) and every sweep
    experiment derived from it, as one long table."""
    shown = json.loads(_sh("dvc", "exp", "show", "--json", "--all-commits"))
    found = []  # (baseline rev, [(experiment name, rev)])
    for baseline in shown:
        points = [
            (rev["name"][len(PREFIX) :], rev["rev"])
            for exp in baseline.get("experiments") or []
            for rev in exp.get("revs", [])
            if (rev.get("name") or "").startswith(PREFIX) and rev["name"][len(PREFIX) :] in grid
        ]
        if points:
            found.append((baseline["rev"], points))
    if not found:
        raise SystemExit("no sweep experiments: run `python bench/sweep.py run` first")
    base_rev, points = max(found, key=lambda f: len(f[1]))  # the commit most points were queued on
    rows = _rows(base_rev, "default", {})
    default = {cell: _facts(base_rev, cell)[0] for cell in _cells(base_rev)}
    for name, rev in points:
        rows += _rows(rev, name, grid[name], default)
    table = pd.DataFrame(rows)
    table.insert(0, "baseline_commit", base_rev[:7])
    out.mkdir(parents=True, exist_ok=True)
    table.to_csv(out / "sweep.csv", index=False, float_format="%.5g")
    return table
