"""profile: print a named profile as `dvc exp run` flags (not a DVC stage)."""

from __future__ import annotations

import typer

from modpred.profiles import load_profile, set_param_flags
from stages.app import stage


@stage("profile")
def profile(name: str = typer.Argument(..., help="paper or large_base (files in profiles/)")) -> None:
    """Print -S flags for `dvc exp run -n NAME $(python -m stages profile NAME)`."""
    typer.echo(" ".join(set_param_flags(load_profile(name))))
