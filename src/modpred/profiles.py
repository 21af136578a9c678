"""Named params profiles (profiles/<name>.yaml): flat `dotted.key: value` overrides of params.yaml.

A profile may `include:` another first. `dvc exp run $(python -m stages profile NAME)` applies one
as an experiment, so the default params.yaml stays the CPU-sized run. `dvc exp run` leaves its
params in the workspace, so when the file is an experiment's the command first puts back the
committed params.yaml (keeping the workspace's copy) and the flags then apply to it: experiments
never stack (the profile `default` applies nothing more). Uncommitted edits of the user's own
stay. Resetting the file, rather than emitting flags that undo an earlier experiment's, also keeps
DVC from rewriting a list set back to `[]`, which its YAML writer can break when the file has
comments.
"""

from __future__ import annotations

import copy
import subprocess
from collections.abc import Mapping
from pathlib import Path

import yaml

from modpred.errors import UserError

PROFILES = Path("profiles")
KEPT_PARAMS = Path(".dvc/tmp/params.before-profile.yaml")  # the workspace's params, before a profile reset them


def load_profile(name: str, folder: Path = PROFILES) -> dict[str, object]:
    """The profile's overrides, with included profiles first."""
    path = folder / f"{name}.yaml"
    if not path.is_file():
        known = ", ".join(sorted(p.stem for p in folder.glob("*.yaml"))) or "none"
        raise UserError(f"unknown profile '{name}' (known: {known})")
    data = yaml.safe_load(path.read_text()) or {}
    base = load_profile(data.pop("include"), folder) if "include" in data else {}
    return {**base, **data}


def apply_profile(params: dict, overrides: Mapping[str, object]) -> dict:
    """A copy of `params` with each dotted key set; every key must already exist."""
    out = copy.deepcopy(params)
    for key, value in overrides.items():
        node = out
        *parents, leaf = key.split(".")
        for part in parents:
            if not isinstance(node.get(part), dict):
                raise UserError(f"profile key '{key}' is not in params.yaml")
            node = node[part]
        if leaf not in node:
            raise UserError(f"profile key '{key}' is not in params.yaml")
        node[leaf] = value
    return out


def _flag_value(value: object) -> str:
    """A value in YAML flow syntax without spaces: lists as `[a,b]`."""
    if isinstance(value, list):
        return "[" + ",".join(_flag_value(v) for v in value) + "]"
    return yaml.safe_dump(value, default_flow_style=True, width=10**6).strip().removesuffix("...").strip()


def set_param_flags(overrides: Mapping[str, object]) -> list[str]:
    """`-S key=value` pairs for `dvc exp run` (values in YAML syntax), each one shell word.

    The README runs them as `$(python -m stages profile NAME)`, which the shell splits at spaces,
    so a value that would need one is refused.
    """
    flags = []
    for key, value in overrides.items():
        text = _flag_value(value)
        if any(c.isspace() for c in text):
            raise UserError(f"profile value of '{key}' has a space ({text!r}): $(...) would split it")
        flags += ["-S", f"{key}={text}"]
    return flags


def _git(*args: str) -> str | None:
    try:
        proc = subprocess.run(["git", *args], capture_output=True, text=True)
    except OSError:
        return None
    return proc.stdout if proc.returncode == 0 else None


def left_by_an_experiment(path: Path = Path("params.yaml")) -> bool:
    """Whether the workspace's params file is, byte for byte, the one of a DVC experiment (a ref under
    refs/exps): what `dvc exp run` leaves behind, not an edit of the user's own."""
    commits = (_git("for-each-ref", "--format=%(objectname)", "refs/exps") or "").split()
    if not commits:
        return False
    ours = (_git("hash-object", path.as_posix()) or "").strip()
    theirs = _git("rev-parse", *(f"{c}:./{path.as_posix()}" for c in commits)) or ""
    return bool(ours) and ours in theirs.split()


def reset_to_committed(path: Path = Path("params.yaml"), keep: Path = KEPT_PARAMS) -> str:
    """Put back the committed params file when an earlier `dvc exp run` left its params in the
    workspace (the workspace's copy kept at `keep`); edits of the user's own stay. Returns what was
    done, in words ("" when the file was the committed one)."""
    committed = _git("show", f"HEAD:./{path.as_posix()}")
    if committed is None or path.read_text() == committed:
        return ""
    if not left_by_an_experiment(path):
        return f"{path} has uncommitted edits of your own (not a DVC experiment's): the profile applies on top of them"
    keep.parent.mkdir(parents=True, exist_ok=True)
    keep.write_text(path.read_text())
    path.write_text(committed)
    return f"{path}: an experiment's params put back to the committed ones (the workspace's copy: {keep})"
