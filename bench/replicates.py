"""The replicates run: the default setting trained again with other VQ-VAE and predictor seeds.

Each VQ-VAE seed is one DVC experiment in the workspace, `dvc exp run -n replicates-vqvae<v>
-S vqvae.train.seed=<v> -S seeds=[...]`: the seeds list multiplies the train and evaluate matrix,
and base cells, which do not see the VQ-VAE, come back from DVC's run cache after the first
experiment, and so do cells an earlier run of this script trained (a run that adds predictors
trains only theirs). Each experiment's `metrics/runs/` is copied to `<out>/vqvae-seed<v>/`; `report`
writes `<out>/report.md` (every verdict over all replicates, and how much of the spread each seed
gives) and `<out>/replicates.png` from those copies alone, so a fresh clone can redraw them.

    python bench/replicates.py run [--vqvae-seeds 0,1,2] [--seeds 0,1,2] [--predictors a,b] [--modes m] [--out DIR]
    python bench/replicates.py report [--out DIR]

`run` leaves the workspace as the committed default (params.yaml, dvc.lock, metrics/ from git,
data/ from DVC's cache). One experiment at a time: two trainings on 2 cores slow each other ~8x.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from modpred import paths
from modpred.atomic import write_json, write_text
from modpred.baselines import COPY_LAST
from modpred.experiments.workspace import restore_default, run_experiment
from modpred.modes import BASE as BASE_MODE
from modpred.modes import MODES
from modpred.profiles import set_param_flags
from modpred.reporting.colors import baseline_color, palette
from modpred.reporting.replicates import Replicate, load_replicates
from modpred.reporting.report import quality_lines, vqvae_lines
from modpred.results import VqvaeQuality, datasets_with_results

OUT = Path("metrics/experiments/replicates")
BASE = BASE_MODE.name
RUNS_JSON = "runs.json"  # per VQ-VAE seed: every experiment's wall time and what ran, oldest first


def read_records(out: Path) -> dict[str, list[dict[str, object]]]:
    """runs.json: per VQ-VAE seed, the list of its experiments (an older file held one dict a seed)."""
    if not (out / RUNS_JSON).is_file():
        return {}
    records = json.loads((out / RUNS_JSON).read_text())
    return {v: runs if isinstance(runs, list) else [runs] for v, runs in records.items()}


def run(
    vqvae_seeds: list[int],
    seeds: list[int],
    out: Path,
    predictors: list[str] | None = None,
    modes: list[str] | None = None,
    fanout: str = "",
) -> None:
    """One workspace experiment per VQ-VAE seed, its records copied to `out`; the workspace restored.
    `fanout`: options of `stages fanout` (its cells over GPUs), empty for one cell at a time."""
    records = read_records(out)
    try:
        for v in vqvae_seeds:
            overrides: dict[str, object] = {"vqvae.train.seed": v, "seeds": seeds}
            if predictors:
                overrides["predictors"] = predictors
            if modes:  # e.g. modular alone: base cells cost most and do not see the VQ-VAE
                overrides["modes"] = modes
            runs = records.setdefault(str(v), [])
            name = f"replicates-vqvae{v}-{len(runs)}" if runs else f"replicates-vqvae{v}"  # names stay unique
            runs.append(run_experiment(name, overrides, out / f"vqvae-seed{v}", fanout))
            write_json(out / RUNS_JSON, records)
    finally:
        restore_default()


def flags_text(overrides: dict[str, object]) -> str:
    return "`" + " ".join(set_param_flags(overrides)) + "`"


def _roots(out: Path) -> list[Path]:
    return sorted(p for p in out.glob("vqvae-seed*") if p.is_dir())


def figure(replicates: dict[str, list[Replicate]], path: Path, key: str = "lpips") -> None:
    """Every replicate's score as a dot, one column per model (VQ-VAE seeds side by side, marker by
    VQ-VAE seed, predictor seeds a small offset), the baselines as labelled lines across."""
    colors = palette()
    models = [label for label, reps in replicates.items() if reps[0].facts is not None]
    vq_seeds = sorted({r.vqvae_seed for label in models for r in replicates[label] if r.vqvae_seed is not None})
    fig, ax = plt.subplots(figsize=(6.0, 4.0), dpi=150)
    markers = "o^sDv"
    for x, label in enumerate(models):
        for r in replicates[label]:
            group = vq_seeds.index(r.vqvae_seed) - (len(vq_seeds) - 1) / 2 if r.vqvae_seed is not None else 0.0
            offset = 0.22 * group + 0.05 * ((r.scores.seed or 0) - 1)
            marker = markers[vq_seeds.index(r.vqvae_seed) % len(markers)] if r.vqvae_seed is not None else "o"
            ax.plot(x + offset, r.scores.mean[key], marker, color=colors.get(label, "k"), ms=5, alpha=0.9)
    for label, reps in replicates.items():
        if reps[0].facts is None:  # a baseline; the oracle has one per VQ-VAE seed: their mean
            name, value = reps[0].scores.predictor, float(np.mean([r.scores.mean[key] for r in reps]))
            ax.axhline(value, color=baseline_color(name), ls="--" if name == COPY_LAST.name else ":", lw=1.2)
            shown = f"{label} (mean of {len(reps)} VQ-VAE seeds)" if len(reps) > 1 else label
            ax.annotate(shown, (-0.45, value), fontsize=7, va="bottom", ha="left", color="#333333")
    for k, seed in enumerate(vq_seeds):  # legend entries for the markers alone
        ax.plot([], [], markers[k % len(markers)], color="#555555", label=f"VQ-VAE seed {seed}")
    ax.set_xlim(-0.5, len(models) - 0.5)
    ax.set_xticks(range(len(models)), [m.replace("-", "\n") for m in models], fontsize=8)
    ax.set_ylabel("LPIPS, inputs in [-1, 1]\n(lower is better)", fontsize=8)
    ax.set_title("Every replicate of each model; predictor seeds 0, 1, 2 left to right", fontsize=9)
    ax.tick_params(axis="y", labelsize=7)
    ax.grid(axis="y", alpha=0.3)
    if vq_seeds:
        ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=len(vq_seeds), frameon=False)
    fig.tight_layout()
    fig.savefig(path)
    fig.savefig(path.with_suffix(".pdf"))
    plt.close(fig)


def report(out: Path) -> None:
    roots = _roots(out)
    if not roots:
        raise SystemExit(f"no replicates in {out}: run `python bench/replicates.py run` first")
    records = read_records(out)
    lines = [
        "# The replicates run",
        "",
        "The default setting (`params.yaml`) trained again with other seeds: one DVC experiment per "
        "VQ-VAE seed (`bench/replicates.py run`), each with every predictor seed. Base models do not "
        "see the VQ-VAE: each base replicate is one predictor seed, read once. Written by "
        "`python bench/replicates.py report` from the folders beside this file.",
        "",
    ]
    if records:
        lines += [
            "| VQ-VAE seed | overrides | wall time of its `dvc exp run` | CPU |",
            "| ---: | --- | ---: | --- |",
        ]
        for v, runs in sorted(records.items(), key=lambda kv: int(kv[0])):
            for r in runs:
                minutes, seconds = divmod(round(r["wall_seconds"]), 60)
                lines.append(f"| {v} | {flags_text(r['overrides'])} | {minutes} min {seconds:02d} s | {r['cpu']} |")
        no_base = all(BASE not in r["overrides"].get("modes", MODES) for runs in records.values() for r in runs)
        lines += [
            "",
            "Base models were not replicated: every row trains the modular cells alone (`modes=[modular]`), so "
            "the comparisons with base models are the default run's, one seed."
            if no_base
            else "Base cells are trained by the rows whose modes include them (a base model does not see the "
            "VQ-VAE: one VQ-VAE seed's row is enough); a cell a row shares with an earlier row is restored from "
            "DVC's run cache, and a row's records join its VQ-VAE seed's folder cell by cell.",
            "",
        ]
    for ds in sorted({ds for root in roots for ds in datasets_with_results(root)}):
        lines += [f"## {ds}", "", "### The VQ-VAEs", ""]
        for root in roots:
            vq = root / paths.vqvae_metrics(ds)
            if vq.is_file():
                lines += vqvae_lines(VqvaeQuality.read(vq))
        replicates = load_replicates(ds, roots)
        memory = [r.facts.peak_memory_mib for reps in replicates.values() for r in reps if r.facts is not None]
        if memory:
            lines += [f"Peak memory of a training: {max(memory):,.0f} MiB (process peak RSS, the largest cell).", ""]
        lines += quality_lines(ds, roots, "")
        name = f"replicates_{ds}.png"
        figure(replicates, out / name)
        lines += [
            "### Every replicate",
            "",
            f"![LPIPS of every replicate]({name}) ([PDF]({Path(name).with_suffix('.pdf')}))",
            "",
        ]
    write_text(out / "report.md", "\n".join(lines))
    print(out / "report.md")


def _names(text: str) -> list[str]:
    """A comma-separated option as a list; empty means the params' own."""
    return [name for name in text.split(",") if name]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=("run", "report"))
    parser.add_argument("--vqvae-seeds", default="0,1,2")
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--predictors", default="", help="a subset of params.yaml's (default: all of them)")
    parser.add_argument("--modes", default="", help="a subset of params.yaml's (default: all of them)")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--fanout", default="", help="fan the cells out: `stages fanout` options, e.g. '--gpus 0,1'")
    args = parser.parse_args()
    if args.command == "run":
        vqvae_seeds, seeds = ([int(s) for s in text.split(",")] for text in (args.vqvae_seeds, args.seeds))
        run(vqvae_seeds, seeds, args.out, _names(args.predictors), _names(args.modes), args.fanout)
    report(args.out)


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
