"""Named params profiles (profiles/<name>.yaml): flat `dotted.key: value` overrides of params.yaml.

A profile may `include:` another first. `dvc exp run $(python -m stages profile NAME)` applies one
as an experiment, so the default params.yaml stays the CPU-sized run.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

from modpred.errors import UserError

PROFILES = Path("profiles")


def load_profile(name: str, folder: Path = PROFILES) -> dict[str, Any]:
    """The profile's overrides, with included profiles first."""
    path = folder / f"{name}.yaml"
    if not path.is_file():
        known = ", ".join(sorted(p.stem for p in folder.glob("*.yaml"))) or "none"
        raise UserError(f"unknown profile '{name}' (known: {known})")
    data = yaml.safe_load(path.read_text()) or {}
    base = load_profile(data.pop("include"), folder) if "include" in data else {}
    return {**base, **data}


def apply_profile(params: dict, overrides: dict[str, Any]) -> dict:
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


def _flag_value(value: Any) -> str:
    """A value in YAML flow syntax without spaces: lists as `[a,b]`."""
    if isinstance(value, list):
        return "[" + ",".join(_flag_value(v) for v in value) + "]"
    return yaml.safe_dump(value, default_flow_style=True, width=10**6).strip().removesuffix("...").strip()


def set_param_flags(overrides: dict[str, Any]) -> list[str]:
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
