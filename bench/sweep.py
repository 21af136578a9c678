"""A recipe sweep of the default run as DVC experiments: queue, run one at a time, tabulate, plot.

Each point of `bench/sweep.yaml` is one `dvc exp run --queue -n sweep-<name> -S key=value ...`
on top of the committed default; DVC reruns only the stages its overrides touch. The table has
one row per experiment and model that the experiment retrained (quality from `eval.json`,
training seconds and kept iteration from `train.json`, read from each experiment's commit), plus
every model of the committed default as `default`.

    python bench/sweep.py run [--only a,b]   # queue the points, run them one at a time, then collect
    python bench/sweep.py collect            # metrics/sweep/sweep.csv and sweep.png from the experiments
    python bench/sweep.py plot               # sweep.png again from the committed sweep.csv (a fresh clone)

`--grid FILE --out DIR` run another grid into its own folder (issue 20's: bench/sweep_issue20.yaml
into metrics/sweep/issue20), so an earlier sweep's table stays as it was committed.

The queue runs each experiment in a copy of the repository under .dvc/tmp/exps; PYTHONPATH=src
makes its stages import that copy's code, not the editable install of the working tree.
"""

from __future__ import annotations

import argparse
import json
import os
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

from modpred import paths
from modpred.metrics import HEADLINE, LPIPS_KEYS
from modpred.reporting.colors import baseline_color, model_color
from modpred.reporting.figures import save_figure
from modpred.results import RunFacts, Scores, baseline_label, model_label

GRID = Path("bench/sweep.yaml")
OUT = Path("metrics/sweep")  # where the tables and the figure go (--out)
PREFIX = "sweep-"
METRIC_COLUMNS = tuple(dict.fromkeys((*LPIPS_KEYS, *HEADLINE)))  # lpips, lpips_published, ssim, mse_frame


def _sh(*args: str, env: dict[str, str] | None = None) -> str:
    """A command's stdout; when it fails, its stderr (DVC's reason) is printed before the error."""
    proc = subprocess.run(args, capture_output=True, text=True, env=env)
    if proc.returncode:
        print(proc.stderr, end="")
        proc.check_returncode()
    return proc.stdout


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


def _cells(rev: str) -> list[tuple[str, str, str]]:
    """The train cells of the experiment at `rev`: (dataset, predictor, mode) of its params."""
    params = yaml.safe_load(_sh("git", "show", f"{rev}:params.yaml"))
    return [(ds, p, m) for ds in params["datasets"] for p in params["predictors"] for m in params["modes"]]


def _show(rev: str, path: Path) -> str:
    return _sh("git", "show", f"{rev}:{path.as_posix()}")


def _run_dir(rev: str, ds: str, p: str, m: str) -> Path:
    """A cell's metrics folder at `rev`: its first seed's; a commit from before the seed axis had one folder."""
    params = yaml.safe_load(_show(rev, Path("params.yaml")))
    if "seeds" not in params:
        return paths.run_metrics_dir(ds, p, m, 0).parent
    return paths.run_metrics_dir(ds, p, m, params["seeds"][0])


def _facts(rev: str, cell: tuple[str, str, str]) -> tuple[str, RunFacts]:
    """train.json of a cell at `rev` (its text, to tell a retrained cell, and its fields)."""
    ds, p, m = cell
    text = _show(rev, _run_dir(rev, ds, p, m) / paths.TRAIN_JSON)
    return text, RunFacts.from_dict({"dataset": ds, "predictor": p, "mode": m, **json.loads(text)})


def _rows(
    rev: str, experiment: str, overrides: dict, default: dict[tuple[str, str, str], str] | None = None
) -> list[dict]:
    """One row per model of the experiment at `rev`, read from its commit; with `default` (cell ->
    the default's train.json text), only the cells the experiment retrained: a retrained cell's
    train.json differs (its measured timing at least), even where it kept the default's weights."""
    rows = []
    for cell in _cells(rev):
        text, facts = _facts(rev, cell)
        if default is not None and default.get(cell) == text:
            continue  # not retrained by this experiment: it is the default's point
        scores = Scores.from_dict(json.loads(_show(rev, _run_dir(rev, *cell) / paths.EVAL_JSON)))
        rows.append(
            {
                "experiment": experiment,
                "overrides": " ".join(f"{k}={_flag(v)}" for k, v in overrides.items()),
                "dataset": facts.dataset,
                "model": facts.label,
                "predictor": facts.predictor,
                "mode": facts.mode,
                **{k: scores.mean[k] for k in METRIC_COLUMNS},
                "train_seconds": facts.train_seconds,
                "iters": facts.iters,
                "kept_iteration": facts.selected_iteration,
            }
        )
    return rows


def collect(grid: dict[str, dict], out: Path = OUT) -> pd.DataFrame:
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
    default = {cell: _facts(base_rev, cell)[0] for cell in _cells(base_rev)}
    for name, rev in points:
        rows += _rows(rev, name, grid[name], default)
    table = pd.DataFrame(rows)
    table.insert(0, "baseline_commit", base_rev[:7])
    out.mkdir(parents=True, exist_ok=True)
    table.to_csv(out / "sweep.csv", index=False, float_format="%.5g")
    return table


