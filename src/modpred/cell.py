"""A train cell: one predictor, in one mode, on one dataset, with one replicate seed, and where its files go.

A run's matrix is `cells(params)`: every dataset x predictor x mode x seed of the params lists, in
the order dvc.yaml's `train` foreach expands them. Stages, reporting and the bench hold `Cell`s
and ask them for their folders (`paths` spells each folder once); records that name a cell
(`RunFacts`, the model card) give theirs with `.cell`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, TypeVar

from modpred import paths
from modpred.errors import UserError

T = TypeVar("T")


class Params(Protocol):
    """What `cells` reads the matrix from: a `ParamsFile` (whose reads are audited) or a plain mapping."""

    def get(self, key: str, /) -> object: ...


def model_label(predictor: str, mode: str) -> str:
    """The name of a trained model in tables, figures and charts, e.g. `predrnn-modular`."""
    return f"{predictor}-{mode}"


@dataclass(frozen=True, order=True)
class Cell:
    dataset: str
    predictor: str
    mode: str
    seed: int = 0  # the replicate (one of the `seeds` params list)

    @property
    def label(self) -> str:
        """The model's name in tables, figures and charts, e.g. `predrnn-modular` (seeds share it)."""
        return model_label(self.predictor, self.mode)

    @property
    def item(self) -> str:
        """The cell's name in its DVC stages, `train@<item>` and `evaluate@<item>`."""
        return f"{self.dataset}-{self.predictor}-{self.mode}-{self.seed}"

    @property
    def model_dir(self) -> Path:
        return paths.model_dir(self.dataset, self.predictor, self.mode, self.seed)

    @property
    def model_file(self) -> Path:
        return self.model_dir / paths.MODEL_FILE

    @property
    def run_dir(self) -> Path:
        """Its records: train.json, eval.json, the per-frame and per-sequence scores, DVCLive's curves."""
        return paths.run_metrics_dir(self.dataset, self.predictor, self.mode, self.seed)

    @property
    def scores_file(self) -> Path:
        return self.run_dir / paths.EVAL_JSON

    @property
    def resume_file(self) -> Path:
        """Where a killed training keeps its resumable state."""
        return paths.RESUME_DIR / self.dataset / f"{self.predictor}-{self.mode}-seed{self.seed}.pt"


def cells(params: Params, datasets: Sequence[str] | None = None) -> list[Cell]:
    """The run's matrix, from the `datasets` (unless given), `predictors`, `modes` and `seeds` params keys."""
    chosen = list(datasets) if datasets is not None else _listed(params, "datasets", str)
    predictors, modes = _listed(params, "predictors", str), _listed(params, "modes", str)
    seeds = _listed(params, "seeds", int)
    return [Cell(ds, p, m, s) for ds in chosen for p in predictors for m in modes for s in seeds]


def _listed(params: Params, key: str, kind: type[T]) -> list[T]:
    """The params list at `key`, each entry of `kind`; anything else is a one-line error."""
    value = params.get(key)
    if not isinstance(value, list) or not all(isinstance(v, kind) and not isinstance(v, bool) for v in value):
        raise UserError(f"params key '{key}' must be a list of {kind.__name__}s, got {value!r}")
    return value
