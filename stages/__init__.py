"""Thin Typer commands, one per DVC stage: parse params, call `modpred`, write outputs."""

import sys
from pathlib import Path

_SRC = str(Path(__file__).resolve().parent.parent / "src")
if _SRC not in sys.path:  # run from a checkout without installing the package
    sys.path.insert(0, _SRC)