def baselines(ds: str) -> dict[str, float | None]:
    """The committed trivial baselines' LPIPS on `ds`: the lines every sweep point is compared with (not
    the VQ-VAE oracle: it is the workspace VQ-VAE's, and a sweep's points have VQ-VAEs of their own)."""
    return {name: Scores.read(paths.baseline_json(ds, name)).mean["lpips"] for name in paths.TRIVIAL}


LENGTH_KEYS = (".iters", ".val_every", ".sampling_stop_iter")  # the training length and what scales with it


def recipe(overrides: dict, predictor: str, mode: str) -> str:
    """The overrides a model's cell reads, but its length: what makes two points the same recipe.

    A train cell reads `train.<its predictor>` (and the data and evaluation settings); a modular
    cell also reads the VQ-VAE and latents. `predictors`, `modes` and other predictors' keys only
    choose which cells run, and the length keys are what a trend varies.
    """
    read = (f"train.{predictor}.", "data.", "evaluate.", *(("vqvae.", "latents.") if mode == "modular" else ()))
    kept = {k: v for k, v in overrides.items() if k.startswith(read) and not k.endswith(LENGTH_KEYS)}
    return " ".join(f"{k}={_flag(v)}" for k, v in sorted(kept.items()))


def trend(table: pd.DataFrame, grid: dict[str, dict], target: float, out_dir: Path = OUT) -> pd.DataFrame:
    """Per model and recipe with three or more training lengths (points that differ only in
    iterations), the least-squares line LPIPS = a + b log10(seconds), and the training seconds at
    which that line reaches `target` (copy-last's LPIPS): an extrapolation, said as one."""
    recipes = [recipe(grid.get(row.experiment, {}), row.predictor, row["mode"]) for _, row in table.iterrows()]
    series = table.assign(recipe=recipes)
    rows = []
    for (model, kind), group in series.groupby(["model", "recipe"]):
        group = group.drop_duplicates("iters")  # one point per length: another experiment may reuse the cell
        if len(group) < 3:
            continue
        b, a = np.polyfit(np.log10(group.train_seconds), group.lpips, 1)
        reach = 10 ** ((target - a) / b) if b < 0 else float("nan")
        rows.append(
            {
                "model": model,
                "predictor": group.predictor.iloc[0],
                "mode": group["mode"].iloc[0],
                "recipe": kind,
                "points": len(group),
                "experiments": " ".join(group.experiment),
                "seconds_min": group.train_seconds.min(),
                "seconds_max": group.train_seconds.max(),
                "intercept": a,
                "slope_per_decade": b,
                "seconds_to_copy_last": reach,
            }
        )
    out = pd.DataFrame(rows)
    out.to_csv(out_dir / "trend.csv", index=False, float_format="%.5g")
    return out


def table_iii(table: pd.DataFrame, fits: pd.DataFrame, grid: dict, chosen: dict, ds: str, out: Path) -> pd.DataFrame:
    """Table III's framing at this size: per predictor, the training seconds its base model needs to
    reach the committed default's modular LPIPS (from the trend line of the base model's recipe in
    that default, `chosen`: the grid's `_default` overrides), over the seconds the modular model
    trained. The modular LPIPS is the working tree's default run's; its training seconds are those
    the sweep measured for the same cell (machines of this kind drift in speed between runs), or
    the default run's when the sweep has no such point."""
    rows = []
    for _, fit in fits[fits["mode"] == "base"].iterrows():
        if fit.recipe != recipe(chosen, fit.predictor, "base"):
            continue
        run = paths.run_metrics_dir(ds, fit.predictor, "modular", 0)
        if not (run / paths.EVAL_JSON).is_file():
            continue
        target = Scores.read(run / paths.EVAL_JSON).mean["lpips"]
        facts = RunFacts.from_dict(
            {
                "dataset": ds,
                "predictor": fit.predictor,
                "mode": "modular",
                **json.loads((run / paths.TRAIN_JSON).read_text()),
            }
        )
        needed = 10 ** ((target - fit.intercept) / fit.slope_per_decade) if fit.slope_per_decade < 0 else float("nan")
        same = [
            row.train_seconds
            for _, row in table[table.model == f"{fit.predictor}-modular"].iterrows()
            if row.iters == facts.iters
            and recipe(grid.get(row.experiment, {}), fit.predictor, "modular")
            == recipe(chosen, fit.predictor, "modular")
        ]
        seconds = same[0] if same else facts.train_seconds
        rows.append(
            {
                "predictor": fit.predictor,
                "base_recipe": fit.recipe,
                "base_points": fit.experiments,
                "modular_lpips": target,
                "modular_train_seconds": seconds,
                "base_fit_seconds_min": fit.seconds_min,
                "base_fit_seconds_max": fit.seconds_max,
                "base_slope_per_decade": fit.slope_per_decade,
                "base_seconds_to_modular_lpips": needed,
                "ratio": needed / seconds,
            }
        )
    table = pd.DataFrame(rows)
    table.to_csv(out / "table3.csv", index=False, float_format="%.5g")
    return table


