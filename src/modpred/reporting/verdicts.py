"""Verdicts that survive a rerun: each comparison computed per replicate, then one three-valued verdict.

A comparison (a model minus a reference, on one metric) is computed for every replicate, paired
over the same test sequences, with its 95% interval over those sequences (normal approximation).
The verdict's interval is the union of the replicates' intervals: it holds every replicate's
result with its test-sequence noise, so "better" says that every replicate beat the reference
beyond that noise. A rerun on another machine moves the results as another seed does (the
project measured up to 0.03 LPIPS), so this is the claim a rerun is expected to repeat. A mean
over seeds is never turned into a yes/no.

With one replicate the interval is the test-sequence interval alone, and the verdict says that the
training spread is unmeasured.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from modpred.metrics import CI_Z, metric

WORDS = ("better", "tie", "worse")


def paired_interval(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """Mean of the per-sequence difference a − b and the half-width of its 95% interval."""
    diff = np.asarray(a, dtype=np.float64) - np.asarray(b, dtype=np.float64)
    half = CI_Z * float(diff.std(ddof=1)) / math.sqrt(len(diff)) if len(diff) > 1 else float("inf")
    return float(diff.mean()), half


@dataclass(frozen=True)
class Verdict:
    """One comparison over its replicates: the per-replicate means, the union interval, the word."""

    metric: str  # a key of modpred.metrics
    replicate_means: tuple[float, ...]  # each replicate's mean paired difference
    low: float  # the union of the replicates' 95% intervals
    high: float

    @property
    def replicates(self) -> int:
        return len(self.replicate_means)

    @property
    def mean(self) -> float:
        return float(np.mean(self.replicate_means))

    @property
    def sd(self) -> float | None:
        """Standard deviation of the difference over replicates; None with one (unmeasured)."""
        return float(np.std(self.replicate_means, ddof=1)) if self.replicates > 1 else None

    @property
    def word(self) -> str:
        """better, tie or worse: better only when the whole interval is on the better side of zero."""
        m = metric(self.metric)
        if self.low <= 0.0 <= self.high:
            return "tie"
        improved = self.low > 0 if m.higher_is_better else self.high < 0
        return "better" if improved else "worse"

    def text(self) -> str:
        """The verdict with what it rests on, e.g. `better (9 replicates)`."""
        if self.replicates == 1:
            return f"{self.word} on the test sequences; 1 seed: training spread unmeasured"
        return f"{self.word} ({self.replicates} replicates)"

    def difference(self, decimals: int = 3) -> str:
        """`mean ± sd over replicates`, or the mean alone with one replicate."""
        sd = "" if self.sd is None else f" ± {self.sd:.{decimals}f}"
        return f"{self.mean:+.{decimals}f}{sd}"

    def interval(self, decimals: int = 3) -> str:
        return f"[{self.low:+.{decimals}f}, {self.high:+.{decimals}f}]"


def compare(key: str, pairs: list[tuple[np.ndarray, np.ndarray]]) -> Verdict:
    """The verdict on metric `key` over replicates, each an (a, b) pair of per-sequence scores."""
    if not pairs:
        raise ValueError("a comparison needs at least one replicate")
    intervals = [paired_interval(a, b) for a, b in pairs]
    return Verdict(
        metric=key,
        replicate_means=tuple(mean for mean, _ in intervals),
        low=min(mean - half for mean, half in intervals),
        high=max(mean + half for mean, half in intervals),
    )


def seed_spread_share(values: dict[tuple[int, int], float]) -> tuple[float, float, float | None]:
    """How much of a modular model's spread each seed gives, from a grid {(vqvae seed, seed): score}.

    Returns (sd from the VQ-VAE seed, sd from the predictor seed, the VQ-VAE's share of the
    variance): the VQ-VAE part is the variance of the per-VQ-VAE-seed means, the predictor part
    the mean variance within one VQ-VAE seed. The share is None when either part is unmeasured.
    """
    by_vq: dict[int, list[float]] = {}
    for (vq, _), value in sorted(values.items()):
        by_vq.setdefault(vq, []).append(value)
    means = [float(np.mean(v)) for v in by_vq.values()]
    vq_var = float(np.var(means, ddof=1)) if len(means) > 1 else float("nan")
    within = [float(np.var(v, ddof=1)) for v in by_vq.values() if len(v) > 1]
    seed_var = float(np.mean(within)) if within else float("nan")
    total = vq_var + seed_var
    share = vq_var / total if math.isfinite(total) and total > 0 else None
    return math.sqrt(vq_var), math.sqrt(seed_var), share
