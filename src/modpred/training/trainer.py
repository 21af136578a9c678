"""One training loop for every predictor and mode: MSE on the predicted frames in model space.

The predictor gets the whole sequence and says which frames it predicted (`models.contract`):
next-frame predictors (PredRNN, ConvLSTM, TCTN) predict frames 1..T-1, one-shot ones (SimVP) the
frames after the input window; its own extra loss term comes back with the predictions.
Scheduled sampling (for predictors that feed predictions back) replaces true inputs past the input
window by the model's predictions with a probability that rises from 0 to 1 over
`sampling_stop_iter` iterations; reverse scheduled sampling (PredRNN-V2) also masks inputs inside
the window.
The loop checkpoints a resumable state every `checkpoint_every` iterations and runs under
`torchrun` as DDP (see `distributed.py`).
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.parallel import DistributedDataParallel

from modpred.errors import UserError
from modpred.models.contract import TrainOutput
from modpred.params import at_least, choice, positive
from modpred.progress import progress
from modpred.training.compute import peak_memory, reset_peak_memory, synchronize
from modpred.training.distributed import Dist
from modpred.training.divergence import DivergenceGuard
from modpred.training.resume import ResumeState
from modpred.training.selection import SELECTABLE, BestIterate, Validator

log = logging.getLogger(__name__)

WARMUP_ITERS = 2  # excluded from the seconds-per-100-iterations figure


@dataclass(frozen=True)
class TrainConfig:
    iters: int = positive(default=300)
    batch: int = positive(default=8)
    lr: float = positive(default=1e-3)
    patch: int = positive(default=4)
    base_hidden: int = 0  # hidden units of the base (pixel) model when not 0: Table III's "large" base
    sampling: str = choice(("scheduled", "reverse"), default="scheduled")
    sampling_stop_iter: int = 0  # scheduled: P(true frame) after the input window falls 1 -> 0 over this
    r_sampling_step_1: int = 25000  # reverse (PredRNN-V2): the official schedule's three constants
    r_sampling_step_2: int = 50000
    r_exp_alpha: float = positive(default=2500.0)
    seed: int = 0
    log_every: int = positive(default=10)
    checkpoint_every: int = positive(default=50)
    reverse_input: bool = False  # also train on each batch reversed in time, a second step (official PredRNN/TCTN)
    lr_schedule: str = choice(("constant", "cosine_restarts"), default="constant")
    restart_period: int = positive(default=5000)  # cosine_restarts: T_0, in iterations (official TCTN: 5000)
    restart_mult: int = positive(default=2)  # cosine_restarts: T_mult (official TCTN: 2)
    val_sequences: int = at_least(0, default=0)  # held out from the training split for best-iterate selection
    val_every: int = positive(default=100)  # iterations between validation scores (and at the last one)
    select_by: str = choice(SELECTABLE, default="lpips")  # the validation metric that picks the kept iterate
    amp: str = choice(("off", "bf16"), default="off")  # bf16 autocast of forward and loss (GPU speed option)
    channels_last: bool = False  # channels-last memory format for the convolutions (GPU speed option)


@dataclass
class TrainResult:
    losses: list[tuple[int, float]] = field(default_factory=list)
    seconds_per_100_iters: float = float("nan")
    memory: dict = field(default_factory=dict)
    resumed_from: int = 0
    selection: BestIterate | None = None  # the validation curve and chosen iteration, when validating


def to_channels_last(model: nn.Module) -> nn.Module:
    """Channels-last weights for every 2D and 3D convolution (tensor cores prefer NHWC / NDHWC)."""
    for module in model.modules():
        if isinstance(module, nn.Conv2d):
            module.to(memory_format=torch.channels_last)
        elif isinstance(module, nn.Conv3d):
            module.to(memory_format=torch.channels_last_3d)
    return model


def teacher_probability(iteration: int, stop_iter: int) -> float:
    """Probability of feeding the true frame past the input window: 1 -> 0 linearly, then 0."""
    if stop_iter <= 0:
        return 0.0
    return max(0.0, 1.0 - iteration / stop_iter)


def sampling_probabilities(iteration: int, cfg: TrainConfig) -> tuple[float, float]:
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
    batch: int, length: int, input_len: int, cfg: TrainConfig, iteration: int, gen: torch.Generator
) -> torch.Tensor:
    """(batch, length - 2) mask for steps 1..length-2: 1 feeds the true frame, 0 the model's prediction."""
    r_eta, eta = sampling_probabilities(iteration, cfg)
    draw = torch.rand(batch, max(length - 2, 0), generator=gen)
    steps = torch.arange(1, length - 1)
    return (draw < torch.where(steps < input_len, r_eta, eta)).float()


def make_scheduler(optimizer: torch.optim.Optimizer, cfg: TrainConfig) -> torch.optim.lr_scheduler.LRScheduler | None:
    """None (constant rate) or cosine annealing with warm restarts, stepped every iteration."""
    if cfg.lr_schedule == "constant":
        return None
    return torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(
        optimizer, T_0=cfg.restart_period, T_mult=cfg.restart_mult
    )


