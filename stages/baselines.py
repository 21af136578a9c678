"""baselines@<dataset>: score the trivial predictors every model must beat."""

from __future__ import annotations

from modpred import paths
from modpred.device import pick_device
from modpred.evaluation.evaluate import blank_frames, copy_last_frame, save_scores, score_test_split
from stages.app import DatasetArg, check_dataset, stage

BATCH = 64


@stage("baselines")
def baselines(dataset: str = DatasetArg) -> None:
    """Score 'copy the last input frame' and 'predict blank frames' on the test set."""
    check_dataset(dataset)
    makers = {"copy_last": copy_last_frame, "blank": blank_frames}
    for name in paths.BASELINES:
        make = makers[name]
        table, summary = score_test_split(dataset, make, BATCH, pick_device(), desc=f"baseline {name}")
        summary.update(dataset=dataset, predictor=name, mode="baseline")
        save_scores(paths.baseline_json(dataset, name), paths.baseline_per_frame(dataset, name), table, summary)
