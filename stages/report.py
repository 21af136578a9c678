"""report: all metrics into metrics/report.md, and the long-form tables of the dvc plots charts."""

from __future__ import annotations

from pathlib import Path

from modpred import paths
from modpred.atomic import atomic_path, write_text
from modpred.errors import UserError
from modpred.params import ParamsFile
from modpred.reporting.plot_data import write_plot_tables
from modpred.reporting.report import build_report
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
    cells = [(pr, m, seed) for pr in p.get("predictors") for m in p.get("modes") for seed in p.get("seeds")]
    write_text(paths.REPORT, build_report(order=p.get("predictors"), cells=cells))
    with atomic_path(paths.PLOTS) as tmp:
        write_plot_tables(tmp, cells=cells)
