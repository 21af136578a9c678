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


def build_predictor(name: str, model_params: Any, shape: ModelShape, key: str) -> nn.Module:
    """Build predictor `name` for `shape` from its `model` params section (`key` names it in errors)."""
    spec = predictor_spec(name)
    cfg = build_config(spec.config, model_params, key)
    try:
        return spec.build(shape, cfg)
    except ValueError as exc:
        raise UserError(f"params key '{key}': {exc}") from None
