"""figures@<dataset>: prediction strips, per-frame curves, VQ-VAE reconstructions, loss curves."""

from __future__ import annotations

from pathlib import Path

from modpred import paths
from modpred.atomic import atomic_path
from modpred.cell import cells
from modpred.device import pick_device
from modpred.params import ParamsFile, build_config
from modpred.reporting.dataset_figures import FiguresConfig, draw_figures
from stages.app import DatasetArg, ParamsOption, check_dataset, stage


@stage("figures")
def figures(dataset: str = DatasetArg, params: Path = ParamsOption) -> None:
    """Draw the paper-style figures for one dataset into metrics/figures/DATASET/.

    Reads the trained models, the test sequences and metrics/runs/DATASET/; settings: the `figures`,
    `predictors`, `modes` and `seeds` params keys (strips and loss curves: the first seed's; per-frame
    curves: means over the seeds). Writes predictions, per-frame curves, VQ-VAE
    reconstructions and loss curves (PNG, and PDF for papers) and sample.npy, a clip for `predict`.
    """
    check_dataset(dataset)
    p = ParamsFile(params)
    cfg = build_config(FiguresConfig, p.get("figures"), "figures")
    with atomic_path(paths.figures_dir(dataset)) as tmp:
        draw_figures(dataset, cells(p, datasets=[dataset]), cfg, pick_device(), tmp)
