"""One training loop for every predictor and mode: the cell's loss on the frames in model space.

The predictor gets the whole sequence and says which frames it predicted (`models.contract`):
next-frame predictors (PredRNN, ConvLSTM, TCTN) predict frames 1..T-1, one-shot ones (SimVP) the
frames after the input window; its own extra loss term comes back with the predictions.
Scheduled sampling (for predictors that feed predictions back) is in `sampling.py`; what a cell adds
to the plain loop (its loss, validation, resume, logging) comes in one `LoopHooks`.
The loop checkpoints a resumable state every `checkpoint_every` iterations and runs under
`torchrun` as DDP (see `distributed.py`).
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TypedDict

import torch
from torch import nn
from torch.nn.parallel import DistributedDataParallel
from torch.optim.optimizer import StateDict

from modpred.distributed import Dist
from modpred.errors import UserError
from modpred.metrics import SELECTABLE
from modpred.models.contract import Batch, TrainOutput
from modpred.params import at_least, between, choice, positive
from modpred.progress import progress
from modpred.training.compute import Memory, peak_memory, reset_peak_memory, synchronize
from modpred.training.curves import CurveSink
from modpred.training.divergence import DivergenceGuard
from modpred.training.losses import LossFn, paper_loss
from modpred.training.resume import ResumeState
from modpred.training.sampling import teacher_mask
from modpred.training.selection import BestIterate, SelectionState, Validator

log = logging.getLogger(__name__)

WARMUP_ITERS = 2  # excluded from the seconds-per-100-iterations figure
LR_SCHEDULES = ("constant", "cosine_restarts", "onecycle")


@dataclass(frozen=True)
class TrainConfig:
    """The loop's keys of a `train.<predictor>` section (the cell's other keys: `training.cell_config`)."""

    iters: int = positive(default=300)
    batch: int = positive(default=8)
    lr: float = positive(default=1e-3)
    sampling: str = choice(("scheduled", "reverse"), default="scheduled")
    sampling_stop_iter: int = 0  # scheduled: P(true frame) after the input window falls 1 -> 0 over this
    r_sampling_step_1: int = 25000  # reverse (PredRNN-V2): the official schedule's three constants
    r_sampling_step_2: int = 50000
    r_exp_alpha: float = positive(default=2500.0)
    seed: int = 0
    log_every: int = positive(default=10)
    checkpoint_every: int = positive(default=50)
    reverse_input: bool = False  # also train on each batch reversed in time, a second step (official PredRNN/TCTN)
    lr_schedule: str = choice(LR_SCHEDULES, default="constant")
    restart_period: int = positive(default=5000)  # cosine_restarts: T_0, in iterations (official TCTN: 5000)
    restart_mult: int = positive(default=2)  # cosine_restarts: T_mult (official TCTN: 2)
    warmup_share: float = between(0.0, 1.0, default=0.3)  # onecycle: share of `iters` rising to `lr` (OpenSTL: 0.3)
    val_sequences: int = at_least(0, default=0)  # held out from the training split for best-iterate selection
    val_every: int = positive(default=100)  # iterations between validation scores (and at the last one)
    select_by: str = choice(SELECTABLE, default="lpips")  # the validation metric that picks the kept iterate
    amp: str = choice(("fp32", "bf16"), default="fp32")  # bf16 autocast of forward and loss (GPU speed option)
    channels_last: bool = False  # channels-last memory format for the convolutions (GPU speed option)


@dataclass
class TrainResult:
    losses: list[tuple[int, float]] = field(default_factory=list)
    seconds_per_100_iters: float = float("nan")
    memory: Memory = field(default_factory=lambda: Memory(float("nan"), ""))
    resumed_from: int = 0
    selection: BestIterate | None = None  # the validation curve and chosen iteration, when validating


class TrainResume(TypedDict):
    """`TrainState` as `.resume/` holds it."""

    iteration: int
    losses: list[tuple[int, float]]
    model: dict[str, torch.Tensor]
    optimizer: StateDict
    generator: torch.Tensor
    scheduler: StateDict | None
    selection: SelectionState | None


@dataclass
class TrainState:
    """Everything the loop changes as it goes, saved and restored whole by `ResumeState`."""

    model: nn.Module
    optimizer: torch.optim.Optimizer
    generator: torch.Generator  # draws the batches and the scheduled-sampling masks
    scheduler: torch.optim.lr_scheduler.LRScheduler | None
    selection: BestIterate | None  # best-iterate selection, when validating
    losses: list[tuple[int, float]] = field(default_factory=list)  # (iteration, loss) at each logged one
    iteration: int = 0  # the next iteration to run

    def state_dict(self) -> TrainResume:
        """Tensors, numbers and lists only: loadable with `weights_only`."""
        return {
            "iteration": self.iteration,
            "losses": self.losses,
            "model": self.model.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "generator": self.generator.get_state(),
            "scheduler": self.scheduler.state_dict() if self.scheduler is not None else None,
            "selection": self.selection.state() if self.selection is not None else None,
        }

    def load_state_dict(self, state: TrainResume) -> None:
        self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.generator.set_state(state["generator"])
        # present in the saved state exactly when present here: the params fingerprint holds both
        if self.scheduler is not None and (schedule := state["scheduler"]) is not None:
            self.scheduler.load_state_dict(schedule)
        if self.selection is not None and (selection := state["selection"]) is not None:
            self.selection.load(selection)
        self.iteration = int(state["iteration"])
        self.losses = [(int(i), float(v)) for i, v in state["losses"]]


def to_channels_last(model: nn.Module) -> nn.Module:
    """Channels-last weights for every 2D and 3D convolution (tensor cores prefer NHWC / NDHWC)."""
    for module in model.modules():
        if isinstance(module, nn.Conv2d):
            module.to(memory_format=torch.channels_last)
        elif isinstance(module, nn.Conv3d):
            module.to(memory_format=torch.channels_last_3d)
    return model


def make_scheduler(optimizer: torch.optim.Optimizer, cfg: TrainConfig) -> torch.optim.lr_scheduler.LRScheduler | None:
    """The rate schedule, stepped every iteration: None (constant), cosine restarts, or one cycle.

    `onecycle` is torch's OneCycleLR as OpenSTL trains every method: from lr/25 up to `lr` over
    `warmup_share` of the iterations (cosine), then down to lr/25/1e4 at the last one.
    """
    if cfg.lr_schedule == "constant":
        return None
    if cfg.lr_schedule == "onecycle":
        return torch.optim.lr_scheduler.OneCycleLR(
            optimizer, max_lr=cfg.lr, total_steps=cfg.iters, pct_start=cfg.warmup_share
        )
    return torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(
        optimizer, T_0=cfg.restart_period, T_mult=cfg.restart_mult
    )


@dataclass(frozen=True)
class LoopHooks:
    """What a cell adds to the plain loop, each optional."""

    desc: str = "train"  # the progress bar's label
    curves: CurveSink | None = None  # gets each logged loss and validation as it comes (rank 0)
    resume: ResumeState | None = None  # restored if it matches; saved every `checkpoint_every` iterations
    advice: str = "lower the learning rate"  # the divergence error's advice
    validate: Validator | None = None  # scores the model every `val_every` iterations: best-iterate selection
    loss_fn: LossFn = paper_loss  # the cell's loss (`training.losses`)
    validate_start: bool = False  # also score the untrained model (start copy: it is copy-last, a candidate)


def train_loop(
    model: nn.Module,
    sample_batch: Callable[[torch.Generator], Batch | torch.Tensor],
    input_len: int,
    cfg: TrainConfig,
    device: torch.device,
    hooks: LoopHooks | None = None,
    dist: Dist | None = None,
) -> TrainResult:
    """Train `model` in place on batches (B, T, C, H, W) drawn by `sample_batch` (a `Batch`, or the
    model-space frames alone when the loss needs nothing else).

    `dist` slices each global batch across DDP ranks. With `hooks.validate`, the model is left
    holding the weights of the best score by `select_by` (the result records the curve and the
    chosen iteration).
    """
    hooks = hooks or LoopHooks()
    resume, validate = hooks.resume, hooks.validate
    dist = dist or Dist()
    if cfg.batch % dist.world:
        raise UserError(f"batch {cfg.batch} does not split over {dist.world} processes; make it a multiple")
    # 1. the state: fresh, or restored whole from a killed run with the same params and data
    state = _fresh_state(model, cfg, validating=validate is not None and dist.main)
    resumed_from = 0
    if resume is not None and resume.restore(state):
        resumed_from = state.iteration
        log.info("resumed from iteration %d (state in %s)", resumed_from, resume.path)
    curves = hooks.curves if dist.main else None
    if curves is not None:  # a resumed run's curve continues from its checkpoint: no gap, no repeat
        curves.start(state.losses, state.selection.curve if state.selection is not None else [])
    # 2. what takes a step: the network (channels-last weights, DDP) and its guarded optimizer update
    if cfg.channels_last:
        to_channels_last(model)
    net = DistributedDataParallel(model) if dist.enabled else model
    guard = DivergenceGuard(hooks.advice, first=state.losses[0][1] if state.losses else None)
    step = _Step(net, state.optimizer, guard, resume, dist, device, cfg.amp == "bf16", hooks.loss_fn)
    model.train()
    # 3. the iterations: draw, step (twice with reverse_input), schedule, log, validate, checkpoint
    clock = _Clock(device, timed_from=min(state.iteration + WARMUP_ITERS, cfg.iters - 1))
    bar = progress(range(state.iteration, cfg.iters), hooks.desc, enabled=dist.main)
    if validate is not None and hooks.validate_start and state.iteration == 0:  # iteration 0 may be the best
        _maybe_validate(state, cfg, validate, curves)
    for it in bar:
        clock.tick(it)
        drawn = sample_batch(state.generator)  # the same global batch on every rank ...
        batch = drawn if isinstance(drawn, Batch) else Batch(drawn)
        b, t = batch.frames.shape[:2]
        teacher = teacher_mask(b, t, input_len, cfg, it, state.generator)
        batch, teacher = _slice(batch, dist, device), teacher[dist.rank :: dist.world].to(device)
        value = step(batch, teacher, input_len, it)  # ... of which each rank trains on its slice
        if cfg.reverse_input:  # the official trainers: a second step on the time-reversed batch, same mask
            value = (value + step(_reversed(batch), teacher, input_len, it)) / 2
        if state.scheduler is not None:
            state.scheduler.step()
        state.iteration = it + 1
        if _maybe_log(state, cfg, it, value, curves):
            bar.set_postfix(loss=f"{value:.5f}", refresh=False)
        if validate is not None:
            with clock.paused():  # seconds per 100 iterations count training only, not validation
                _maybe_validate(state, cfg, validate, curves)
        if resume is not None and dist.main and state.iteration % cfg.checkpoint_every == 0:
            if state.iteration < cfg.iters:
                resume.save(state)
    # 4. the result: timing, memory, and the best iterate's weights left in the model
    return _finish(state, cfg, clock.per_100(cfg.iters), peak_memory(device), resumed_from)


def _slice(batch: Batch, dist: Dist, device: torch.device) -> Batch:
    """This rank's share of a global batch, on its device."""
    pool = None if batch.pool is None else batch.pool[dist.rank :: dist.world].to(device)
    return Batch(batch.frames[dist.rank :: dist.world].to(device), pool)


