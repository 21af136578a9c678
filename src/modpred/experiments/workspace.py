"""Run a DVC experiment in the workspace, keep a copy of its records, and put the committed default back.

The replicates run and Table III's long base runs are each a few `dvc exp run` in the workspace
(not the queue: one training at a time, and DVC's run cache restores every cell the experiment
shares with an earlier one). Each experiment's `metrics/runs/` and params are copied to a folder
of its own, which the analysis reads; the workspace is then the committed default again.
"""

from __future__ import annotations

import os
import platform
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

import yaml

from modpred import paths
from modpred.cell import cells
from modpred.profiles import set_param_flags


def sh(*args: str) -> None:
    print("+", " ".join(args), flush=True)
    subprocess.run(args, check=True)


def cpu() -> str:
    """The CPU's model name and core count, for every figure these runs produce."""
    info = Path("/proc/cpuinfo")
    names = [line.split(":", 1)[1].strip() for line in info.read_text().splitlines() if line.startswith("model name")]
    return f"{names[0] if names else platform.machine()}, {os.cpu_count()} cores"


def run_experiment(name: str, overrides: dict[str, object], folder: Path, fanout: str = "") -> dict[str, object]:
    """`dvc exp run -n NAME -S ...` in the workspace (with `fanout`, e.g. "--gpus 0,1,2,3": its cells
    fanned out first by `stages fanout`, which ends in that `dvc exp run`); the cells it trained (and
    its params.yaml) copied into `folder`, where cells of earlier experiments that this one did not train stay."""
    start = time.monotonic()
    if fanout:
        sh(sys.executable, "-m", "stages", "fanout", *shlex.split(fanout), "--exp", name, *set_param_flags(overrides))
    else:
        sh("dvc", "exp", "run", "-n", name, *set_param_flags(overrides))
    wall = time.monotonic() - start
    staged = folder.with_name(folder.name + ".new")
    shutil.rmtree(staged, ignore_errors=True)
    shutil.copytree(paths.RUNS, staged / paths.RUNS)
    shutil.copy("params.yaml", staged / "params.yaml")
    keep_only_its_cells(staged)
    merge_into(staged, folder)
    return {"experiment": name, "overrides": overrides, "wall_seconds": round(wall, 1), "cpu": cpu()}


def merge_into(staged: Path, folder: Path) -> None:
    """Move every file of `staged` into `folder`; a cell (a `seed<k>` folder) is replaced whole, so
    none keeps files of an older training. Same-seed VQ-VAE records are the same model on one machine."""
    for path in sorted(staged.rglob("*")):
        target = folder / path.relative_to(staged)
        if path.is_dir() and path.name.startswith("seed") and target.is_dir():
            shutil.rmtree(target)
        elif path.is_file():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(path, target)
    shutil.rmtree(staged)


def keep_only_its_cells(folder: Path) -> None:
    """Remove from a copied run the cells its params do not train: an experiment that drops a
    predictor leaves that predictor's records of the workspace behind, which are no result of it."""
    params = yaml.safe_load((folder / "params.yaml").read_text())
    runs = {cell.run_dir for cell in cells(params)}
    for ds in params["datasets"]:
        for run in (folder / paths.RUNS / ds).glob("*/seed*"):
            if run.relative_to(folder) not in runs:
                shutil.rmtree(run)
        for model in (folder / paths.RUNS / ds).iterdir():
            if model.is_dir() and not any(model.iterdir()):
                model.rmdir()


def restore_default() -> None:
    """The committed default back in the workspace: params, lock and records from git, data from DVC's cache."""
    records = [paths.RUNS, paths.METRICS / "scores", paths.METRICS / "figures", paths.PLOTS, paths.REPORT]
    # from HEAD, not the index: a killed `dvc exp run` leaves its params staged
    sh("git", "checkout", "HEAD", "--", "params.yaml", "dvc.lock", *(str(path) for path in records))
    sh("git", "checkout", "HEAD", "--", str(paths.DATA))  # the .gitignore files DVC extended with other seeds' outputs
    sh("git", "clean", "-fdq", "--", *(str(path) for path in records))  # what the experiment added (other seeds)
    kept = {paths.seed_dir(s) for s in yaml.safe_load(Path("params.yaml").read_text())["seeds"]}
    for seed in paths.DATA.glob("*/models/*/seed*"):  # the experiment's other seeds: figures hash the whole folder
        if seed.name not in kept:
            shutil.rmtree(seed)
    sh("dvc", "checkout", "--force")
