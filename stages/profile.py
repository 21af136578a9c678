"""profile: print a named profile as `dvc exp run` flags (not a DVC stage)."""

from __future__ import annotations

import typer

from modpred.profiles import PROFILES, load_profile, reset_to_committed, set_param_flags
from stages.app import stage

NAMES = ", ".join(sorted(p.stem for p in PROFILES.glob("*.yaml")))


@stage("profile")
def profile(
    name: str = typer.Argument(..., help=f"a profile in profiles/: {NAMES}"),
    apply: bool = typer.Option(
        False, "--apply", help="write the flags into params.yaml (for torchrun, which reads the workspace's params)"
    ),
) -> None:
    """Put back the committed params.yaml, then print the profile's -S flags for
    `dvc exp run -n NAME $(python -m stages profile NAME)`.

    An earlier `dvc exp run` leaves its params in the workspace; when the file is an experiment's,
    the committed one is put back first (the workspace's copy is kept in .dvc/tmp/, and stderr says
    so), so experiments do not stack. Uncommitted edits of your own are left as they are.
    `default` applies nothing: `$(python -m stages profile default)` before your own -S flags starts
    an experiment from the committed params. With --apply, the flags are written into params.yaml
    as `dvc exp run -S` would write them (for a run outside DVC, such as torchrun, that `dvc commit`
    then records).
    """
    overrides = load_profile(name)  # an unknown profile stops before the file is touched
    flags = set_param_flags(overrides)
    said = reset_to_committed()
    if said:
        typer.echo(f"profile {name}: {said}", err=True)
    if apply:
        from dvc.utils.hydra import apply_overrides  # DVC's own writer: the file `dvc exp run -S` would leave

        if flags:
            apply_overrides("params.yaml", flags[1::2])
        typer.echo(f"params.yaml: the committed params with profile {name} ({len(overrides)} keys set)")
        return
    typer.echo(" ".join(flags))
