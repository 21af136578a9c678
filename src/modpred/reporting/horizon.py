"""How far ahead each model beats copying the last frame: a model can win early and lose late.

From each model's per-frame means (averaged over its replicates) against copy-last's, per metric:
the last predicted frame up to which the model is better on every frame, and how many frames it is
better on in all; a frame equal to copy-last's up to the CSVs' rounding is not better. Means, not
verdicts: the verdict table says which whole-horizon differences hold beyond the noise.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from modpred import paths
from modpred.baselines import COPY_LAST
from modpred.cell import Cell, model_label
from modpred.reporting.run_cells import run_cells

HORIZON_METRICS = {"lpips": "LPIPS", "mse_frame": "MSE per frame"}  # both lower-is-better
EQUAL_WITHIN = 1e-5  # relative: the per-frame CSVs keep 6 significant digits, so a model that is copy-last
# (kept iteration 0) can differ from copy-last's file by 1e-5 of a value through another float path


def lower(model: pd.Series, reference: pd.Series) -> np.ndarray:
    """Per frame, whether the model's mean is below the reference's beyond the CSVs' rounding."""
    m, r = model.to_numpy(dtype=np.float64), reference.to_numpy(dtype=np.float64)
    return m < r - EQUAL_WITHIN * np.abs(r)


def per_frame_means(
    ds: str, roots: list[Path], order: Sequence[str] = (), cells: Collection[Cell] | None = None
) -> dict[str, pd.DataFrame]:
    """Model label -> its per-frame table averaged over the replicates found in `roots`."""
    tables: dict[str, list[pd.DataFrame]] = {}
    for root in roots:
        for facts in run_cells(ds, root, order, cells):
            csv = root / facts.cell.run_dir / paths.PER_FRAME_CSV
            if csv.is_file():
                tables.setdefault(model_label(facts.predictor, facts.mode), []).append(pd.read_csv(csv))
    return {label: pd.concat(parts).groupby("frame").mean().reset_index() for label, parts in tables.items()}


def _last_better(model: pd.Series, reference: pd.Series, frames: pd.Series) -> str:
    better = lower(model, reference)
    if not better[0]:
        return "none"
    run = len(better) if better.all() else int(better.argmin())
    return str(int(frames.iloc[run - 1]))


def horizon_table(
    ds: str, roots: list[Path], order: Sequence[str] = (), cells: Collection[Cell] | None = None
) -> pd.DataFrame:
    """One row a model: per metric, the last frame of its first run of frames better than copy-last
    ("none": worse from the first), and the number of frames it is better on."""
    copy_csv = [root / paths.baseline_per_frame(ds, COPY_LAST.name) for root in roots]
    copy_csv = [c for c in copy_csv if c.is_file()]
    if not copy_csv:
        return pd.DataFrame()
    copy = pd.read_csv(copy_csv[0])
    rows = []
    for label, table in per_frame_means(ds, roots, order, cells).items():
        joined = table.merge(copy, on="frame", suffixes=("", "_copy"))
        row: dict[str, str | int] = {"model": label}
        for key, name in HORIZON_METRICS.items():
            if joined[key].isna().all():
                continue
            row[f"{name}: better through frame"] = _last_better(joined[key], joined[f"{key}_copy"], joined["frame"])
            row[f"{name}: frames better"] = f"{int(lower(joined[key], joined[f'{key}_copy']).sum())} of {len(joined)}"
        rows.append(row)
    return pd.DataFrame(rows)


def horizon_lines(
    ds: str, roots: list[Path], order: Sequence[str] = (), cells: Collection[Cell] | None = None
) -> list[str]:
    """The report's horizon section (empty without copy-last or a model)."""
    table = horizon_table(ds, roots, order, cells)
    if table.empty:
        return []
    return [
        "### Horizon: up to which frame each model's mean is below copy-last's (over the replicates the quality "
        "table counts; means, not verdicts)",
        "",
        "Per predicted frame, each model's mean over its replicates and the test sequences against copy-last's "
        'mean: the last frame up to which it is lower on every frame ("none": higher from the first), and on '
        "how many frames it is lower in all. Means, not verdicts.",
        "",
        table.to_markdown(index=False, disable_numparse=True),
        "",
    ]
