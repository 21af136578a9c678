"""The predictors, one module each (see `models.contract`); built by name from their params section."""

from __future__ import annotations

from typing import Any

from torch import nn

from modpred.errors import UserError
from modpred.models.contract import ModelShape, PredictorSpec
from modpred.params import build_config
from modpred.plugins import PREDICTORS, load_plugin


def predictor_spec(name: str) -> PredictorSpec:
    return load_plugin(PREDICTORS, name, "PREDICTOR", "predictor")


def predictor_config(name: str, model_params: Any, key: str) -> Any:
    """Predictor `name`'s typed config from its `model` params section (`key` names it in errors)."""
    return build_config(predictor_spec(name).config, model_params, key)


def build_from_config(name: str, cfg: Any, shape: ModelShape, key: str) -> nn.Module:
    """Predictor `name` for `shape` from its typed config; a cross-field rule it breaks names `key`."""
    try:
        return predictor_spec(name).build(shape, cfg)
    except ValueError as exc:
        raise UserError(f"params key '{key}': {exc}") from None


def build_predictor(name: str, model_params: Any, shape: ModelShape, key: str) -> nn.Module:
    """Build predictor `name` for `shape` from its `model` params section (`key` names it in errors)."""
    return build_from_config(name, predictor_config(name, model_params, key), shape, key)
