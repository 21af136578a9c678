"""Read params.yaml by dotted key, and turn a section into a validated, typed config dataclass.

The one validation style of the project: each config is a frozen dataclass next to what it
configures; its fields carry their rules (`positive`, `at_least`, `between`, `choice`), floats must
be finite, and cross-field rules live in the config's `__post_init__` as a ValueError, which
`build_config` turns into a one-line error naming the section. All of it runs before any work.

Each stage asks only for the keys that dvc.yaml lists for it (the end-to-end test audits this).
"""

from __future__ import annotations

import dataclasses
import math
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeVar

import yaml

from modpred.errors import UserError

T = TypeVar("T")
N = TypeVar("N", int, float)  # a number with a range rule


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

    def get(self, key: str) -> object:
        """Return the value at `key` ("train.predrnn"); a missing key is a one-line error."""
        node: object = self._data
        for part in key.split("."):
            if not isinstance(node, dict) or part not in node:
                raise UserError(f"{self.path}: missing key '{key}'")
            node = node[part]
        return node

    def peek(self, key: str, default: object = None) -> object:
        """The value at `key`, or `default`, for a check that can only refuse: what the stage writes never
        depends on it, so it is not one of the stage's DVC params (the params audit does not count it)."""
        node: object = self._data
        for part in key.split("."):
            if not isinstance(node, dict) or part not in node:
                return default
            node = node[part]
        return node


def overridden(section: object, overrides: object, key: str, refused: tuple[str, ...] = ()) -> object:
    """`section` with a dataset's `overrides` (a mapping, its keys in `key`) laid over it, one level deep;
    a key in `refused` is a one-line error (it would replace a whole sub-section)."""
    if not isinstance(overrides, dict):
        raise UserError(f"params key '{key}' must be a mapping, got {type(overrides).__name__}")
    for name in refused:
        if name in overrides:
            raise UserError(f"params key '{key}.{name}' cannot be overridden per dataset")
    return {**section, **overrides} if isinstance(section, dict) else section


def positive(default: N) -> N:
    """A dataclass field that must be > 0, with its default."""
    return dataclasses.field(default=default, metadata={"positive": True})


def at_least(minimum: float, default: N) -> N:
    """A dataclass field that must be >= `minimum` (e.g. a codebook needs 2 codes to say anything)."""
    return dataclasses.field(default=default, metadata={"at_least": minimum})


def between(low: float, high: float, default: N) -> N:
    """A dataclass field in the open interval (low, high)."""
    return dataclasses.field(default=default, metadata={"between": (low, high)})


def choice(options: tuple[T, ...], default: T) -> T:
    """A dataclass field whose value is one of `options`."""
    return dataclasses.field(default=default, metadata={"choices": options})


def build_config(cls: type[T], mapping: object, key: str) -> T:
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
        _check_range(values[name], field.metadata, where)
    try:
        return cls(**values)
    except ValueError as exc:  # a config's own cross-field check (__post_init__)
        raise UserError(f"params key '{key}': {exc}") from None


def _check_range(value: Any, rules: Mapping[str, Any], where: str) -> None:
    if rules.get("positive") and not value > 0:
        raise UserError(f"params key '{where}' must be positive, got {value}")
    if "at_least" in rules and not value >= rules["at_least"]:
        raise UserError(f"params key '{where}' must be at least {rules['at_least']}, got {value}")
    if "between" in rules and not rules["between"][0] < value < rules["between"][1]:
        low, high = rules["between"]
        raise UserError(f"params key '{where}' must be in ({low:g}, {high:g}), got {value}")
    if "choices" in rules and value not in rules["choices"]:
        raise UserError(f"unknown {where} '{value}': expected one of {', '.join(map(str, rules['choices']))}")


def _coerce(value: Any, kind: Any, where: str) -> Any:
    if kind is bool:
        if isinstance(value, bool):
            return value
    elif kind is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    elif kind is float:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            if not math.isfinite(value):
                raise UserError(f"params key '{where}' must be a finite number, got {value}")
            return float(value)
    elif kind is str:
        if isinstance(value, str):
            return value
        if value is None:
            return ""
    else:
        return value
    raise UserError(f"params key '{where}' must be {kind.__name__}, got {value!r}")
