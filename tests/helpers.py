"""Running the project's commands the way a user does: subprocesses in a project folder."""

from __future__ import annotations

import copy
import gzip
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import yaml

from modpred.plugins import predictor_names

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PROJECT_FILES = (
    "dvc.yaml",
    "params.yaml",
    "pyproject.toml",
    ".dvcignore",
    ".gitignore",
    "stages",
    "src",
    "profiles",  # `python -m stages profile` reads them (the experiment lines of the README)
    ".dvc/config",
    ".dvc/plots",  # the by_model chart template and the offline page template (written by the set-up)
)


HOOKS = ROOT / "tests" / "hooks"  # sitecustomize.py: the test-only audit and fault-injection hooks


def env(cwd: Path | None = None) -> dict:
    """The environment a user's shell would have, plus the test hooks; the project's own `src` first.

    modpred is installed in editable mode from this checkout, so a copied project puts its own
    `src` ahead of it: the code under test is the copy's.
    """
    e = dict(os.environ)
    e["PATH"] = f"{BIN}{os.pathsep}{e.get('PATH', '')}"
    own = [str(cwd / "src")] if cwd is not None and (cwd / "src").is_dir() else []
    e["PYTHONPATH"] = os.pathsep.join([*own, str(HOOKS)])
    e["DVC_NO_ANALYTICS"] = "1"
    return e


def run(args: list[str], cwd: Path, check: bool = True, extra_env: dict | None = None) -> subprocess.CompletedProcess:
    proc = subprocess.run(args, cwd=cwd, env={**env(cwd), **(extra_env or {})}, capture_output=True, text=True)
    if check and proc.returncode != 0:
        raise AssertionError(
            f"{' '.join(args)} failed ({proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
        )
    return proc


def copy_project(dest: Path) -> Path:
    """Copy the code (not data, not caches) into `dest`, as a fresh git repo with DVC initialised."""
    dest.mkdir(parents=True, exist_ok=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in PROJECT_FILES:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, dest / name, ignore=ignore)
        else:
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / name)
    (dest / ".dvc" / ".gitignore").write_text("/config.local\n/tmp\n/cache\n")
    run(["git", "init", "-q", "-b", "main"], dest)
    run(["git", "-c", "user.name=t", "-c", "user.email=t@t", "add", "-A"], dest)
    run(["git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "project"], dest)
    return dest


def tiny_project(dest: Path, edit: Callable[[dict], None] | None = None) -> Path:
    """`copy_project` with the tiny params (changed by `edit`, if given) in its params.yaml, not committed."""
    project = copy_project(dest)
    params = tiny_params()
    if edit:
        edit(params)
    (project / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    return project


def clone_run(src: Path, dest: Path) -> Path:
    """A full copy of a project that has already run (git history, DVC cache and outputs)."""
    shutil.copytree(src, dest, symlinks=True, ignore=shutil.ignore_patterns("tmp"))
    return dest


def one_predictor_run(tiny: Path, dest: Path, scripts: tuple[str, ...]) -> tuple[Path, str]:
    """A committed copy of the tiny run that trains one predictor (the first plug-in), with the
    given `bench/` scripts: short enough for a test to run several experiments on it."""
    project = clone_run(tiny, dest)
    (project / "bench").mkdir()
    for name in scripts:
        shutil.copy2(ROOT / "bench" / name, project / "bench" / name)
    one = predictor_names()[0]
    params = yaml.safe_load((project / "params.yaml").read_text())
    params["predictors"] = [one]
    (project / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    run(["dvc", "repro"], project)
    commit(project, "one predictor")
    return project, one


def commit(project: Path, message: str) -> None:
    run(["git", "add", "-A"], project)
    run(["git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", message], project)


def stage(args: list[str], cwd: Path, params: Path | None = None) -> subprocess.CompletedProcess:
    extra = ["--params", str(params)] if params else []
    return run([sys.executable, "-m", "stages", *args, *extra], cwd, check=False)


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
    p["predictors"] = list(predictor_names())  # every predictor, both modes, end to end
    p["evaluate"]["batch"] = 4
    return p


def write_idx_images(path: Path, images: np.ndarray) -> None:
    """Write uint8 (N, rows, cols) images as an IDX3 file (the standard MNIST files' format)."""
    n, rows, cols = images.shape
    header = b"".join(int(v).to_bytes(4, "big") for v in (2051, n, rows, cols))
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "wb") as handle:
        handle.write(header + np.ascontiguousarray(images, dtype=np.uint8).tobytes())
