"""report: all metrics into metrics/report.md, and the long-form tables of the dvc plots charts."""

from __future__ import annotations

from pathlib import Path

from modpred import paths
from modpred.atomic import atomic_path, write_text
from modpred.cell import cells
from modpred.errors import UserError
from modpred.params import ParamsFile
from modpred.reporting.plot_data import write_plot_tables
from modpred.reporting.report import build_report
from modpred.results import datasets_with_results
from stages.app import ParamsOption, stage


@stage("report")
def report(params: Path = ParamsOption) -> None:
    """Gather every run's metrics into metrics/report.md and the chart tables of metrics/plots/.

    Reads metrics/runs/ and metrics/figures/ of every dataset, the cells of the `predictors`, `modes`
    and `seeds` params keys alone (`predictors` also orders every table's rows): records an earlier
    experiment left there are not this run's. metrics/report.md holds the quality and cost tables and the
    figures; metrics/plots/ feeds `dvc plots show`.
    """
    if not paths.RUNS.is_dir():
        raise UserError(f"no metrics in {paths.RUNS}: run the evaluate stages first")
    p = ParamsFile(params)
    shown = cells(p, datasets=datasets_with_results())  # every dataset that ran: `datasets` is not this stage's key
    write_text(paths.REPORT, build_report(order=p.get("predictors"), cells=shown))
    with atomic_path(paths.PLOTS) as tmp:
        write_plot_tables(tmp, cells=shown)
