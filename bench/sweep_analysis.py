"""The sweep's analysis: which overrides make a recipe, the trend of LPIPS over training seconds,
Table III's ratio, and the figure (bench/sweep.py is the command)."""

from __future__ import annotations

from pathlib import Path

import matplotlib
import matplotlib.ticker

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from modpred import paths
from modpred.baselines import COPY_LAST, TRIVIAL
from modpred.cell import Cell, model_label
from modpred.experiments.queue import OUT, overrides_text
from modpred.modes import BASE, MODES, MODULAR
from modpred.reporting.colors import baseline_color, model_color
from modpred.reporting.figures import save_figure
from modpred.results import RunFacts, Scores, baseline_label


def baselines(ds: str) -> dict[str, float | None]:
    """The committed trivial baselines' LPIPS on `ds`: the lines every sweep point is compared with (not
    the VQ-VAE oracle: it is the workspace VQ-VAE's, and a sweep's points have VQ-VAEs of their own)."""
    return {b.name: Scores.read(paths.baseline_json(ds, b.name)).mean["lpips"] for b in TRIVIAL}


LENGTH_KEYS = (".iters", ".val_every", ".sampling_stop_iter")  # the training length and what scales with it


def params_read_by(dvc_yaml: dict, dataset: str, predictor: str, mode: str) -> set[str]:
    """The params keys a model's scores depend on, from dvc.yaml alone: those of its evaluate stage
    and of every stage upstream of it (a dependency path that another stage outputs), for this
    dataset, predictor and mode. A base model reads no VQ-VAE key, since no stage it depends on does."""
    item = {"dataset": dataset, "predictor": predictor, "mode": mode, "seed": "0"}
    stages = []  # (params, deps, outs) of every stage, its templates filled for this cell
    for body in dvc_yaml["stages"].values():
        spec = body.get("do", body)

        def fill(text: str) -> str:
            for key, value in item.items():
                text = text.replace(f"${{item.{key}}}", value)
            return text.replace("${item}", dataset)

        stages.append(
            (
                [fill(str(p)) for p in spec.get("params") or []],
                [fill(str(d)) for d in spec.get("deps") or []],
                [fill(next(iter(o)) if isinstance(o, dict) else str(o)) for o in spec.get("outs") or []],
            )
        )
    evaluate = next(s for s in stages if any(o.endswith(paths.EVAL_JSON) for o in s[2]))
    read: set[str] = set()
    todo, seen = [evaluate], []
    while todo:
        stage = todo.pop()
        if stage in seen:
            continue
        seen.append(stage)
        read |= set(stage[0])
        for dep in stage[1]:
            todo += [s for s in stages if any(dep == out or dep.startswith(f"{out}/") for out in s[2])]
    return read


class Recipes:
    """The overrides a model's cell reads (`params_read_by`), but its length: what makes two points
    the same recipe. `predictors`, `modes` and other predictors' keys only choose which cells run,
    and the length keys are what a trend varies."""

    def __init__(self, dvc_yaml: dict, dataset: str) -> None:
        self.dvc_yaml, self.dataset = dvc_yaml, dataset
        self.read: dict[tuple[str, str], set[str]] = {}

    def __call__(self, overrides: dict, predictor: str, mode: str) -> str:
        if (predictor, mode) not in self.read:
            self.read[predictor, mode] = params_read_by(self.dvc_yaml, self.dataset, predictor, mode)
        read = self.read[predictor, mode]
        kept = {
            k: v
            for k, v in overrides.items()
            if any(k == p or k.startswith(f"{p}.") for p in read) and not k.endswith(LENGTH_KEYS)
        }
        return overrides_text(dict(sorted(kept.items())))


def trend(
    table: pd.DataFrame, grid: dict[str, dict], target: float, recipe: Recipes, out_dir: Path = OUT
) -> pd.DataFrame:
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


def table_iii(
    table: pd.DataFrame, fits: pd.DataFrame, grid: dict, chosen: dict, ds: str, recipe: Recipes, out: Path
) -> pd.DataFrame:
    """Table III's framing at this size: per predictor, the training seconds its base model needs to
    reach the committed default's modular LPIPS (from the trend line of the base model's recipe in
    that default, `chosen`: the grid's `_default` overrides), over the seconds the modular model
    trained. The modular LPIPS is the working tree's default run's; its training seconds are those
    the sweep measured for the same cell (machines of this kind drift in speed between runs), or
    the default run's when the sweep has no such point."""
    rows = []
    for _, fit in fits[fits["mode"] == BASE.name].iterrows():
        if fit.recipe != recipe(chosen, fit.predictor, BASE.name):
            continue
        modular = model_label(fit.predictor, MODULAR.name)
        run = Cell(ds, fit.predictor, MODULAR.name).run_dir
        if not (run / paths.EVAL_JSON).is_file():
            continue
        target = Scores.read(run / paths.EVAL_JSON).mean["lpips"]
        facts = RunFacts.read(run / paths.TRAIN_JSON)
        needed = 10 ** ((target - fit.intercept) / fit.slope_per_decade) if fit.slope_per_decade < 0 else float("nan")
        same = [
            row.train_seconds
            for _, row in table[table.model == modular].iterrows()
            if row.iters == facts.iters
            and recipe(grid.get(row.experiment, {}), fit.predictor, MODULAR.name)
            == recipe(chosen, fit.predictor, MODULAR.name)
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
            marker=MODES[mode].marker,
            facecolors="none" if MODES[mode].pixels else color,  # pixels open, latents filled
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
        ax.axhline(value, color=baseline_color(name), ls="--" if name == COPY_LAST.name else ":", lw=1)
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