def train_loop(
    model: nn.Module,
    sample_batch: Callable[[torch.Generator], torch.Tensor],
    input_len: int,
    cfg: TrainConfig,
    device: torch.device,
    desc: str = "train",
    on_log: Callable[[list[tuple[int, float]]], None] | None = None,
    resume: ResumeState | None = None,
    dist: Dist | None = None,
    advice: str = "lower the learning rate",
    validate: Validator | None = None,
) -> TrainResult:
    """Train `model` in place on batches (B, T, C, H, W) drawn by `sample_batch`.

    `on_log` receives the loss curve so far at every logged iteration (to write it as training
    goes); `resume`, when given, is restored if it matches and saved every `checkpoint_every`
    iterations; `dist` slices each global batch across DDP ranks. With `validate`, the model is
    scored every `val_every` iterations and at the last one, and left holding the weights of the
    best score by `select_by` (the result records the curve and the chosen iteration).
    """
    dist = dist or Dist()
    if cfg.batch % dist.world:
        raise UserError(f"batch {cfg.batch} does not split over {dist.world} processes; make it a multiple")
    gen = torch.Generator().manual_seed(cfg.seed)
    optimizer = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    scheduler = make_scheduler(optimizer, cfg)
    result = TrainResult(selection=BestIterate(cfg.select_by) if validate is not None and dist.main else None)
    first = 0
    if resume is not None and resume.restore(model, optimizer, gen):
        first, result.losses, result.resumed_from = resume.iteration, list(resume.losses), resume.iteration
        if scheduler is not None:
            scheduler.load_state_dict(resume.extra["scheduler"])
        if result.selection is not None:
            result.selection.load(resume.extra["selection"])
        log.info("resumed from iteration %d (state in %s)", resume.iteration, resume.path)
    guard = DivergenceGuard(advice, first=result.losses[0][1] if result.losses else None)
    if cfg.channels_last:
        to_channels_last(model)
    net = DistributedDataParallel(model) if dist.enabled else model
    model.train()

    def step(frames: torch.Tensor, teacher: torch.Tensor, it: int) -> float:
        """One optimizer step on `frames`; returns the loss averaged over ranks."""
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=cfg.amp == "bf16"):
            out: TrainOutput = net(frames, input_len, teacher)
            loss = F.mse_loss(out.pred.float(), frames[:, out.first :]) + out.aux_loss
        value = dist.mean(loss).item()
        try:
            guard.check(it, value)
        except UserError as exc:
            if resume is None or resume.iteration == 0:
                raise
            kept = f"the last good checkpoint (iteration {resume.iteration}) is kept in {resume.path}"
            raise UserError(f"{exc}; {kept}") from None
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        return value

    reset_peak_memory(device)
    start, timed_from = None, min(first + WARMUP_ITERS, cfg.iters - 1)
    bar = progress(range(first, cfg.iters), desc, enabled=dist.main)
    for it in bar:
        if it == timed_from:
            synchronize(device)
            start = time.perf_counter()
        frames = sample_batch(gen)  # the same global batch on every rank ...
        b, t = frames.shape[:2]
        teacher = teacher_mask(b, t, input_len, cfg, it, gen)
        frames, teacher = frames[dist.rank :: dist.world].to(device), teacher[dist.rank :: dist.world].to(device)
        value = step(frames, teacher, it)  # ... of which each rank trains on its slice
        if cfg.reverse_input:  # the official trainers: a second step on the time-reversed batch, same mask
            value = (value + step(frames.flip(1), teacher, it)) / 2
        if scheduler is not None:
            scheduler.step()
        if it % cfg.log_every == 0 or it == cfg.iters - 1:
            result.losses.append((it, value))
            bar.set_postfix(loss=f"{value:.5f}", refresh=False)
            if on_log is not None and dist.main:
                on_log(result.losses)
        if result.selection is not None and ((it + 1) % cfg.val_every == 0 or it == cfg.iters - 1):
            validation_started = time.perf_counter()
            model.eval()
            result.selection.update(it + 1, validate(model), model)
            model.train()
            if start is not None:  # seconds per 100 iterations count training only, not validation
                start += time.perf_counter() - validation_started
        if resume is not None and dist.main and (it + 1) % cfg.checkpoint_every == 0 and it + 1 < cfg.iters:
            resume.iteration, resume.losses = it + 1, result.losses
            resume.extra = {
                "scheduler": scheduler.state_dict() if scheduler is not None else None,
                "selection": result.selection.state() if result.selection is not None else None,
            }
            resume.save(model, optimizer, gen)
    synchronize(device)
    if start is not None and cfg.iters > timed_from:
        result.seconds_per_100_iters = (time.perf_counter() - start) / (cfg.iters - timed_from) * 100
    result.memory = peak_memory(device)
    if result.selection is not None and result.selection.best_state is not None:
        model.load_state_dict(result.selection.best_state)
        log.info(
            "kept iteration %d of %d (best validation %s %.4g)",
            result.selection.best_iteration,
            cfg.iters,
            cfg.select_by,
            result.selection.best_score,
        )
    model.eval()
    return result
