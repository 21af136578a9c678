"""Which project source files each DVC stage runs, derived from its imports: `python -m stages deps`
(`make deps`) writes them into dvc.yaml, a test checks the committed file equals what it writes, and
a training's resume state is tied to the hash of the files its stage runs (`code_hash`).

A stage's command is `python -m stages <command>`; `stages/__main__.py` imports only that command's
module, so the code a stage runs is the transitive closure of that module's imports inside the
project (`stages`, `modpred`), plus the package `__init__` files on the way. Imports inside
functions count too: they run when the stage does; those under `if TYPE_CHECKING:` do not.
Plug-ins (`modpred.plugins`) are imported by name at run time: a stage whose command names
`${item.predictor}` (or a dataset, `${item}` / `${item.dataset}`) runs that plug-in's module alone;
any other stage that imports the plug-in package may run all of them. In dvc.yaml a plug-in's
files are written once, by the placeholder: `src/modpred/models/predictors/${item.predictor}.py`
for a one-file plug-in, the folder `src/modpred/data/datasets/${item}` for a plug-in package.
"""

from __future__ import annotations

import ast
import hashlib
import re
from pathlib import Path
from typing import Any

import yaml

PROJECT_PACKAGES = ("stages", "modpred")
PLUGIN_PACKAGES = {"modpred.models.predictors": "predictor", "modpred.data.datasets": "dataset"}


def module_file(root: Path, module: str) -> Path | None:
    parts = module.split(".")
    base = root / "src" if parts[0] == "modpred" else root
    for candidate in (base.joinpath(*parts).with_suffix(".py"), base.joinpath(*parts, "__init__.py")):
        if candidate.is_file():
            return candidate
    return None


def _runtime_nodes(tree: ast.AST) -> list[ast.AST]:
    """Every node of `tree` but those under `if TYPE_CHECKING:`, which never run."""
    nodes, todo = [], [tree]
    while todo:
        node = todo.pop()
        nodes.append(node)
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            todo.extend(node.orelse)
            continue
        todo.extend(ast.iter_child_nodes(node))
    return nodes


def _imported_modules(path: Path) -> set[str]:
    found: set[str] = set()
    for node in _runtime_nodes(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)  # `from pkg import module`
    return {m for m in found if m.split(".")[0] in PROJECT_PACKAGES}


def plugin_modules(root: Path, package: str) -> list[str]:
    """The plug-ins of `package`: its modules and its sub-packages, as `modpred.plugins` lists them."""
    init = module_file(root, package)
    if init is None:  # the package is not in this tree (an installed copy): no plug-in file to list
        return []
    folder = init.parent
    names = [p.stem for p in folder.glob("*.py")] + [p.parent.name for p in folder.glob("*/__init__.py")]
    return [f"{package}.{name}" for name in sorted(names) if not name.startswith("_")]


def files_run_by(root: Path, module: str, chosen: dict[str, str] | None = None) -> set[Path]:
    """Every project file that importing `module` executes, relative to `root`; `chosen` names the
    plug-in of each kind ("predictor", "dataset") the stage runs, the others run all of theirs."""
    chosen = chosen or {}
    seen: set[Path] = set()
    todo = [module, "stages.__main__", "stages.app"]
    while todo:
        name = todo.pop()
        parts = name.split(".")
        for i in range(1, len(parts) + 1):  # the module and each package __init__ above it
            dotted = ".".join(parts[:i])
            path = module_file(root, dotted)
            if path is not None and path not in seen:
                seen.add(path)
                todo.extend(_imported_modules(path))
                if dotted in PLUGIN_PACKAGES:
                    kind = PLUGIN_PACKAGES[dotted]
                    todo.extend([f"{dotted}.{chosen[kind]}"] if kind in chosen else plugin_modules(root, dotted))
    return {p.relative_to(root) for p in seen}


def stage_code_deps(dvc_yaml: dict[str, Any]) -> dict[str, tuple[str, str, list[str]]]:
    """stage name -> (its `stages` command module, its command, its deps that are code paths)."""
    out = {}
    for name, spec in dvc_yaml["stages"].items():
        body = spec.get("do", spec)
        words = body["cmd"].split()
        module = words[words.index("stages") + 1].replace("-", "_")
        code = [d for d in body.get("deps", []) if d.startswith(("stages", "src"))]
        out[name] = (module, body["cmd"], code)
    return out