def _reversed(batch: Batch) -> Batch:
    """The batch with every sequence reversed in time."""
    return Batch(batch.frames.flip(1), None if batch.pool is None else batch.pool.flip(1))


def _fresh_state(model: nn.Module, cfg: TrainConfig, validating: bool) -> TrainState:
    optimizer = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    return TrainState(
        model=model,
        optimizer=optimizer,
        generator=torch.Generator().manual_seed(cfg.seed),
        scheduler=make_scheduler(optimizer, cfg),
        selection=BestIterate(cfg.select_by) if validating else None,
    )


@dataclass
class _Step:
    """One optimizer step on a batch, with the loss averaged over ranks and checked for divergence."""

    net: nn.Module
    optimizer: torch.optim.Optimizer
    guard: DivergenceGuard
    resume: ResumeState | None
    dist: Dist
    device: torch.device
    bf16: bool
    loss_fn: LossFn

    def __call__(self, batch: Batch, teacher: torch.Tensor, input_len: int, it: int) -> float:
        with torch.autocast(self.device.type, dtype=torch.bfloat16, enabled=self.bf16):
            out: TrainOutput = self.net(batch.frames, input_len, teacher)
            loss = self.loss_fn(out, batch)
        value = self.dist.mean(loss).item()
        try:
            self.guard.check(it, value)
        except UserError as exc:
            if self.resume is None or self.resume.iteration == 0:
                raise
            kept = f"the last good checkpoint (iteration {self.resume.iteration}) is kept in {self.resume.path}"
            raise UserError(f"{exc}; {kept}") from None
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()
        return value


