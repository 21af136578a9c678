"""Predictors and datasets are plug-ins: one module (or package) each in a folder, named by its file.

The names are read from the folders without importing anything, so every command can list and
check them cheaply (help text, argument errors); a plug-in module is imported only when it is
used, so a stage that trains one predictor runs, and depends on, that predictor's file alone.
"""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path
from typing import Any

from modpred.errors import UserError

_ROOT = Path(__file__).resolve().parent
PREDICTORS = "modpred.models.predictors"  # models/predictors/<name>.py defines PREDICTOR, a PredictorSpec
DATASETS = "modpred.data.datasets"  # the package data/datasets/<name>/ defines DATASET, a DatasetSpec


def plugin_names(package: str) -> tuple[str, ...]:
    """The plug-ins of `package` (e.g. PREDICTORS), sorted; files starting with `_` are helpers."""
    folder = _ROOT.joinpath(*package.split(".")[1:])
    return tuple(sorted(m.name for m in pkgutil.iter_modules([str(folder)]) if not m.name.startswith("_")))


def predictor_names() -> tuple[str, ...]:
    return plugin_names(PREDICTORS)


def dataset_names() -> tuple[str, ...]:
    return plugin_names(DATASETS)


def check_name(value: str, choices: tuple[str, ...], kind: str) -> str:
    """A one-line error for a name that is not one of `choices`."""
    if value not in choices:
        raise UserError(f"unknown {kind} '{value}': expected one of {', '.join(choices)}")
    return value


def load_plugin(package: str, name: str, attr: str, kind: str) -> Any:
    """Import plug-in `name` of `package` and return its `attr` (its spec)."""
    check_name(name, plugin_names(package), kind)
    module = importlib.import_module(f"{package}.{name}")
    if not hasattr(module, attr):
        raise UserError(f"{kind} plug-in {module.__file__} defines no {attr}")
    return getattr(module, attr)
