"""`python -m stages <command>`: the entry point dvc.yaml calls.

Only the named command's module is imported, so what a stage runs is exactly what that module
imports (which `tests/test_dvc_deps.py` holds against the stage's `deps` in dvc.yaml). With no
known command (`--help`, a typo), every command is imported so Typer can list them.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import click
import typer

from stages.app import app

COMMANDS = sorted(p.stem for p in Path(__file__).parent.glob("*.py") if not p.stem.startswith("_") and p.stem != "app")


def options_with_values() -> set[str]:
    """The global options (of the app's callback) that take a value, read from the app itself."""
    group = typer.main.get_group(app)
    return {
        opt for param in group.params if isinstance(param, click.Option) and not param.is_flag for opt in param.opts
    }


def command_module(argv: list[str]) -> str | None:
    """The module of the command named in `argv` (the first word that is not an option or its value)."""
    takes_value = options_with_values()
    words = iter(argv)
    for word in words:
        if word in takes_value:
            next(words, None)
        elif not word.startswith("-"):
            name = word.replace("-", "_")
            return name if name in COMMANDS else None
    return None


def import_commands(modules: list[str]) -> None:
    """Import command modules; each registers its command on `app` as it loads."""
    for module in modules:
        importlib.import_module(f"stages.{module}")


def main() -> None:
    named = command_module(sys.argv[1:])
    import_commands([named] if named else COMMANDS)
    app()


if __name__ == "__main__":
    main()
