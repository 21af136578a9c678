"""report: all metrics into metrics/report.md."""

from __future__ import annotations

from modpred import paths
from modpred.atomic import write_text
from modpred.errors import UserError
from modpred.reporting.report import build_report
from stages.app import stage


@stage("report")
def report() -> None:
    """Gather every run's metrics into the quality and compute tables of metrics/report.md."""
    if not paths.RUNS.is_dir():
        raise UserError(f"no metrics in {paths.RUNS}: run the evaluate stages first")
    write_text(paths.REPORT, build_report(paths.RUNS))
