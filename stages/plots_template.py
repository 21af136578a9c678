"""plots-template: write the offline page template `dvc plots show` uses (not a DVC stage; run by the set-up)."""

from __future__ import annotations

from pathlib import Path

import typer

from modpred.reporting.plots_page import write_offline_template
from stages.app import stage


@stage("plots-template")
def plots_template(
    out: Path = typer.Argument(Path(".dvc/plots/offline.html"), help="where .dvc/config's plots.html_template points"),
) -> None:
    """Write an HTML template with Vega inlined, so `dvc plots show` pages render with no network."""
    write_offline_template(out)
    typer.echo(f"wrote {out}")
