"""The one table of quality metrics: key (as in eval.json), label, and which direction is better.

Selection, evaluation, the report, the figures and the sweep all read it, so a new metric is one
row here plus its computation in `evaluation/`.
"""

from __future__ import annotations

from dataclasses import dataclass

CI_Z = 1.96  # a 95% normal interval over the test sequences: the report's verdicts, the figures' bands
CI_SUFFIX = "_ci95"  # in per_frame.csv: a metric's column, then its interval's half-width


@dataclass(frozen=True)
class Metric:
    key: str  # the name in eval.json, per_frame.csv and the compact scores file
    label: str  # for tables and axes
    higher_is_better: bool = False
    decimals: int = 3  # in every table; sums over a frame's pixels are in the hundreds and get 1

    @property
    def arrow(self) -> str:
        return "↑" if self.higher_is_better else "↓"

    @property
    def title(self) -> str:
        """Label with its direction, e.g. "SSIM (↑)"."""
        return f"{self.label} ({self.arrow})"

    def better(self, a: float, b: float) -> bool:
        """True when score `a` is strictly better than `b`."""
        return a > b if self.higher_is_better else a < b


METRICS = (
    Metric("mse_frame", "MSE per frame", decimals=1),
    Metric("mse_pixel", "MSE per pixel"),
    Metric("mae_frame", "MAE per frame", decimals=1),
    Metric("psnr", "PSNR dB", higher_is_better=True),
    Metric("ssim", "SSIM", higher_is_better=True),
    Metric("lpips", "LPIPS, inputs in [-1, 1]"),
    Metric("lpips_published", "LPIPS as published, inputs in [0, 1]"),
)
BY_KEY = {m.key: m for m in METRICS}
LPIPS_KEYS = ("lpips", "lpips_published")  # measured only with verified weights (evaluation.lpips_metric)
SELECTABLE = tuple(m.key for m in METRICS if m.key != "mse_pixel")  # what best-iterate selection may use
HEADLINE = ("lpips", "ssim", "mse_frame")  # the compact scores file and the sweep: what runs are compared by


def metric(key: str) -> Metric:
    return BY_KEY[key]