class _Clock:
    """Wall time of the training steps from `timed_from` on (warm-up excluded), validation left out."""

    def __init__(self, device: torch.device, timed_from: int) -> None:
        self.device, self.timed_from = device, timed_from
        self.start: float | None = None
        reset_peak_memory(device)

    def tick(self, it: int) -> None:
        if it == self.timed_from:
            synchronize(self.device)
            self.start = time.perf_counter()

    @contextlib.contextmanager
    def paused(self) -> Iterator[None]:
        began = time.perf_counter()
        yield
        if self.start is not None:
            self.start += time.perf_counter() - began

    def per_100(self, iters: int) -> float:
        synchronize(self.device)
        if self.start is None or iters <= self.timed_from:
            return float("nan")
        return (time.perf_counter() - self.start) / (iters - self.timed_from) * 100


def _maybe_log(state: TrainState, cfg: TrainConfig, it: int, value: float, curves: CurveSink | None) -> bool:
    """Record the loss every `log_every` iterations and at the last one; True when it did."""
    if it % cfg.log_every and it != cfg.iters - 1:
        return False
    state.losses.append((it, value))
    if curves is not None:
        curves.loss(it, value)
    return True


def _maybe_validate(state: TrainState, cfg: TrainConfig, validate: Validator, curves: CurveSink | None) -> None:
    """Score the model every `val_every` iterations and at the last one (on rank 0, which selects)."""
    if state.selection is None or (state.iteration % cfg.val_every and state.iteration != cfg.iters):
        return
    state.model.eval()
    scores = validate(state.model)
    state.selection.update(state.iteration, scores, state.model)
    if curves is not None:
        curves.validation(state.iteration, scores)
    state.model.train()


def _finish(state: TrainState, cfg: TrainConfig, per_100: float, memory: Memory, resumed_from: int) -> TrainResult:
    selection = state.selection
    if selection is not None and selection.best_state is not None:
        state.model.load_state_dict(selection.best_state)
        log.info(
            "kept iteration %d of %d (best validation %s %.4g)",
            selection.best_iteration,
            cfg.iters,
            cfg.select_by,
            selection.best_score,
        )
    state.model.eval()
    return TrainResult(state.losses, per_100, memory, resumed_from, selection)
