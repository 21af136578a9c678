"""The horizon rule: the last frame of a model's first run of frames better than copy-last."""

from __future__ import annotations

import pandas as pd

from modpred.reporting.horizon import _last_better, lower

FRAMES = pd.Series([11, 12, 13, 14])
COPY = pd.Series([0.1, 0.2, 0.3, 0.4])


def test_a_model_that_wins_early_and_loses_late_is_better_through_its_last_winning_frame():
    assert _last_better(pd.Series([0.05, 0.15, 0.35, 0.3]), COPY, FRAMES) == "12"  # frame 14 alone does not count


def test_a_model_better_on_every_frame_is_better_through_the_last_and_one_worse_at_once_through_none():
    assert _last_better(COPY - 0.01, COPY, FRAMES) == "14"
    assert _last_better(COPY, COPY, FRAMES) == "none"  # a tie is not better


def test_a_model_that_is_copy_last_up_to_the_csvs_rounding_is_better_on_no_frame():
    rounded = COPY * (1 - 8e-6)  # a kept iteration 0, through another float path and 6 significant digits
    assert _last_better(rounded, COPY, FRAMES) == "none"
    assert not lower(rounded, COPY).any()
    assert lower(COPY * (1 - 1e-4), COPY).all()  # a real, if small, improvement still counts
