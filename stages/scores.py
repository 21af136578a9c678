"""scores@<dataset>: the compact DVC metrics file, every model's and baseline's headline metrics."""

from __future__ import annotations

from pathlib import Path

from modpred import paths
from modpred.atomic import write_json
from modpred.cell import cells
from modpred.params import ParamsFile
from modpred.results import compact_scores
from stages.app import DatasetArg, ParamsOption, check_dataset, stage


@stage("scores")
def scores(dataset: str = DatasetArg, params: Path = ParamsOption) -> None:
    """Write metrics/scores/DATASET.json from the eval.json of each model in `predictors` x `modes`
    x `seeds` and of each baseline: keys such as `predrnn-modular.lpips` (the mean over seeds), what
    `dvc exp show` and `dvc metrics diff` compare. Settings: the `predictors`, `modes` and `seeds` params keys."""
    check_dataset(dataset)
    p = ParamsFile(params)
    write_json(paths.scores_file(dataset), compact_scores(dataset, cells(p, datasets=[dataset])))
