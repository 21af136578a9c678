"""Every replicate of every model of a dataset, read from one or more run folders, and their verdicts.

A replicate is one training: a trained model's is named by its predictor seed and, for a model on
VQ-VAE latents, the VQ-VAE's seed (a base model does not see the VQ-VAE, so the same base cell in
two VQ-VAE seeds' folders is one replicate, read once). The default run is one folder (its
`metrics/`); the replicates run is one folder per VQ-VAE seed. Baselines have no training: one run
(the VQ-VAE oracle: one per VQ-VAE seed, its reconstruction of the true future frames).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from modpred import paths
from modpred.baselines import BASELINES, TRIVIAL
from modpred.cell import Cell, model_label
from modpred.metrics import HEADLINE, metric
from modpred.modes import BASE, MODES, MODULAR
from modpred.reporting.run_cells import run_cells
from modpred.reporting.verdicts import Verdict, compare, seed_spread_share
from modpred.results import RunFacts, Scores, VqvaeQuality, baseline_label

REFERENCES = tuple(b.name for b in TRIVIAL)  # every model is compared with each trivial predictor (not with the oracle)


@dataclass(frozen=True)
class Replicate:
    scores: Scores
    per_sequence: pd.DataFrame
    facts: RunFacts | None = None  # None for a baseline
    vqvae_seed: int | None = None  # the frozen VQ-VAE's seed, for a model that uses one

    @property
    def label(self) -> str:
        return self.scores.label

    @property
    def key(self) -> tuple[int | None, int | None]:
        return (self.vqvae_seed, self.scores.seed)

    def values(self, key: str) -> np.ndarray:
        return self.per_sequence[key].to_numpy(dtype=np.float64)


def _vqvae_seed(ds: str, root: Path) -> int:
    path = root / paths.vqvae_metrics(ds)
    return (VqvaeQuality.read(path).seed or 0) if path.is_file() else 0


def load_replicates(
    ds: str, roots: list[Path], order: Sequence[str] = (), cells: Collection[Cell] | None = None
) -> dict[str, list[Replicate]]:
    """Label -> its replicates (models by predictor in `order` and mode, then baselines), each read once."""
    found: dict[str, dict[tuple[int | None, int | None], Replicate]] = {}
    for root in roots:
        vq_seed = _vqvae_seed(ds, root)
        for facts in run_cells(ds, root, order, cells):
            folder = root / facts.cell.run_dir
            if not (folder / paths.EVAL_JSON).is_file() or not (folder / paths.PER_SEQUENCE_CSV).is_file():
                continue
            rep = Replicate(
                Scores.read(folder / paths.EVAL_JSON),
                pd.read_csv(folder / paths.PER_SEQUENCE_CSV),
                facts,
                vq_seed if facts.frozen_vqvae_params else None,
            )
            found.setdefault(rep.label, {}).setdefault(rep.key, rep)
        for name, baseline in BASELINES.items():
            scores, sequences = root / paths.baseline_json(ds, name), root / paths.baseline_per_sequence(ds, name)
            if scores.is_file() and sequences.is_file():  # the oracle: one per VQ-VAE seed
                oracle_seed = vq_seed if baseline.sees_future else None
                rep = Replicate(Scores.read(scores), pd.read_csv(sequences), None, oracle_seed)
                found.setdefault(rep.label, {}).setdefault(rep.key, rep)
    return {label: [reps[k] for k in sorted(reps, key=str)] for label, reps in found.items()}


def model_means(replicates: dict[str, list[Replicate]]) -> dict[str, dict[str, float]]:
    """Label -> metric -> mean over its replicates (of each replicate's mean over sequences and frames)."""
    out: dict[str, dict[str, float]] = {}
    for label, reps in replicates.items():
        keys = [k for k, v in reps[0].scores.mean.items() if v is not None]
        out[label] = {k: float(np.mean([r.scores.mean[k] for r in reps])) for k in keys}
    return out


@dataclass(frozen=True)
class Comparison:
    predictor: str
    what: str  # e.g. "modular − base", "modular − copy last"
    verdicts: dict[str, Verdict]  # metric key -> verdict


def comparisons(replicates: dict[str, list[Replicate]], predictors: list[str]) -> list[Comparison]:
    """Per predictor: modular − base (paired by predictor seed), and each mode − each baseline."""
    out = []
    for predictor in predictors:
        by_mode = {m: replicates.get(model_label(predictor, m), []) for m in MODES}
        pairs: dict[str, list[tuple[Replicate, Replicate]]] = {}
        base, modular = BASE.name, MODULAR.name  # the paper's comparison: latents against pixels
        base_by_seed = {r.scores.seed: r for r in by_mode[base]}
        pairs[f"{modular} − {base}"] = [
            (m, base_by_seed[m.scores.seed]) for m in by_mode[modular] if m.scores.seed in base_by_seed
        ]
        for mode in MODES:
            for name in REFERENCES:
                reference = replicates.get(baseline_label(name), [])
                pairs[f"{mode} − {name.replace('_', ' ')}"] = [(r, reference[0]) for r in by_mode[mode] if reference]
        for what, matched in pairs.items():
            if not matched:
                continue
            verdicts = {
                key: compare(key, [(a.values(key), b.values(key)) for a, b in matched])
                for key in HEADLINE
                if all(key in a.per_sequence and key in b.per_sequence for a, b in matched)
            }
            out.append(Comparison(predictor, what, verdicts))
    return out


def spread_rows(replicates: dict[str, list[Replicate]], key: str = "lpips") -> list[dict[str, object]]:
    """Per trained model: n, mean ± sd over replicates, and how much of the spread each seed gives."""
    rows = []
    for label, reps in replicates.items():
        if reps[0].facts is None:
            continue
        values = [float(r.scores.mean[key] or 0.0) for r in reps]
        row: dict[str, object] = {
            "model": label,
            "replicates": len(reps),
            "VQ-VAE seeds": len({r.vqvae_seed for r in reps if r.vqvae_seed is not None}) or "—",
            "predictor seeds": len({r.scores.seed for r in reps}),
            "mean": f"{np.mean(values):.3f}",
            "sd over replicates": f"{np.std(values, ddof=1):.3f}" if len(values) > 1 else "unmeasured",
            "min": f"{min(values):.3f}",
            "max": f"{max(values):.3f}",
        }
        if any(r.vqvae_seed is not None for r in reps):
            vq_sd, seed_sd, share = seed_spread_share(
                {(r.vqvae_seed or 0, r.scores.seed or 0): v for r, v in zip(reps, values, strict=True)}
            )
            row["sd from the VQ-VAE seed"] = f"{vq_sd:.3f}" if np.isfinite(vq_sd) else "unmeasured"
            row["sd from the predictor seed"] = f"{seed_sd:.3f}" if np.isfinite(seed_sd) else "unmeasured"
            row["VQ-VAE seed's share of the variance"] = f"{100 * share:.0f}%" if share is not None else "unmeasured"
        else:
            row |= dict.fromkeys(("sd from the VQ-VAE seed", "sd from the predictor seed"), "—")
            row["VQ-VAE seed's share of the variance"] = "—"
        rows.append(row)
    return rows


def verdict_table(found: list[Comparison]) -> pd.DataFrame:
    """One row per predictor and comparison: per headline metric, the difference and its verdict."""
    rows = []
    for c in found:
        n = {v.replicates for v in c.verdicts.values()}
        row: dict[str, object] = {"predictor": c.predictor, "difference": c.what, "replicates": max(n, default=0)}
        for key, v in c.verdicts.items():
            title = metric(key).title
            places = metric(key).decimals
            row[f"{title}: mean ± sd [interval]"] = f"{v.difference(places)} {v.interval(places)}"
            row[f"{title}: verdict"] = f"**{v.word}**" if v.word != "tie" else v.word
        rows.append(row)
    return pd.DataFrame(rows)
