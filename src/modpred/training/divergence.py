"""Stop a training run whose loss has left any useful range, finite or not.

Threshold: the loss may not exceed `DIVERGE_FACTOR` (100) times the run's first loss (or times
`DIVERGE_FLOOR`, when a model that starts from copying starts near 0). An MSE loss starts at the
scale of the data's variance around the untrained model's output and falls from there; in the
committed default run no predictor's loss ever rose above its first value after iteration 0 (the
highest was 0.76x), and the VQ-VAE's early codebook spike reached 3.4x. A run 100x above its start
has left the basin (an exploding learning rate, a broken input) and would only produce a useless
model and a misleading exit 0.
"""

from __future__ import annotations

import math

from modpred.errors import UserError

DIVERGE_FACTOR = 100.0
DIVERGE_FLOOR = 1e-2  # the first loss counted at least this: a model that starts from copying can start at
# exactly 0 on frames that do not move (KTH's static backgrounds), and 100x of nothing is any change


class DivergenceGuard:
    """Raises a one-line UserError when a loss is non-finite or over DIVERGE_FACTOR x the first loss."""

    def __init__(self, advice: str, first: float | None = None) -> None:
        self.advice = advice  # what to change, e.g. "lower train.predrnn.lr"
        self.first = first  # the first loss of the run (restored on resume)

    def check(self, iteration: int, loss: float) -> None:
        if not math.isfinite(loss):
            raise UserError(f"training diverged at iteration {iteration} (loss {loss}); {self.advice}")
        if self.first is None:
            self.first = loss
        elif loss > DIVERGE_FACTOR * max(self.first, DIVERGE_FLOOR):
            raise UserError(
                f"training diverged at iteration {iteration}: loss {loss:.3g} is over {DIVERGE_FACTOR:g}x "
                f"its first value {self.first:.3g}; {self.advice}"
            )
