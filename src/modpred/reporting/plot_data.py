"""Long-form tables for `dvc plots`: one CSV per chart, a row per (dataset, model, x), so the charts
in dvc.yaml name no dataset, predictor or mode and follow the DAG's matrix by themselves.

The `by_model` template (.dvc/plots/by_model.json) colours lines by `model`, dashes them by
revision (for `dvc plots diff`) and puts datasets side by side.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from modpred import paths
from modpred.atomic import write_text

LOSS_SPACES = {"base": "pixels", "modular": "latents"}  # the training loss is MSE in this space


def baseline_label(name: str) -> str:
    return f"baseline: {name.replace('_', ' ')}"


def _with(table: pd.DataFrame, **columns: str) -> pd.DataFrame:
    return table.assign(**columns)[[*columns, *table.columns]]


def plot_tables(runs: Path) -> dict[str, pd.DataFrame]:
    """{"per_frame", "loss_base", "loss_modular", "vqvae_loss", "validation"}: every dataset's runs."""
    parts: dict[str, list[pd.DataFrame]] = {"per_frame": [], "vqvae_loss": [], "validation": []}
    parts |= {f"loss_{m}": [] for m in LOSS_SPACES}
    for ds_dir in sorted(p for p in runs.iterdir() if p.is_dir()):
        ds = ds_dir.name
        baselines = ds_dir / paths.baselines_dir(ds).name
        for folder in sorted(p for p in ds_dir.iterdir() if p.is_dir() and p != baselines):
            model, mode = folder.name, folder.name.rsplit("-", 1)[-1]
            if (folder / paths.PER_FRAME_CSV).is_file():
                parts["per_frame"].append(_with(pd.read_csv(folder / paths.PER_FRAME_CSV), dataset=ds, model=model))
            if (folder / paths.LOSS_CSV).is_file() and mode in LOSS_SPACES:
                parts[f"loss_{mode}"].append(_with(pd.read_csv(folder / paths.LOSS_CSV), dataset=ds, model=model))
            if (folder / paths.VALIDATION_CSV).is_file():
                parts["validation"].append(_with(pd.read_csv(folder / paths.VALIDATION_CSV), dataset=ds, model=model))
        for name in paths.BASELINES:
            path = baselines / paths.baseline_per_frame(ds, name).name
            if path.is_file():
                parts["per_frame"].append(_with(pd.read_csv(path), dataset=ds, model=baseline_label(name)))
        vqvae = ds_dir / paths.vqvae_loss(ds).name
        if vqvae.is_file():
            parts["vqvae_loss"].append(_with(pd.read_csv(vqvae), dataset=ds, model="vqvae"))
    return {name: pd.concat(tables, ignore_index=True) for name, tables in parts.items() if tables}


def write_plot_tables(runs: Path, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for name, table in plot_tables(runs).items():
        write_text(out / f"{name}.csv", table.to_csv(index=False, float_format="%.6g"))
