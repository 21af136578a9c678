"""deps: write dvc.yaml's code deps from the imports of each stage's command (not a DVC stage; `make deps`)."""

from __future__ import annotations

from pathlib import Path

import typer

from modpred.code_deps import write_code_deps
from modpred.errors import UserError
from stages.app import stage


@stage("deps")
def deps(
    check: bool = typer.Option(
        False, "--check", help="write nothing; fail if dvc.yaml's code deps are not the derived ones"
    ),
) -> None:
    """Rewrite every stage's code deps in dvc.yaml: the project files its command imports (stages/__main__.py
    imports only the named command), a plug-in's own files by their placeholder. Data deps, params, outs
    and comments stay as written. Run it after adding an import; a test fails while dvc.yaml differs.
    """
    path = Path("dvc.yaml")
    written = write_code_deps(Path("."))
    if written == path.read_text():
        typer.echo("dvc.yaml's code deps are the derived ones")
        return
    if check:
        raise UserError("dvc.yaml's code deps differ from the imports: run `make deps` (python -m stages deps)")
    path.write_text(written)
    typer.echo("dvc.yaml: code deps rewritten from the imports (review with `git diff dvc.yaml`)")
