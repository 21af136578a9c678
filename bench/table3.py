"""Table III measured: how long each base model trains to reach its modular model's validation LPIPS.

The modular side is the committed default run's (`metrics/runs/`). The base side is one DVC
experiment in the workspace that trains only the base cells, each for `--cap` times its modular
model's training seconds (rounded up to whole validation intervals), with its default recipe:
`dvc exp run -n table3-base -S modes=[base] -S train.<p>.iters=N ...`. Seconds on either side are
iterations × the cell's measured seconds per iteration (training steps only, as train.json
records them; validation excluded). The modular side is counted three ways: its own training;
plus the VQ-VAE's pretraining and encoding (vqvae.json, encode.json) charged whole to each
predictor; and that cost shared by the predictors trained on the same VQ-VAE. A ratio is printed
only where both ends were measured; otherwise "not reached within N s".

    python bench/table3.py run [--cap 10] [--predictors a,b] [--out DIR]   # the long base experiment, then the table
    python bench/table3.py report [--out DIR]           # the table and figure from the records alone
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd
import yaml
from matplotlib.ticker import NullFormatter

from modpred import paths
from modpred.atomic import write_json, write_text
from modpred.cell import Cell, model_label
from modpred.experiments.workspace import restore_default, run_experiment
from modpred.modes import MODES
from modpred.reporting.colors import model_color
from modpred.results import EncodeFacts, RunFacts, VqvaeQuality
from modpred.training.curves import read_validation_curve

OUT = Path("metrics/experiments/table3")
RUNS_JSON = "runs.json"
BASE, MODULAR = MODES  # the mode names
LONG = "base-long"  # the folder of the long base experiment's records


@dataclass(frozen=True)
class Curve:
    """A cell's validation LPIPS against its training seconds."""

    facts: RunFacts
    table: pd.DataFrame  # iteration, seconds, lpips

    @property
    def kept(self) -> tuple[float, float]:
        """(seconds, validation LPIPS) of the kept iterate."""
        row = self.table.loc[self.table.lpips.idxmin()]
        return float(row.seconds), float(row.lpips)

    def first_reaching(self, target: float) -> float | None:
        """Training seconds at the first validation at or below `target`; None if never."""
        hits = self.table[self.table.lpips <= target]
        return float(hits.seconds.iloc[0]) if len(hits) else None


def read_curve(root: Path, ds: str, predictor: str, mode: str, seed: int = 0) -> Curve:
    folder = root / Cell(ds, predictor, mode, seed).run_dir
    facts = RunFacts.read(folder / paths.TRAIN_JSON)
    table = read_validation_curve(folder)
    if table is None:
        raise SystemExit(f"{folder}: the run did not validate (set val_sequences)")
    table["seconds"] = table.iteration * facts.seconds_per_100_iters / 100
    return Curve(facts, table[["iteration", "seconds", "lpips"]])


def vqvae_seconds(root: Path, ds: str) -> float:
    """The VQ-VAE's pretraining plus encoding seconds, as the default run recorded them."""
    pretrain = VqvaeQuality.read(root / paths.vqvae_metrics(ds)).train_seconds
    encode = EncodeFacts.read(root / paths.encode_metrics(ds)).seconds
    return float(pretrain or 0.0) + float(encode)


def long_iters(cap: float, ds: str, predictors: list[str]) -> dict[str, int]:
    """Per predictor, the base iterations that fill `cap` × its modular model's training seconds."""
    params = yaml.safe_load(Path("params.yaml").read_text())
    out = {}
    for p in predictors or params["predictors"]:
        modular = read_curve(Path("."), ds, p, MODULAR).facts
        base = read_curve(Path("."), ds, p, BASE).facts
        every = params["train"][p]["val_every"]
        needed = cap * modular.train_seconds / (base.seconds_per_100_iters / 100)
        out[p] = int(math.ceil(needed / every) * every)
    return out


def run(cap: float, out: Path, predictors: list[str], ds: str = "mmnist", fanout: str = "") -> None:
    iters = long_iters(cap, ds, predictors)
    overrides: dict[str, object] = {"modes": [BASE], **{f"train.{p}.iters": n for p, n in iters.items()}}
    if predictors:
        overrides["predictors"] = predictors
    shutil.rmtree(out / "default", ignore_errors=True)  # the default's records the table reads, kept beside it
    shutil.copytree(paths.RUNS, out / "default" / paths.RUNS)
    shutil.copy("params.yaml", out / "default" / "params.yaml")
    shutil.rmtree(out / LONG, ignore_errors=True)  # one experiment: no cells of an earlier one
    try:
        record = run_experiment("table3-base", overrides, out / LONG, fanout)
    finally:
        restore_default()
    record["cap"] = cap
    write_json(out / RUNS_JSON, record)


def _fmt_s(seconds: float | None) -> str:
    return "—" if seconds is None else f"{seconds:,.0f} s"


