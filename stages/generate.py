"""generate@<dataset>: make the train and test sequences (uint8 HDF5)."""

from __future__ import annotations

from pathlib import Path

import typer

from modpred import paths
from modpred.atomic import atomic_path
from modpred.data.generate import generate_dataset
from modpred.errors import UserError
from modpred.params import ParamsFile
from stages.app import DatasetArg, ParamsOption, check_dataset, stage


@stage("generate")
def generate(dataset: str = DatasetArg, params: Path = ParamsOption) -> None:
    """Generate a dataset's train and test sequences into data/DATASET/base/ (uint8 HDF5, (N, T, C, H, W)).

    Settings come from the `data.DATASET` section of the params file; the videos dataset also writes
    `manifest.json` there (what each clip gave, and why a skipped one was skipped).
    """
    check_dataset(dataset)
    settings = ParamsFile(params)
    with atomic_path(paths.sequences_dir(dataset)) as tmp:
        tmp.mkdir()
        sizes = generate_dataset(dataset, settings.get(f"data.{dataset}"), tmp)
        check_validation_fits(settings, dataset, sizes["train"])  # before any pretraining, not after it
    typer.echo(f"{dataset}: {sizes['train']} train and {sizes['test']} test sequences")


def check_validation_fits(settings: ParamsFile, dataset: str, train: int) -> None:
    """Refuse a predictor whose validation split would hold every training sequence: its train stage
    would stop at this only after the VQ-VAE has been pretrained and the latents encoded."""
    for predictor in settings.get("predictors"):
        held = settings.get(f"train.{predictor}.val_sequences")
        if isinstance(held, int) and held >= train:
            raise UserError(
                f"params key 'train.{predictor}.val_sequences' ({held}) must leave training sequences: "
                f"{dataset} has {train} (lower it, or give the dataset more footage)"
            )
