"""One training loop for every predictor and mode: MSE on next-frame predictions in model space.

The predictor sees frames 0..T-2 and predicts frames 1..T-1 (PredRNN and TCTN both train this
way). PredRNN's scheduled sampling replaces true inputs past the input window by its own
predictions with a probability that rises from 0 to 1 over `sampling_stop_iter` iterations.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from torch import nn
from tqdm import tqdm

from modpred.errors import UserError
from modpred.params import positive
from modpred.training.compute import peak_memory, reset_peak_memory, synchronize

WARMUP_ITERS = 2  # excluded from the seconds-per-100-iterations figure


@dataclass(frozen=True)
class TrainConfig:
    iters: int = positive(default=300)
    batch: int = positive(default=8)
    lr: float = positive(default=1e-3)
    patch: int = positive(default=4)
    sampling_stop_iter: int = 0
    seed: int = 0
    log_every: int = positive(default=10)


@dataclass
class TrainResult:
    losses: list[tuple[int, float]] = field(default_factory=list)
    seconds_per_100_iters: float = float("nan")
    memory: dict = field(default_factory=dict)


def teacher_probability(iteration: int, stop_iter: int) -> float:
    """Probability of feeding the true frame past the input window: 1 -> 0 linearly, then 0."""
    if stop_iter <= 0:
        return 0.0
    return max(0.0, 1.0 - iteration / stop_iter)


def train_loop(
    model: nn.Module,
    sample_batch: Callable[[torch.Generator], torch.Tensor],
    input_len: int,
    cfg: TrainConfig,
    device: torch.device,
    desc: str = "train",
    on_log: Callable[[list[tuple[int, float]]], None] | None = None,
) -> TrainResult:
    """Train `model` in place on batches (B, T, C, H, W) drawn by `sample_batch`.

    `on_log` receives the loss curve so far at every logged iteration (to write it as training goes).
    """
    gen = torch.Generator().manual_seed(cfg.seed)
    optimizer = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    result = TrainResult()
    model.train()
    reset_peak_memory(device)
    start = None
    bar = tqdm(range(cfg.iters), desc=desc, mininterval=2.0)
    for it in bar:
        if it == WARMUP_ITERS:
            synchronize(device)
            start = time.perf_counter()
        frames = sample_batch(gen).to(device)
        b, t = frames.shape[:2]
        eta = teacher_probability(it, cfg.sampling_stop_iter)
        teacher = (torch.rand(b, max(t - 1 - input_len, 0), generator=gen) < eta).float().to(device)
        pred = model(frames, input_len, teacher)
        loss = F.mse_loss(pred, frames[:, 1:])
        value = loss.item()
        if not math.isfinite(value):
            raise UserError(f"training diverged at iteration {it} (loss {value}); lower the learning rate")
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        if it % cfg.log_every == 0 or it == cfg.iters - 1:
            result.losses.append((it, value))
            bar.set_postfix(loss=f"{value:.5f}", refresh=False)
            if on_log is not None:
                on_log(result.losses)
    synchronize(device)
    if start is not None and cfg.iters > WARMUP_ITERS:
        result.seconds_per_100_iters = (time.perf_counter() - start) / (cfg.iters - WARMUP_ITERS) * 100
    result.memory = peak_memory(device)
    model.eval()
    return result
