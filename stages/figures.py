"""figures@<dataset>: prediction strips, per-frame curves, VQ-VAE reconstructions, loss curves."""

from __future__ import annotations

from pathlib import Path

import typer

from modpred import paths
from modpred.atomic import atomic_path
from modpred.params import DATASETS, ParamsFile, build_config, check_choice
from modpred.reporting.dataset_figures import FiguresConfig, draw_figures
from modpred.training.compute import pick_device
from stages.app import ParamsOption, stage


@stage("figures")
def figures(dataset: str = typer.Argument(..., help="dataset name"), params: Path = ParamsOption) -> None:
    """Draw the paper-style figures for one dataset into metrics/figures/<dataset>/."""
    check_choice(dataset, DATASETS, "dataset")
    p = ParamsFile(params)
    cfg = build_config(FiguresConfig, p.get("figures"), "figures")
    models = [(predictor, mode) for predictor in p.get("predictors") for mode in p.get("modes")]
    with atomic_path(paths.figures_dir(dataset)) as tmp:
        draw_figures(dataset, models, cfg, pick_device(), tmp)
