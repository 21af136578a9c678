"""Running the project's commands the way a user does: subprocesses in a project folder."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

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


def clone_run(src: Path, dest: Path) -> Path:
    """A full copy of a project that has already run (git history, DVC cache and outputs)."""
    shutil.copytree(src, dest, symlinks=True, ignore=shutil.ignore_patterns("tmp"))
    return dest


def commit(project: Path, message: str) -> None:
    run(["git", "add", "-A"], project)
    run(["git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", message], project)


def stage(args: list[str], cwd: Path, params: Path | None = None) -> subprocess.CompletedProcess:
    extra = ["--params", str(params)] if params else []
    return run([sys.executable, "-m", "stages", *args, *extra], cwd, check=False)
