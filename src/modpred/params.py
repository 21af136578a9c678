"""Read params.yaml by dotted key, and turn a section into a validated, typed config dataclass.

Each stage asks only for the keys that dvc.yaml lists for it. When MODPRED_PARAMS_AUDIT names a
file, every key read is appended to it with the command line, so a test can hold the two in agreement.
"""

from __future__ import annotations

import dataclasses
import os
import sys
import typing
from pathlib import Path
from typing import Any, TypeVar

import yaml

from modpred.errors import UserError

T = TypeVar("T")

DATASETS = ("mmnist", "kth")
PREDICTORS = ("predrnn", "tctn")
MODES = ("base", "modular")


class ParamsFile:
    """A params.yaml, read lazily by dotted key."""

    def __init__(self, path: str | Path = "params.yaml") -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise UserError(f"params file not found: {self.path}")
        try:
            self._data = yaml.safe_load(self.path.read_text()) or {}
        except yaml.YAMLError as exc:
            raise UserError(f"{self.path} is not valid YAML: {str(exc).splitlines()[0]}") from None
        self.read_keys: list[str] = []

    def get(self, key: str) -> Any:
        """Return the value at `key` ("train.predrnn"); a missing key is a one-line error."""
        self.read_keys.append(key)
        audit = os.environ.get("MODPRED_PARAMS_AUDIT")
        if audit:
            with open(audit, "a") as log:
                log.write(" ".join(sys.argv[1:]) + f"\t{key}\n")
        node: Any = self._data
        for part in key.split("."):
            if not isinstance(node, dict) or part not in node:
                raise UserError(f"{self.path}: missing key '{key}'")
            node = node[part]
        return node


def check_choice(value: str, choices: tuple[str, ...], key: str) -> str:
    if value not in choices:
        raise UserError(f"unknown {key} '{value}': expected one of {', '.join(choices)}")
    return value


def positive(**kw: Any) -> Any:
    """A dataclass field that must be > 0 (and may carry a default)."""
    return dataclasses.field(metadata={"positive": True}, **kw)


def choice(options: tuple[str, ...], **kw: Any) -> Any:
    return dataclasses.field(metadata={"choices": options}, **kw)


def build_config(cls: type[T], mapping: Any, key: str) -> T:
    """Build dataclass `cls` from a params section, naming `key.field` in every error."""
    if not isinstance(mapping, dict):
        raise UserError(f"params key '{key}' must be a mapping, got {type(mapping).__name__}")
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    unknown = sorted(set(mapping) - set(fields))
    if unknown:
        raise UserError(f"unknown params key '{key}.{unknown[0]}' (known: {', '.join(fields)})")
    values = {}
    for name, field in fields.items():
        where = f"{key}.{name}"
        if name not in mapping:
            if field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING:
                raise UserError(f"missing params key '{where}'")
            continue
        values[name] = _coerce(mapping[name], hints[name], where)
        if field.metadata.get("positive") and not values[name] > 0:
            raise UserError(f"params key '{where}' must be positive, got {values[name]}")
        if "choices" in field.metadata:
            check_choice(values[name], field.metadata["choices"], where)
    return cls(**values)


def _coerce(value: Any, kind: Any, where: str) -> Any:
    if kind is bool:
        if isinstance(value, bool):
            return value
    elif kind is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    elif kind is float:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
    elif kind is str:
        if isinstance(value, str):
            return value
        if value is None:
            return ""
    else:
        return value
    raise UserError(f"params key '{where}' must be {kind.__name__}, got {value!r}")
