"""profile: print a named profile as `dvc exp run` flags (not a DVC stage)."""

from __future__ import annotations

import typer

from modpred.profiles import PROFILES, load_profile, set_param_flags
from stages.app import stage

NAMES = ", ".join(sorted(p.stem for p in PROFILES.glob("*.yaml")))


@stage("profile")
def profile(name: str = typer.Argument(..., help=f"a profile in profiles/: {NAMES}")) -> None:
    """Print -S flags for `dvc exp run -n NAME $(python -m stages profile NAME)`."""
    typer.echo(" ".join(set_param_flags(load_profile(name))))
