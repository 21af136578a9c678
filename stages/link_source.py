"""link_source@<dataset>: link data/DATASET/source to the folder the dataset reads, for DVC to hash."""

from __future__ import annotations

from pathlib import Path

import typer

from modpred import paths
from modpred.data.source import link_source
from modpred.params import ParamsFile
from stages.app import DatasetArg, ParamsOption, check_dataset, stage


@stage("link-source")
def link_source_stage(dataset: str = DatasetArg, params: Path = ParamsOption) -> None:
    """Link data/DATASET/source to the folder of clips the `data.DATASET` params name (a placeholder if none).

    `generate@DATASET` depends on the link, so DVC reruns it when a clip is added, changed or
    removed, wherever the folder lives.
    """
    check_dataset(dataset)
    target = link_source(dataset, ParamsFile(params).get(f"data.{dataset}"))
    where = f"-> {target}" if target else "(this dataset reads no folder)"
    typer.echo(f"{dataset}: {paths.source_link(dataset)} {where}")
