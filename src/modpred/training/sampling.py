"""Scheduled sampling: when a recurrent predictor is fed the true frame and when its own prediction.

Scheduled sampling replaces true inputs past the input window by the model's predictions with a
probability that rises from 0 to 1 over `sampling_stop_iter` iterations (official PredRNN);
reverse scheduled sampling (PredRNN-V2) also masks inputs inside the window.
"""

from __future__ import annotations

import math
from typing import Protocol

import torch


class Schedule(Protocol):
    """The keys of a cell's train section that the schedule reads (`trainer.TrainConfig` has them)."""

    @property
    def sampling(self) -> str: ...  # scheduled or reverse

    @property
    def sampling_stop_iter(self) -> int: ...

    @property
    def r_sampling_step_1(self) -> int: ...

    @property
    def r_sampling_step_2(self) -> int: ...

    @property
    def r_exp_alpha(self) -> float: ...


def teacher_probability(iteration: int, stop_iter: int) -> float:
    """Probability of feeding the true frame past the input window: 1 -> 0 linearly, then 0."""
    if stop_iter <= 0:
        return 0.0
    return max(0.0, 1.0 - iteration / stop_iter)


def sampling_probabilities(iteration: int, cfg: Schedule) -> tuple[float, float]:
    """(P(true frame) inside the input window, P(true frame) after it) at this iteration.

    Reverse scheduled sampling (PredRNN-V2, official schedule): inside the window the probability
    rises from 0.5 to 1 (exponentially, time constant r_exp_alpha) between steps 1 and 2; after it,
    it falls linearly from 0.5 to 0 over the same span.
    """
    if cfg.sampling == "scheduled":
        return 1.0, teacher_probability(iteration, cfg.sampling_stop_iter)
    s1, s2 = cfg.r_sampling_step_1, cfg.r_sampling_step_2
    if iteration < s1:
        return 0.5, 0.5
    if iteration < s2:
        return 1.0 - 0.5 * math.exp(-(iteration - s1) / cfg.r_exp_alpha), 0.5 - 0.5 * (iteration - s1) / (s2 - s1)
    return 1.0, 0.0


def teacher_mask(
    batch: int, length: int, input_len: int, cfg: Schedule, iteration: int, gen: torch.Generator
) -> torch.Tensor:
    """(batch, length - 2) mask for steps 1..length-2: 1 feeds the true frame, 0 the model's prediction."""
    r_eta, eta = sampling_probabilities(iteration, cfg)
    draw = torch.rand(batch, max(length - 2, 0), generator=gen)
    steps = torch.arange(1, length - 1)
    return (draw < torch.where(steps < input_len, r_eta, eta)).float()
