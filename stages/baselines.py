"""baselines@<dataset>: score the trivial predictors every model must beat."""

from __future__ import annotations

from modpred import paths
from modpred.baselines import BASELINE_MODE
from modpred.device import pick_device
from modpred.evaluation.evaluate import TRIVIAL_PREDICTORS, save_scores, score_test_split
from stages.app import DatasetArg, check_dataset, stage

BATCH = 64


@stage("baselines")
def baselines(dataset: str = DatasetArg) -> None:
    """Score 'copy the last input frame' and 'predict blank frames' on the test set, as `evaluate` scores a model.

    Reads data/DATASET/base/test.h5; no settings. Writes metrics/runs/DATASET/baselines/: NAME.json,
    NAME_per_frame.csv and NAME_per_sequence.csv for copy_last and blank.
    """
    check_dataset(dataset)
    for name, make in TRIVIAL_PREDICTORS.items():
        scored = score_test_split(dataset, make, BATCH, pick_device(), (name, BASELINE_MODE))
        json_path, per_frame = paths.baseline_json(dataset, name), paths.baseline_per_frame(dataset, name)
        save_scores(json_path, per_frame, paths.baseline_per_sequence(dataset, name), scored)
