"""A recipe sweep of the default run as DVC experiments: queue, run one at a time, tabulate, plot.

Each point of `bench/sweep.yaml` is one `dvc exp run --queue -n sweep-<name> -S key=value ...`
on top of the committed default; DVC reruns only the stages its overrides touch. The table has
one row per experiment and model that the experiment retrained (quality from `eval.json`,
training seconds and kept iteration from `train.json`, read from each experiment's commit), plus
every model of the committed default as `default`.

    python bench/sweep.py run [--only a,b]   # queue the points, run them one at a time, then collect
    python bench/sweep.py collect            # metrics/sweep/sweep.csv and sweep.png from the experiments
    python bench/sweep.py plot               # sweep.png again from the committed sweep.csv (a fresh clone)

The queue runs each experiment in a copy of the repository under .dvc/tmp/exps; PYTHONPATH=src
makes its stages import that copy's code, not the editable install of the working tree.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import time
from pathlib import Path

import matplotlib
import matplotlib.ticker

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import yaml

GRID = Path("bench/sweep.yaml")
OUT = Path("metrics/sweep")
PREFIX = "sweep-"
RUNS = "metrics/runs/mmnist"


def _sh(*args: str, env: dict[str, str] | None = None) -> str:
    return subprocess.run(args, check=True, capture_output=True, text=True, env=env).stdout


def _flag(value: object) -> str:
    return json.dumps(value) if isinstance(value, (bool, list)) else str(value)


def queue_and_run(grid: dict[str, dict]) -> None:
    for name, overrides in grid.items():
        sets = [arg for key, value in overrides.items() for arg in ("-S", f"{key}={_flag(value)}")]
        _sh("dvc", "exp", "run", "--queue", "-n", f"{PREFIX}{name}", *sets)
    env = {**os.environ, "PYTHONPATH": "src"}  # each experiment runs the code of its own copy
    _sh("dvc", "queue", "start", "--jobs", "1", env=env)  # one at a time: two trainings on 2 cores slow each other ~8x
    while any(word in (status := _sh("dvc", "queue", "status")) for word in ("Queued", "Running")):
        time.sleep(10)
    if "Failed" in status:
        print(status)  # `dvc queue logs <name>` shows why; collect() tabulates the points that succeeded


def _cells(rev: str) -> list[str]:
    """The train cells of the experiment at `rev`: its `predictors` x `modes` on mmnist."""
    params = yaml.safe_load(_sh("git", "show", f"{rev}:params.yaml"))
    return [f"{p}-{m}" for p in params["predictors"] for m in params["modes"]]


def _rows(rev: str, experiment: str, overrides: dict, default: dict[str, str] | None = None) -> list[dict]:
    """One row per model of the experiment at `rev`, read from its commit; with `default` (cell ->
    the default's train.json text), only the cells the experiment retrained: a retrained cell's
    train.json differs (its measured timing at least), even where it kept the default's weights."""
    rows = []
    for cell in _cells(rev):
        text = _sh("git", "show", f"{rev}:{RUNS}/{cell}/train.json")
        if default is not None and default.get(cell) == text:
            continue  # not retrained by this experiment: it is the default's point
        train = json.loads(text)
        evaluation = json.loads(_sh("git", "show", f"{rev}:{RUNS}/{cell}/eval.json"))
        rows.append(
            {
                "experiment": experiment,
                "overrides": " ".join(f"{k}={_flag(v)}" for k, v in overrides.items()),
                "model": cell,
                "mode": cell.rsplit("-", 1)[1],
                **{k: evaluation["mean"][k] for k in ("lpips", "lpips_published", "ssim", "mse_frame")},
                "train_seconds": train["iters"] * train["seconds_per_100_iters"] / 100,
                "iters": train["iters"],
                "kept_iteration": train.get("selected_iteration"),
            }
        )
    return rows


def collect(grid: dict[str, dict]) -> pd.DataFrame:
    """The sweep's baseline commit (the default run the points were queued on) and every sweep
    experiment derived from it, as one long table."""
    shown = json.loads(_sh("dvc", "exp", "show", "--json", "--all-commits"))
    found = []  # (baseline rev, [(experiment name, rev)])
    for baseline in shown:
        points = [
            (rev["name"][len(PREFIX) :], rev["rev"])
            for exp in baseline.get("experiments") or []
            for rev in exp.get("revs", [])
            if (rev.get("name") or "").startswith(PREFIX) and rev["name"][len(PREFIX) :] in grid
        ]
        if points:
            found.append((baseline["rev"], points))
    if not found:
        raise SystemExit("no sweep experiments: run `python bench/sweep.py run` first")
    base_rev, points = max(found, key=lambda f: len(f[1]))  # the commit most points were queued on
    rows = _rows(base_rev, "default", {})
    default = {cell: _sh("git", "show", f"{base_rev}:{RUNS}/{cell}/train.json") for cell in _cells(base_rev)}
    for name, rev in points:
        rows += _rows(rev, name, grid[name], default)
    table = pd.DataFrame(rows)
    table.insert(0, "baseline_commit", base_rev[:7])
    OUT.mkdir(parents=True, exist_ok=True)
    table.to_csv(OUT / "sweep.csv", index=False, float_format="%.5g")
    return table


def baselines() -> dict[str, float]:
    return {
        name: json.loads(Path(f"{RUNS}/baselines/{name}.json").read_text())["mean"]["lpips"]
        for name in ("copy_last", "blank")
    }


LENGTH_KEYS = (".iters", ".val_every", ".sampling_stop_iter")  # the training length and what scales with it


def _changes_length_only(overrides: object) -> bool:
    """True for the default and for points that change only the training length (and which cells run)."""
    keys = re.findall(r"(?:^| )([a-z_.]+)=", overrides if isinstance(overrides, str) else "")
    return all(k in ("predictors", "modes") or k.endswith(LENGTH_KEYS) for k in keys)


def trend(table: pd.DataFrame, target: float) -> pd.DataFrame:
    """Per model with three or more training lengths (the default and the points that change only
    iterations), the least-squares line LPIPS = a + b log10(seconds), and the training seconds at
    which that line reaches `target` (copy-last's LPIPS): an extrapolation, said as one."""
    series = table[table.overrides.map(_changes_length_only)]
    rows = []
    for model, group in series.groupby("model"):
        if group.train_seconds.nunique() < 3:
            continue
        b, a = np.polyfit(np.log10(group.train_seconds), group.lpips, 1)
        reach = 10 ** ((target - a) / b) if b < 0 else float("nan")
        rows.append(
            {
                "model": model,
                "points": len(group),
                "seconds_min": group.train_seconds.min(),
                "seconds_max": group.train_seconds.max(),
                "intercept": a,
                "slope_per_decade": b,
                "seconds_to_copy_last": reach,
            }
        )
    out = pd.DataFrame(rows)
    out.to_csv(OUT / "trend.csv", index=False, float_format="%.5g")
    return out


def plot(table: pd.DataFrame, fits: pd.DataFrame) -> None:
    """LPIPS against training seconds, one point per experiment and model; baselines as lines and
    the trend fits as thin dashed lines over the range they were fitted on."""
    fig, ax = plt.subplots(figsize=(9, 5.5))
    predictors = sorted({m.rsplit("-", 1)[0] for m in table.model})
    colors = dict(zip(predictors, plt.rcParams["axes.prop_cycle"].by_key()["color"], strict=False))
    for (model, mode), group in table.groupby(["model", "mode"]):
        predictor = model.rsplit("-", 1)[0]
        ax.scatter(
            group.train_seconds,
            group.lpips,
            marker="o" if mode == "base" else "^",
            facecolors="none" if mode == "base" else colors[predictor],
            edgecolors=colors[predictor],
            s=50,
            label=model,
        )
        for _, row in group.iterrows():
            ax.annotate(
                row.experiment, (row.train_seconds, row.lpips), fontsize=6, xytext=(3, 2), textcoords="offset points"
            )
    for _, fit in fits.iterrows():
        xs = np.geomspace(fit.seconds_min, fit.seconds_max, 20)
        color = colors[fit.model.rsplit("-", 1)[0]]
        ax.plot(xs, fit.intercept + fit.slope_per_decade * np.log10(xs), color=color, ls="--", lw=0.8)
    ax.set_xscale("log")
    ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda x, _: f"{x:g}"))
    ax.xaxis.set_minor_formatter(matplotlib.ticker.FuncFormatter(lambda x, _: f"{x:g}" if str(x)[0] in "2358" else ""))
    for name, value in baselines().items():
        ax.axhline(value, color="gray", ls="--" if name == "copy_last" else ":", lw=1)
        ax.text(ax.get_xlim()[0], value, f" baseline: {name.replace('_', ' ')}", va="bottom", fontsize=8, color="gray")
    ax.set_xlabel("training seconds of the model, log scale (iterations x measured s/iteration, validation excluded)")
    ax.set_ylabel("test LPIPS (lower is better)")
    ax.set_title("Recipe sweep of the default run: open circles base (pixels), triangles modular (latents)")
    ax.legend(fontsize=7, ncol=2)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(OUT / "sweep.png", dpi=110)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=("run", "collect", "plot"))
    parser.add_argument("--only", default="", help="comma-separated points of the grid to queue (default: all)")
    args = parser.parse_args()
    grid = yaml.safe_load(GRID.read_text())
    if args.action == "run":
        queue_and_run({k: v for k, v in grid.items() if not args.only or k in args.only.split(",")})
    table = collect(grid) if args.action in ("run", "collect") else pd.read_csv(OUT / "sweep.csv")
    fits = trend(table, baselines()["copy_last"])
    plot(table, fits)
    best = table.sort_values("lpips").groupby("mode").head(3)
    print(best[["experiment", "model", "lpips", "ssim", "mse_frame", "train_seconds"]].to_string(index=False))
    print(fits.to_string(index=False))


if __name__ == "__main__":
    main()
