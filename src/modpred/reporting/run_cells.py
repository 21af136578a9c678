"""The cells a report shows: with the params' matrix, only its cells, whatever else `metrics/runs/` holds
(an earlier experiment's extra seeds, or the committed run's neighbours of a smaller run, are not this run's)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from pathlib import Path

from modpred.cell import Cell
from modpred.results import RunFacts, trained_cells


def run_cells(
    ds: str, root: Path = Path("."), order: Sequence[str] = (), cells: Collection[Cell] | None = None
) -> list[RunFacts]:
    """`results.trained_cells`, kept to `cells` when given (None: every cell with records)."""
    found = trained_cells(ds, root, order)
    wanted = None if cells is None else set(cells)
    return found if wanted is None else [f for f in found if f.cell in wanted]