def _instances(root: Path, cmd: str) -> list[dict[str, str]]:
    """The plug-in choices a templated command stands for: one per predictor it names, else one."""
    placeholders = {"predictor": ("${item.predictor}",), "dataset": ("${item.dataset}", "${item}")}
    out: list[dict[str, str]] = [{}]
    for package, kind in PLUGIN_PACKAGES.items():
        if any(p in cmd.split() for p in placeholders[kind]):
            names = [m.rsplit(".", 1)[1] for m in plugin_modules(root, package)]
            out = [{**o, kind: n} for o in out for n in names]
    return out


def _expand(dep: str, chosen: dict[str, str]) -> str:
    for kind, name in chosen.items():
        dep = dep.replace(f"${{item.{kind}}}", name)
    return dep.replace("${item}", chosen.get("dataset", "${item}"))


def missing_code_deps(root: Path, dvc_yaml: dict[str, Any]) -> dict[str, list[str]]:
    """For each stage, the files it runs that no dep (file or enclosing folder) covers."""
    missing = {}
    for name, (module, cmd, deps) in stage_code_deps(dvc_yaml).items():
        gaps: set[str] = set()
        for chosen in _instances(root, cmd):
            covered = [Path(_expand(d, chosen)) for d in deps]
            files = files_run_by(root, f"stages.{module}", chosen)
            gaps |= {str(f) for f in files if not any(f == d or d in f.parents for d in covered)}
        if gaps:
            missing[name] = sorted(gaps)
    return missing


def read_dvc_yaml(root: Path) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((root / "dvc.yaml").read_text())
    return data


PLACEHOLDERS = {"predictor": "${item.predictor}", "dataset": "${item.dataset}"}


def derived_code_deps(root: Path, module: str, cmd: str) -> list[str]:
    """The code deps of a stage as dvc.yaml writes them: every file any instance of its command runs,
    a plug-in's own files by their placeholder; `stages/` first, then `src/` by path."""
    deps = {
        _templated(root, path, chosen, cmd)
        for chosen in _instances(root, cmd)
        for path in files_run_by(root, module, chosen)
    }
    return sorted(deps, key=lambda d: (not d.startswith("stages/"), d))


def _templated(root: Path, path: Path, chosen: dict[str, str], cmd: str) -> str:
    """`path`, or the placeholder path of the chosen plug-in when it is that plug-in's file (or in its folder)."""
    for package, kind in PLUGIN_PACKAGES.items():
        own = module_file(root, f"{package}.{chosen[kind]}") if kind in chosen else None
        if own is None:
            continue
        placeholder = PLACEHOLDERS[kind] if PLACEHOLDERS[kind] in cmd.split() else "${item}"
        own = own.relative_to(root)
        if own.name == "__init__.py" and own.parent in path.parents:  # a plug-in package: its whole folder
            return str(own.parent.parent / placeholder)
        if path == own:
            return str(own.parent / f"{placeholder}.py")
    return str(path)


def write_code_deps(root: Path) -> str:
    """dvc.yaml's text with every stage's code deps replaced by the derived ones; its other deps, their
    comments and everything else kept as written."""
    lines = (root / "dvc.yaml").read_text().splitlines()
    derived = {
        name: derived_code_deps(root, f"stages.{module}", cmd)
        for name, (module, cmd, _) in stage_code_deps(read_dvc_yaml(root)).items()
    }
    out: list[str] = []
    stage = None
    i = 0
    while i < len(lines):
        line = lines[i]
        if match := re.fullmatch(r"  (\w+):", line):
            stage = match[1]
        out.append(line)
        i += 1
        if stage is None or line.strip() != "deps:":
            continue
        indent = " " * (len(line) - len(line.lstrip()) + 2)
        block = []
        while i < len(lines) and (lines[i].startswith(indent) or not lines[i].strip()):
            block.append(lines[i])
            i += 1
        kept = [b for b in block if b.strip() and not re.match(r"\s*(- (stages|src)/|#)", b)]
        out += kept + [f"{indent}- {dep}" for dep in derived[stage]]
        while block and not block[-1].strip():  # a blank line after the list stays after it
            out.append("")
            block.pop()
    return "\n".join(out) + "\n"


def code_hash(root: Path, module: str, chosen: dict[str, str]) -> str:
    """SHA-256 over the files importing `module` runs (names and bytes): what a resumed training must share."""
    digest = hashlib.sha256()
    for path in sorted(files_run_by(root, module, chosen)):
        digest.update(str(path).encode() + b"\0" + (root / path).read_bytes())
    return digest.hexdigest()
