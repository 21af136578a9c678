"""Best-iterate selection: score a held-out validation split every N iterations, keep the best weights.

The paper "trains 70,000 iterations to choose the best"; the split is carved from the training
data (never the test split) and scored with the same metrics as `evaluate`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypedDict

import torch
from torch import nn

from modpred.metrics import metric

Validator = Callable[[nn.Module], dict[str, float]]  # the model -> mean validation metrics


class SelectionState(TypedDict):
    """`BestIterate` in a resumable state."""

    curve: list[dict[str, float]]
    best_iteration: int
    best_score: float
    best_state: dict[str, torch.Tensor] | None


@dataclass
class BestIterate:
    """Tracks the validation curve and the weights of the best-scoring iteration so far."""

    metric: str
    curve: list[dict[str, float]] = field(default_factory=list)  # {"iteration": i, metric: value, ...}
    best_iteration: int = 0
    best_score: float = math.nan
    best_state: dict[str, torch.Tensor] | None = None

    def better(self, score: float) -> bool:
        if math.isnan(self.best_score):
            return True
        return metric(self.metric).better(score, self.best_score)

    def update(self, iteration: int, scores: dict[str, float], model: nn.Module) -> None:
        self.curve.append({"iteration": iteration, **scores})
        if self.better(scores[self.metric]):
            self.best_iteration, self.best_score = iteration, scores[self.metric]
            self.best_state = {k: v.detach().cpu().clone() for k, v in model.state_dict().items()}

    def state(self) -> SelectionState:
        """What a resumed run needs (tensors, numbers and lists only: loadable with weights_only)."""
        return {
            "curve": self.curve,
            "best_iteration": self.best_iteration,
            "best_score": self.best_score,
            "best_state": self.best_state,
        }

    def load(self, state: SelectionState) -> None:
        self.curve = [dict(row) for row in state["curve"]]
        self.best_iteration, self.best_score = int(state["best_iteration"]), float(state["best_score"])
        self.best_state = state["best_state"]
