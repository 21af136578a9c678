"""Predictors by name: adding one is one file and one line here."""

from __future__ import annotations

from typing import Any

from torch import nn

from modpred.errors import UserError
from modpred.models.predrnn import PredRNN, PredRNNConfig
from modpred.models.tctn import TCTN, TCTNConfig
from modpred.params import PREDICTORS, build_config

REGISTRY: dict[str, tuple[type, type[nn.Module]]] = {
    "predrnn": (PredRNNConfig, PredRNN),
    "tctn": (TCTNConfig, TCTN),
}
assert tuple(REGISTRY) == PREDICTORS


def build_predictor(name: str, model_params: Any, channels: int, grid: int, key: str) -> nn.Module:
    """Build predictor `name` for a (channels, grid, grid) space from its params section."""
    if name not in REGISTRY:
        raise UserError(f"unknown predictor '{name}': expected one of {', '.join(REGISTRY)}")
    config_cls, model_cls = REGISTRY[name]
    cfg = build_config(config_cls, model_params, key)
    try:
        return model_cls(channels, grid, cfg)
    except ValueError as exc:
        raise UserError(f"params key '{key}': {exc}") from None
