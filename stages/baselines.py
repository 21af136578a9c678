"""baselines@<dataset>: score the trivial predictors every model must beat."""

from __future__ import annotations

from pathlib import Path

import typer

from modpred import paths
from modpred.atomic import write_json, write_text
from modpred.data.sequences import read_sequences, sequence_layout
from modpred.evaluation.evaluate import blank_frames, copy_last_frame, score_predictor
from modpred.params import DATASETS, check_choice
from modpred.training.compute import pick_device
from stages.app import stage

BATCH = 64


@stage("baselines")
def baselines(
    dataset: str = typer.Argument(..., help="dataset name"),
    params: Path = typer.Option(Path("params.yaml"), "--params", help="unused: baselines have no params"),
) -> None:
    """Score 'copy the last input frame' and 'predict blank frames' on the test set."""
    check_choice(dataset, DATASETS, "dataset")
    test_file = paths.sequences_file(dataset, "test")
    input_len, seq_len, _ = sequence_layout(test_file)
    frames = read_sequences(test_file)
    future = seq_len - input_len
    out = paths.baselines_dir(dataset)
    for name, predict in (("copy_last", copy_last_frame(future)), ("blank", blank_frames(future))):
        table, summary = score_predictor(predict, frames, input_len, BATCH, pick_device(), desc=f"baseline {name}")
        summary.update(dataset=dataset, predictor=name, mode="baseline")
        write_json(out / f"{name}.json", summary)
        write_text(out / f"{name}_per_frame.csv", table.to_csv(index=False, float_format="%.6g"))
