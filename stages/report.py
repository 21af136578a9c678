"""report: all metrics into metrics/report.md, and the long-form tables of the dvc plots charts."""

from __future__ import annotations

from modpred import paths
from modpred.atomic import atomic_path, write_text
from modpred.errors import UserError
from modpred.reporting.plot_data import write_plot_tables
from modpred.reporting.report import build_report
from stages.app import stage


@stage("report")
def report() -> None:
    """Gather every run's metrics into metrics/report.md and the chart tables of metrics/plots/.

    Reads metrics/runs/ and metrics/figures/ of every dataset; no settings. metrics/report.md holds
    the quality and cost tables and the figures; metrics/plots/ feeds `dvc plots show`.
    """
    if not paths.RUNS.is_dir():
        raise UserError(f"no metrics in {paths.RUNS}: run the evaluate stages first")
    write_text(paths.REPORT, build_report())
    with atomic_path(paths.PLOTS) as tmp:
        write_plot_tables(tmp)
