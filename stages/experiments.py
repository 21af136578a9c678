"""experiments: every experiment's test scores, a column per model (not a DVC stage; reads `dvc exp show`)."""

from __future__ import annotations

import typer

from modpred.reporting.experiments import METRICS, dvc_experiments, experiments_table
from stages.app import stage


@stage("experiments")
def experiments(
    metric: str = typer.Option("lpips", "--metric", help=f"one of {', '.join(METRICS)}"),
    all_commits: bool = typer.Option(False, "--all-commits", help="experiments of every commit, not HEAD's only"),
) -> None:
    """One row per experiment (the workspace, the commit, each `dvc exp run` on it), one column per
    model: its test METRIC from metrics/scores/<dataset>.json, the mean over its seeds, beside
    copy-last. `dvc exp show` has every column; this is the comparison that fits a terminal."""
    if metric not in METRICS:
        raise typer.BadParameter(f"--metric {metric}: expected one of {', '.join(METRICS)}")
    typer.echo(experiments_table(dvc_experiments(all_commits), metric), nl=False)
