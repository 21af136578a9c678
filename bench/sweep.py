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
from pathlib import Path

import pandas as pd
import yaml
from sweep_analysis import Recipes, baselines, plot, table_iii, trend

from modpred.baselines import COPY_LAST
from modpred.experiments.queue import OUT, collect, queue_and_run

GRID = Path("bench/sweep.yaml")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=("run", "collect", "plot"))
    parser.add_argument("--only", default="", help="comma-separated points of the grid to queue (default: all)")
    parser.add_argument("--grid", type=Path, default=GRID, help=f"the grid of points (default: {GRID})")
    parser.add_argument("--out", type=Path, default=OUT, help=f"folder of the table and figure (default: {OUT})")
    parser.add_argument(
        "--table3", action="store_true", help="also the base/modular training-time ratio against the committed default"
    )
    parser.add_argument(
        "--fanout", default="", help="fan each point's cells out: `stages fanout` options, e.g. '--gpus 0,1'"
    )
    args = parser.parse_args()
    grid = yaml.safe_load(args.grid.read_text())
    chosen = grid.pop("_default", {})  # not a point: the default the sweep chose, for --table3
    if args.action == "run":
        queue_and_run({k: v for k, v in grid.items() if not args.only or k in args.only.split(",")}, args.fanout)
    table = collect(grid, args.out) if args.action in ("run", "collect") else pd.read_csv(args.out / "sweep.csv")
    ds = str(table.dataset.iloc[0])
    copy_last = baselines(ds)[COPY_LAST.name]
    recipe = Recipes(yaml.safe_load(Path("dvc.yaml").read_text()), ds)
    fits = trend(table, grid, copy_last if copy_last is not None else float("nan"), recipe, args.out)
    plot(table, fits, ds, args.out)
    if args.table3:
        print(table_iii(table, fits, grid, chosen, ds, recipe, args.out).to_string(index=False))
    best = table.sort_values("lpips").groupby("mode").head(3)
    print(best[["experiment", "model", "lpips", "ssim", "mse_frame", "train_seconds"]].to_string(index=False))
    print(fits.to_string(index=False))


if __name__ == "__main__":
    main()
