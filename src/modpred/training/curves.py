"""Training curves as CSV (iteration, loss; iteration, validation metrics), the format `dvc plots` reads."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from modpred.atomic import atomic_path, write_text

if TYPE_CHECKING:  # a type only: the VQ-VAE stage writes curves and must not depend on selection
    from modpred.training.selection import BestIterate


def write_curve(path: Path, points: list[tuple[int, float]]) -> None:
    rows = ["iteration,loss"] + [f"{it},{loss:.6g}" for it, loss in points]
    write_text(path, "\n".join(rows) + "\n")


def write_validation_curve(path: Path, selection: BestIterate | None) -> None:
    """Validation metrics of each scored iteration, `score` being the selecting one; a header alone
    when the run did not validate (the stage's output always exists)."""
    if selection is None:
        write_text(path, "iteration,select_by,score\n")
        return
    table = pd.DataFrame(selection.curve).assign(select_by=selection.metric)
    table["score"] = table[selection.metric]
    write_text(path, table.to_csv(index=False, float_format="%.6g"))


class LiveCurve:
    """Appends new (iteration, loss) rows as training goes, so `dvc plots` can show a run in progress.

    Nothing is written before the first logged iteration; the stage rewrites the file atomically
    with `write_curve` when training ends. When training fails, `discard` puts back the curve of
    the previous run (or removes the file if there was none), so a failed run changes nothing.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.written = 0
        self.previous: bytes | None = None

    def __call__(self, points: list[tuple[int, float]]) -> None:
        if self.written == 0:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.previous = self.path.read_bytes() if self.path.is_file() else None
            self.path.write_text("iteration,loss\n")
        with open(self.path, "a") as handle:
            handle.writelines(f"{it},{loss:.6g}\n" for it, loss in points[self.written :])
        self.written = len(points)

    def discard(self) -> None:
        if not self.written:
            return
        if self.previous is None:
            self.path.unlink(missing_ok=True)
        else:
            with atomic_path(self.path) as tmp:
                tmp.write_bytes(self.previous)
