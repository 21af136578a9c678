"""Verdicts between two DVC experiments on the same test split: one model's cells, paired by seed.

    python bench/exp_verdict.py EXP_A EXP_B [--model predrnn-modular] [--dataset mmnist]
    python bench/exp_verdict.py metrics/experiments/start_copy/copy metrics/experiments/start_copy/scratch

An experiment is a name (its git ref) or a folder of kept records, `<model>/seed<k>/per_sequence.csv`
with copy-last's `baselines/copy_last_per_sequence.csv` beside the folder.

`dvc exp diff` shows two means; this says whether A is better, tied or worse than B, with the
interval the report's verdicts use (the union over seeds of each seed's paired 95% interval over the
test sequences, so it holds the training spread). Each experiment is read from its git ref (the
records `dvc exp run` committed), so neither needs to be in the workspace. Also: each of A and B
against copy-last, which both score on the same sequences.
"""

from __future__ import annotations

import argparse
import io
import subprocess
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from modpred import paths  # noqa: E402
from modpred.baselines import COPY_LAST  # noqa: E402
from modpred.cell import Cell  # noqa: E402
from modpred.reporting.verdicts import compare  # noqa: E402

METRICS = ("lpips", "ssim", "mse_frame")


def exp_ref(name: str) -> str:
    """The git ref of experiment `name` (any baseline commit)."""
    refs = subprocess.run(
        ["git", "for-each-ref", "--format=%(refname)", "refs/exps/"], capture_output=True, text=True, check=True
    ).stdout.split()
    found = [r for r in refs if r.rsplit("/", 1)[-1] == name]
    if len(found) != 1:
        sys.exit(f"experiment '{name}': {len(found)} refs found (dvc exp list --all-commits names them)")
    return found[0]


def read_csv(ref: str, path: Path) -> pd.DataFrame | None:
    proc = subprocess.run(["git", "show", f"{ref}:{path.as_posix()}"], capture_output=True, text=True)
    return pd.read_csv(io.StringIO(proc.stdout)) if proc.returncode == 0 else None


def per_sequence(ref: str, ds: str, model: str) -> dict[int, pd.DataFrame]:
    """Seed -> the cell's per-sequence scores, for every seed the experiment ran."""
    predictor, mode = model.rsplit("-", 1)
    found = {}
    for seed in range(100):
        if Path(ref).is_dir():
            kept = Path(ref) / model / f"seed{seed}" / "per_sequence.csv"
            table = pd.read_csv(kept) if kept.is_file() else None
        else:
            table = read_csv(ref, Cell(ds, predictor, mode, seed).run_dir / paths.PER_SEQUENCE_CSV)
        if table is not None:
            found[seed] = table
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("a")
    parser.add_argument("b")
    parser.add_argument("--model", default="predrnn-modular")
    parser.add_argument("--dataset", default="mmnist")
    args = parser.parse_args()
    if Path(args.a).is_dir() and Path(args.b).is_dir():  # folders: named by their last part in the table
        args.a, args.b = Path(args.a).as_posix(), Path(args.b).as_posix()
    refs = {name: name if Path(name).is_dir() else exp_ref(name) for name in (args.a, args.b)}
    cells = {name: per_sequence(ref, args.dataset, args.model) for name, ref in refs.items()}
    seeds = sorted(set(cells[args.a]) & set(cells[args.b]))
    if not seeds:
        sys.exit(f"no seed of {args.model} in both experiments")
    kept = Path(args.a).parent / "baselines" / f"{COPY_LAST.name}_per_sequence.csv"
    if Path(args.a).is_dir():
        copy = pd.read_csv(kept) if kept.is_file() else None
    else:
        copy = read_csv(refs[args.a], paths.baseline_per_sequence(args.dataset, COPY_LAST.name))
    rows = []
    for key in METRICS:
        pairs = {
            f"{args.a} - {args.b}": [
                (cells[args.a][s][key].to_numpy(), cells[args.b][s][key].to_numpy()) for s in seeds
            ],
        }
        if copy is not None:
            for name in (args.a, args.b):
                pairs[f"{name} - copy-last"] = [(cells[name][s][key].to_numpy(), copy[key].to_numpy()) for s in seeds]
        for label, pair in pairs.items():
            v = compare(key, pair)
            label = " - ".join(Path(part).name if Path(part).is_dir() else part for part in label.split(" - "))
            rows.append(
                {
                    "metric": key,
                    "comparison": label,
                    "mean": v.mean,
                    "sd over seeds": v.sd,
                    "interval": f"[{v.low:+.4f}, {v.high:+.4f}]",
                    "verdict": v.word,
                    "seeds": v.replicates,
                }
            )
    means = {
        name: {key: sum(cells[name][s][key].mean() for s in seeds) / len(seeds) for key in METRICS} for name in cells
    }
    print(
        f"{args.dataset} {args.model}, seeds {seeds}: means "
        + "; ".join(f"{Path(n).name} " + ", ".join(f"{k} {v:.4f}" for k, v in m.items()) for n, m in means.items())
    )
    print(pd.DataFrame(rows).to_markdown(index=False, floatfmt="+.4f"))


if __name__ == "__main__":
    main()
