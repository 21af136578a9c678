"""Which project source files each DVC stage runs, derived from its imports, and which dvc.yaml misses.

A stage's command is `python -m stages <command>`; `stages/__main__.py` imports only that command's
module, so the code a stage runs is the transitive closure of that module's imports inside the
project (`stages`, `modpred`), plus the package `__init__` files on the way. Imports inside
functions count too: they run when the stage does.
"""

from __future__ import annotations

import ast
from pathlib import Path

import yaml

PROJECT_PACKAGES = ("stages", "modpred")


def module_file(root: Path, module: str) -> Path | None:
    parts = module.split(".")
    base = root / "src" if parts[0] == "modpred" else root
    for candidate in (base.joinpath(*parts).with_suffix(".py"), base.joinpath(*parts, "__init__.py")):
        if candidate.is_file():
            return candidate
    return None


def _imported_modules(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)  # `from pkg import module`
    return {m for m in found if m.split(".")[0] in PROJECT_PACKAGES}


def files_run_by(root: Path, module: str) -> set[Path]:
    """Every project file that importing `module` executes, relative to `root`."""
    seen: set[Path] = set()
    todo = [module, "stages.__main__", "stages.app"]
    while todo:
        name = todo.pop()
        parts = name.split(".")
        for i in range(1, len(parts) + 1):  # the module and each package __init__ above it
            path = module_file(root, ".".join(parts[:i]))
            if path is not None and path not in seen:
                seen.add(path)
                todo.extend(_imported_modules(path))
    return {p.relative_to(root) for p in seen}


def stage_code_deps(dvc_yaml: dict) -> dict[str, tuple[str, list[str]]]:
    """stage name -> (its `stages` command module, its deps that are code paths)."""
    out = {}
    for name, spec in dvc_yaml["stages"].items():
        body = spec.get("do", spec)
        words = body["cmd"].split()
        module = words[words.index("stages") + 1].replace("-", "_")
        code = [d for d in body.get("deps", []) if d.startswith(("stages", "src"))]
        out[name] = (module, code)
    return out


def missing_code_deps(root: Path, dvc_yaml: dict) -> dict[str, list[str]]:
    """For each stage, the files it runs that no dep (file or enclosing folder) covers."""
    missing = {}
    for name, (module, deps) in stage_code_deps(dvc_yaml).items():
        covered = [Path(d) for d in deps]
        gaps = sorted(
            str(f) for f in files_run_by(root, f"stages.{module}") if not any(f == d or d in f.parents for d in covered)
        )
        if gaps:
            missing[name] = gaps
    return missing


def read_dvc_yaml(root: Path) -> dict:
    return yaml.safe_load((root / "dvc.yaml").read_text())
