"""Training curves as CSV (iteration, loss), the format `dvc plots` reads."""

from __future__ import annotations

from pathlib import Path

from modpred.atomic import write_text


def write_curve(path: Path, points: list[tuple[int, float]]) -> None:
    rows = ["iteration,loss"] + [f"{it},{loss:.6g}" for it, loss in points]
    write_text(path, "\n".join(rows) + "\n")