LABEL_OFFSETS = ((4, 4), (4, -10), (-4, 4), (-4, -10), (4, 13), (4, -19), (-4, 13), (-4, -19))  # points


def place_labels(ax: plt.Axes, points: list[tuple[str, float, float]]) -> None:
    """Name each point beside it, at the first offset where the name overlaps no name placed before
    (the last offset tried when none is free); right-aligned for offsets to the left."""
    renderer = ax.figure.canvas.get_renderer()  # type: ignore[attr-defined]
    placed: list = []
    for name, x, y in sorted(points, key=lambda p: (p[1], p[2])):
        for dx, dy in LABEL_OFFSETS:
            text = ax.annotate(
                name, (x, y), xytext=(dx, dy), textcoords="offset points", fontsize=6, ha="left" if dx > 0 else "right"
            )
            box = text.get_window_extent(renderer)
            if not any(box.overlaps(other) for other in placed) or (dx, dy) == LABEL_OFFSETS[-1]:
                placed.append(box)
                break
            text.remove()


def plot(table: pd.DataFrame, fits: pd.DataFrame, ds: str, out: Path = OUT) -> None:
    """LPIPS against training seconds, one point per experiment and model, in each model's colour of
    the figures; baselines as lines and the trend fits as thin dashed lines over their fitted range."""
    fig, ax = plt.subplots(figsize=(9, 5.5))
    points: list[tuple[str, float, float]] = []
    for (predictor, mode), group in table.groupby(["predictor", "mode"]):
        color = model_color(predictor, mode)
        ax.scatter(
            group.train_seconds,
            group.lpips,
            marker="o" if mode == "base" else "^",
            facecolors="none" if mode == "base" else color,
            edgecolors=color,
            s=50,
            label=model_label(predictor, mode),
        )
        points += [(str(row.experiment).split("/")[-1], row.train_seconds, row.lpips) for _, row in group.iterrows()]
    for _, fit in fits.iterrows():
        xs = np.geomspace(fit.seconds_min, fit.seconds_max, 20)
        ax.plot(
            xs,
            fit.intercept + fit.slope_per_decade * np.log10(xs),
            color=model_color(fit.predictor, fit["mode"]),
            ls="--",
            lw=0.8,
        )
    ax.set_xscale("log")
    ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda x, _: f"{x:g}"))
    ax.xaxis.set_minor_formatter(matplotlib.ticker.FuncFormatter(lambda x, _: f"{x:g}" if str(x)[0] in "2358" else ""))
    for name, value in baselines(ds).items():
        if value is None:
            continue
        ax.axhline(value, color=baseline_color(name), ls="--" if name == "copy_last" else ":", lw=1)
        ax.text(
            ax.get_xlim()[0], value, f" {baseline_label(name)}", va="bottom", fontsize=8, color=baseline_color(name)
        )
    place_labels(ax, points)
    ax.set_xlabel("training seconds of the model, log scale (iterations x measured s/iteration, validation excluded)")
    ax.set_ylabel("test LPIPS, inputs in [-1, 1] (lower is better)")
    ax.set_title(
        "Recipe sweep: open circles base (pixels), triangles modular; one seed each, so LPIPS differences "
        "under about 0.01 are within the training spread",
        fontsize=8,
    )
    ax.legend(fontsize=7, ncol=2)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    save_figure(fig, out / "sweep.png")  # 150 dpi, and a PDF beside it


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=("run", "collect", "plot"))
    parser.add_argument("--only", default="", help="comma-separated points of the grid to queue (default: all)")
    parser.add_argument("--grid", type=Path, default=GRID, help=f"the grid of points (default: {GRID})")
    parser.add_argument("--out", type=Path, default=OUT, help=f"folder of the table and figure (default: {OUT})")
    parser.add_argument(
        "--table3", action="store_true", help="also the base/modular training-time ratio against the committed default"
    )
    args = parser.parse_args()
    grid = yaml.safe_load(args.grid.read_text())
    chosen = grid.pop("_default", {})  # not a point: the default the sweep chose, for --table3
    if args.action == "run":
        queue_and_run({k: v for k, v in grid.items() if not args.only or k in args.only.split(",")})
    table = collect(grid, args.out) if args.action in ("run", "collect") else pd.read_csv(args.out / "sweep.csv")
    ds = str(table.dataset.iloc[0])
    copy_last = baselines(ds)["copy_last"]
    fits = trend(table, grid, copy_last if copy_last is not None else float("nan"), args.out)
    plot(table, fits, ds, args.out)
    if args.table3:
        print(table_iii(table, fits, grid, chosen, ds, args.out).to_string(index=False))
    best = table.sort_values("lpips").groupby("mode").head(3)
    print(best[["experiment", "model", "lpips", "ssim", "mse_frame", "train_seconds"]].to_string(index=False))
    print(fits.to_string(index=False))


if __name__ == "__main__":
    main()
