"""Long-form tables for `dvc plots`: one CSV per chart, a row per (dataset, model, x), so the charts
in dvc.yaml name no dataset, predictor or mode and follow the DAG's matrix by themselves.

Beside them go the charts' templates (`chart_template`): lines coloured by model with the colours
of every figure, dashed by revision (for `dvc plots diff`), datasets side by side.
"""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

import pandas as pd

from modpred import paths
from modpred.atomic import write_text
from modpred.baselines import BASELINES
from modpred.cell import Cell
from modpred.modes import MODES
from modpred.reporting.chart_template import write_chart_template
from modpred.reporting.colors import VQVAE_COLOR, VQVAE_LABEL, palette
from modpred.reporting.run_cells import run_cells
from modpred.results import DEFAULT_LOSS, baseline_label, datasets_with_results
from modpred.training.curves import has_loss_curve, read_loss_curve, read_validation_curve, read_vqvae_loss_curve

MODELS_TEMPLATE = "by_model.json"  # every chart but the VQ-VAE's
VQVAE_TEMPLATE = "vqvae.json"


def _with(table: pd.DataFrame, **columns: str) -> pd.DataFrame:
    return table.assign(**columns)[[*columns, *table.columns]]


def plot_tables(root: Path = Path("."), cells: Collection[Cell] | None = None) -> dict[str, pd.DataFrame]:
    """{"per_frame", "loss_base", "loss_modular", "vqvae_loss", "validation"}: every dataset's runs.

    A loss curve goes to `loss_<mode>` (the charts' MSE of that mode) when the cell trained on the
    paper's MSE, to `loss_<mode>_<loss>` otherwise (another unit, not on those charts)."""
    parts: dict[str, list[pd.DataFrame]] = {"per_frame": [], "vqvae_loss": [], "validation": []}
    parts |= {f"loss_{m}": [] for m in MODES}  # a pixel MSE and a code-vector MSE are different units
    for ds in datasets_with_results(root):
        found = run_cells(ds, root, (), cells)
        for label in dict.fromkeys(f.label for f in found):  # one line per model: per-frame means over its seeds
            runs = [f for f in found if f.label == label]
            folders = [root / f.cell.run_dir for f in runs]
            frames = [pd.read_csv(d / paths.PER_FRAME_CSV) for d in folders if (d / paths.PER_FRAME_CSV).is_file()]
            if frames:
                mean = pd.concat(frames).groupby("frame", as_index=False).mean(numeric_only=True)
                parts["per_frame"].append(_with(mean, dataset=ds, model=label))
            first = folders[0]  # curves: the first seed's (a curve averaged over seeds is no run's)
            loss = f"loss_{runs[0].mode}" + ("" if runs[0].loss == DEFAULT_LOSS else f"_{runs[0].loss}")
            if has_loss_curve(first):
                parts.setdefault(loss, []).append(_with(read_loss_curve(first), dataset=ds, model=label))
            validation = read_validation_curve(first)
            if validation is not None and runs[0].select_by is not None:  # the chart's y: the selecting metric
                validation = validation.assign(score=validation[runs[0].select_by])
                parts["validation"].append(_with(validation, dataset=ds, model=label))
        for name in BASELINES:
            path = root / paths.baseline_per_frame(ds, name)
            if path.is_file():
                parts["per_frame"].append(_with(pd.read_csv(path), dataset=ds, model=baseline_label(name)))
        if (root / paths.vqvae_metrics(ds)).is_file():
            parts["vqvae_loss"].append(_with(read_vqvae_loss_curve(ds, root), dataset=ds, model=VQVAE_LABEL))
    return {name: pd.concat(tables, ignore_index=True) for name, tables in parts.items() if tables}


def write_plot_tables(out: Path, root: Path = Path("."), cells: Collection[Cell] | None = None) -> None:
    """The chart tables and the two templates: the run's models and baselines in their colours; the VQ-VAE."""
    out.mkdir(parents=True, exist_ok=True)
    tables = plot_tables(root, cells)
    for name, table in tables.items():
        write_text(out / f"{name}.csv", table.to_csv(index=False, float_format="%.6g"))
    shown = {label for name, table in tables.items() if name != "vqvae_loss" for label in table.model.unique()}
    write_chart_template(out / MODELS_TEMPLATE, {k: v for k, v in palette().items() if k in shown})
    write_chart_template(out / VQVAE_TEMPLATE, {VQVAE_LABEL: VQVAE_COLOR})
