"""The Typer app every stage registers on, and the wrapper that turns user mistakes into one line."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import typer

from modpred.errors import UserError
from modpred.params import DATASETS, MODES, PREDICTORS, check_choice

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Stages of the modular spatiotemporal prediction pipeline (see dvc.yaml).",
)

F = TypeVar("F", bound=Callable[..., Any])

ParamsOption = typer.Option(Path("params.yaml"), "--params", help="params file to read")
DatasetArg = typer.Argument(..., help="dataset: mmnist or kth")
PredictorArg = typer.Argument(..., help="predictor: predrnn or tctn")
ModeArg = typer.Argument(..., help="mode: base (pixels) or modular (VQ-VAE latents)")


def check_cell(dataset: str, predictor: str, mode: str) -> None:
    """One-line errors for an unknown dataset, predictor or mode, before any work starts."""
    check_choice(dataset, DATASETS, "dataset")
    check_choice(predictor, PREDICTORS, "predictor")
    check_choice(mode, MODES, "mode")


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
