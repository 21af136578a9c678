"""`python -m stages <command>`: the entry point dvc.yaml calls.

Only the named command's module is imported, so what a stage runs is exactly what that module
imports (which `tests/test_dvc_deps.py` holds against the stage's `deps` in dvc.yaml). With no
known command (`--help`, a typo), every command is imported so Typer can list them.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

from stages.app import app

COMMANDS = sorted(p.stem for p in Path(__file__).parent.glob("*.py") if not p.stem.startswith("_") and p.stem != "app")


def command_module(argv: list[str]) -> str | None:
    """The module of the command named in `argv` (the first word that is not an option or its value)."""
    words = iter(argv)
    for word in words:
        if word == "--log-level":
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
