"""generate@<dataset>: make the train and test sequences (uint8 HDF5)."""

from __future__ import annotations

from pathlib import Path

import typer

from modpred import paths
from modpred.atomic import atomic_path
from modpred.data.generate import check_frame_size, generate_dataset
from modpred.params import ParamsFile
from modpred.results import DataFacts
from stages.app import DatasetArg, ParamsOption, check_dataset, stage


@stage("generate")
def generate(dataset: str = DatasetArg, params: Path = ParamsOption) -> None:
    """Generate a dataset's train and test sequences into data/DATASET/base/ (uint8 HDF5, (N, T, C, H, W)).

    Settings come from the `data.DATASET` section of the params file; the videos dataset also writes
    `manifest.json` there (what each clip gave, and why a skipped one was skipped). Writes
    metrics/runs/DATASET/data.json: the split sizes and the clips the test windows come from.
    """
    check_dataset(dataset)
    p = ParamsFile(params)
    check_frame_size(dataset, p)
    with atomic_path(paths.sequences_dir(dataset)) as tmp:
        tmp.mkdir()
        sizes = generate_dataset(dataset, p.get(f"data.{dataset}"), tmp)
    DataFacts.from_sizes(dataset, sizes).write(paths.data_facts(dataset))
    typer.echo(f"{dataset}: {sizes['train']} train and {sizes['test']} test sequences")
