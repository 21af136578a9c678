"""The Typer app every stage registers on, logging set up once, and the one-line error wrapper."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import typer

from modpred.errors import UserError
from modpred.modes import MODES
from modpred.plugins import check_name, dataset_names, predictor_names

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode="markdown",  # docstring paragraphs reflow to the terminal width
    help=(
        "Stages of the modular spatiotemporal prediction pipeline. They normally run through `dvc repro`, "
        "which calls each with the arguments dvc.yaml gives it and caches its outputs; run one by hand to "
        "debug it. `sample-videos`, `predict`, `profile` and `plots-template` are tools, not stages."
    ),
)

F = TypeVar("F", bound=Callable[..., Any])

LOG_LEVELS = ("debug", "info", "warning", "error")
ParamsOption = typer.Option(Path("params.yaml"), "--params", help="params file to read")
# help text from the plug-in folders (src/modpred/data/datasets, src/modpred/models/predictors)
DatasetArg = typer.Argument(..., help=f"dataset: {', '.join(dataset_names())}")
PredictorArg = typer.Argument(..., help=f"predictor: {', '.join(predictor_names())}")
ModeArg = typer.Argument(..., help=f"mode: {', '.join(f'{m.name} ({m.sees})' for m in MODES.values())}")
SeedArg = typer.Argument(..., help="replicate seed, one of the `seeds` params list: initial weights, batches, masks")


@app.callback()
def configure(
    log_level: str = typer.Option("info", "--log-level", help=f"one of {', '.join(LOG_LEVELS)}"),
) -> None:
    """Log what a run chose (device, data and weights sources, resume) to stderr, once for all commands."""
    if log_level not in LOG_LEVELS:
        typer.echo(f"error: unknown --log-level '{log_level}': expected one of {', '.join(LOG_LEVELS)}", err=True)
        raise typer.Exit(2)
    logging.basicConfig(level=log_level.upper(), format="%(levelname)s %(name)s: %(message)s")


def check_dataset(dataset: str) -> None:
    """A one-line error for an unknown dataset, before any work starts."""
    check_name(dataset, dataset_names(), "dataset")


def check_cell(dataset: str, predictor: str, mode: str) -> None:
    """One-line errors for an unknown dataset, predictor or mode, before any work starts."""
    check_dataset(dataset)
    check_name(predictor, predictor_names(), "predictor")
    check_name(mode, tuple(MODES), "mode")


def stage(name: str) -> Callable[[F], F]:
    """Register a command called `name`; a UserError exits 2 with `error: <message>` on one line."""

    def register(func: F) -> F:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                return func(*args, **kwargs)
            except UserError as exc:
                typer.echo(f"error: {exc}", err=True)
                raise typer.Exit(2) from None

        app.command(name=name)(wrapper)
        return func

    return register
