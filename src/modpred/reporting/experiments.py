"""One row per experiment, one column per model: the test scores `dvc exp show` holds, in a table that
fits a terminal (DVC's own puts each cell's validation values first and one 22-character column per
model, so three models fill 120 columns)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from modpred.baselines import COPY_LAST
from modpred.errors import UserError
from modpred.modes import MODES

METRICS = {  # the report's three, as its columns say them
    "lpips": "LPIPS, lower is better",
    "ssim": "SSIM, higher is better",
    "mse_frame": "MSE per frame, lower is better",
}
REFERENCE = COPY_LAST.name  # the one baseline shown beside the models: what doing nothing scores


def experiment_rows(shown: list[dict[str, Any]]) -> list[tuple[str, dict[str, dict]]]:
    """(label, {scores file: its metrics}) for the workspace, each baseline commit and its experiments,
    from `dvc exp show --json`; labels as DVC prints them (an experiment indented under its commit)."""
    rows: list[tuple[str, dict[str, dict]]] = []

    def metrics(entry: dict[str, Any]) -> dict[str, dict]:
        found = ((entry.get("data") or {}).get("metrics")) or {}
        return {path: (m or {}).get("data") or {} for path, m in found.items() if path.startswith("metrics/scores/")}

    for commit in shown:
        label = "workspace" if commit["rev"] == "workspace" else commit.get("name") or commit["rev"][:7]
        rows.append((label, metrics(commit)))
        for exp in commit.get("experiments") or []:
            for rev in exp.get("revs") or []:
                rows.append((f"  {rev.get('name') or rev['rev'][:7]}", metrics(rev)))
    return rows


def experiments_table(shown: list[dict[str, Any]], metric: str) -> str:
    """Per dataset: a header of predictors over their modes, then each experiment's test `metric`
    (the mean over its seeds, as metrics/scores/<ds>.json holds it); '-' where a model did not run."""
    rows = experiment_rows(shown)
    files = sorted({path for _, found in rows for path in found})
    if not files:
        raise UserError("no experiment holds metrics/scores/*.json yet: run `dvc repro` or `dvc exp run` first")
    out = []
    for file in files:
        models = sorted({name for _, found in rows for name in found.get(file, {}) if _mode(name)})
        predictors = list(dict.fromkeys(name.rsplit("-", 1)[0] for name in models))
        columns = [(p, m) for p in predictors for m in MODES if f"{p}-{m}" in models] + [(REFERENCE, "")]
        width = max(len(label) for label, _ in rows) + 2
        cell = max(8, *(len(m) + 1 for m in MODES))
        digits = 1 if metric == "mse_frame" else 3
        spans = {p: cell * sum(1 for q, _ in columns if q == p) for p, _ in columns}
        top = "".join(f"{p.replace('_', '-'):<{span}}" for p, span in spans.items())
        lines = [f"{'':<{width}}{top}", f"{'experiment':<{width}}" + "".join(f"{m:<{cell}}" for _, m in columns)]
        for label, found in rows:
            scores = found.get(file, {})
            values = [scores.get(f"{p}-{m}" if m else p, {}).get(metric) for p, m in columns]
            cells = ("-" if v is None else f"{v:.{digits}f}" for v in values)
            lines.append(f"{label:<{width}}" + "".join(f"{c:<{cell}}" for c in cells))
        out += [f"{Path(file).stem}: test {METRICS[metric]} (means over seeds)", *(x.rstrip() for x in lines), ""]
    return "\n".join(out).rstrip() + "\n"


def _mode(name: str) -> str | None:
    mode = name.rsplit("-", 1)[-1]
    return mode if "-" in name and mode in MODES else None


def dvc_experiments(all_commits: bool = False) -> list[dict[str, Any]]:
    """`dvc exp show --json` of the project in the working directory."""
    cmd = [sys.executable, "-m", "dvc", "exp", "show", "--json", *(["--all-commits"] if all_commits else [])]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise UserError(f"dvc exp show failed: {(proc.stderr.strip().splitlines() or ['?'])[-1]}")
    return json.loads(proc.stdout)