def table(out: Path, ds: str = "mmnist") -> tuple[pd.DataFrame, dict[str, tuple[Curve, Curve]], float, int]:
    default, long = out / "default", out / LONG
    predictors = list(yaml.safe_load((long / "params.yaml").read_text())["predictors"])
    sharing = len(yaml.safe_load((default / "params.yaml").read_text())["predictors"])  # trained on one VQ-VAE
    vq = vqvae_seconds(default, ds)
    cap = json.loads((out / RUNS_JSON).read_text())["cap"]
    rows, curves = [], {}
    for p in predictors:
        modular, base = read_curve(default, ds, p, MODULAR), read_curve(long, ds, p, BASE)
        curves[p] = (base, modular)
        m_seconds, target = modular.kept
        reached = base.first_reaching(target)
        within = float(base.table.seconds.max())
        shares = {"training only": m_seconds, "+ VQ-VAE whole": m_seconds + vq}
        shares[f"+ VQ-VAE / {sharing}"] = m_seconds + vq / sharing
        row: dict[str, object] = {
            "predictor": p,
            "modular: kept validation LPIPS": f"{target:.3f}",
            "modular: training s to it": f"{m_seconds:,.0f}",
            f"base: best validation LPIPS within {cap:g}× (s)": f"{base.table.lpips.min():.3f} ({within:,.0f} s)",
            "base: s to reach the modular LPIPS": _fmt_s(reached)
            if reached is not None
            else f"not reached within {within:,.0f} s",
        }
        for what, seconds in shares.items():
            if seconds <= 0:  # a modular cell that started from copying and kept iteration 0 cost no training
                row[f"ratio, modular {what}"] = "— (kept iteration 0)"
                continue
            row[f"ratio, modular {what}"] = (
                f"{reached / seconds:.1f}×" if reached is not None else f"> {within / seconds:.1f}×"
            )
        rows.append(row)
    return pd.DataFrame(rows), curves, vq, sharing


def figure(curves: dict[str, tuple[Curve, Curve]], vq: float, path: Path) -> None:
    fig, axes = plt.subplots(1, len(curves), figsize=(3.2 * len(curves), 3.0), dpi=150, squeeze=False)
    for ax, (p, (base, modular)) in zip(axes[0], curves.items(), strict=True):
        for curve, mode, style in ((base, BASE, "-"), (modular, MODULAR, "-")):
            ax.plot(
                curve.table.seconds,
                curve.table.lpips,
                style,
                marker="o",
                ms=3,
                color=model_color(p, mode),
                label=model_label(p, mode),
            )
        ax.plot(
            modular.table.seconds + vq,
            modular.table.lpips,
            "--",
            color=model_color(p, MODULAR),
            label="modular + VQ-VAE cost",
        )
        _, target = modular.kept
        ax.axhline(target, color="#555555", lw=0.8, ls=":")
        ax.set_xscale("log")
        ax.xaxis.set_minor_formatter(NullFormatter())  # a panel within one decade labels no minor ticks
        ax.set_title(p, fontsize=9)
        ax.set_xlabel("training seconds (log scale)", fontsize=8)
        ax.tick_params(labelsize=7)
        ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda x, _: f"{x:g}"))
        ax.legend(fontsize=6)
    axes[0][0].set_ylabel("validation LPIPS (lower is better)", fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    fig.savefig(path.with_suffix(".pdf"))
    plt.close(fig)


def report(out: Path, ds: str = "mmnist") -> None:
    rows, curves, vq, k = table(out, ds)
    record = json.loads((out / RUNS_JSON).read_text())
    figure(curves, vq, out / "table3.png")
    minutes, seconds = divmod(round(record["wall_seconds"]), 60)
    text = [
        "# Table III, measured",
        "",
        f"Each base model trained for iterations planned to fill {record['cap']:g}× its modular model's training "
        "seconds at the base speed the default run measured; the long run's own speed (the seconds below) "
        f"decides what it filled (experiment "
        f"`{record['experiment']}`: {', '.join(f'{k_}={v}' for k_, v in record['overrides'].items())}; "
        f"{minutes} min {seconds:02d} s on {record['cpu']}). Modular side: the committed default run. "
        "Seconds are iterations × the cell's measured seconds per iteration (training steps only). "
        f"The VQ-VAE's pretraining and encoding took {vq:,.0f} s; it serves all {k} predictors of the "
        "dataset, so the table charges it whole and shared. Validation LPIPS on the held-out training "
        "sequences; one seed each (the spread of a ratio is unmeasured).",
        "",
        rows.to_markdown(index=False, disable_numparse=True),
        "",
        "![validation LPIPS against training seconds](table3.png) ([PDF](table3.pdf))",
        "",
    ]
    write_text(out / "report.md", "\n".join(text))
    print("\n".join(text))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=("run", "report"))
    parser.add_argument("--cap", type=float, default=10.0)
    parser.add_argument("--predictors", default="", help="a subset of params.yaml's (default: all of them)")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--fanout", default="", help="fan the cells out: `stages fanout` options, e.g. '--gpus 0,1'")
    args = parser.parse_args()
    if args.command == "run":
        run(args.cap, args.out, [p for p in args.predictors.split(",") if p], fanout=args.fanout)
    report(args.out)


if __name__ == "__main__":
    main()
