"""VQ-VAE pretraining on single frames, and the quality / codebook-usage figures it reports."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple, TypedDict

import numpy as np
import torch
import torch.nn.functional as F
from torch.optim.optimizer import StateDict

from modpred.errors import UserError
from modpred.evaluation.frame_metrics import psnr, ssim_uint8
from modpred.models import count_params
from modpred.models.vqvae import VQVAE, VQVAEConfig, check_downsample, to_unit
from modpred.params import at_least, positive
from modpred.progress import progress
from modpred.results import VqvaeQuality
from modpred.training.curves import CurveSink
from modpred.training.divergence import DivergenceGuard
from modpred.training.image_terms import gradient_difference
from modpred.training.resume import ResumeState

log = logging.getLogger(__name__)
COLLAPSED = 0.1  # under this share of its codes in use, a codebook has collapsed: say so
LOG_EVERY = 10  # iterations between the points of the loss curve (and the last one)


@dataclass(frozen=True)
class VQVAETrainConfig:
    iters: int = positive(default=1500)
    batch: int = positive(default=64)
    lr: float = positive(default=2e-3)
    seed: int = 0
    eval_frames: int = positive(default=1000)
    checkpoint_every: int = positive(default=100)  # iterations between resumable states (training.resume)
    gdl_weight: float = at_least(
        0.0, default=0.0
    )  # + this x the gradient difference of reconstructions (sharper edges)
    lpips_weight: float = at_least(0.0, default=0.0)  # + this x LPIPS: the evaluation's own AlexNet metric; the
    # report says so beside the VQ-VAE (every LPIPS of its modular models and oracles is then measured by the
    # function it was trained on)


def reconstruction_loss(
    cfg: VQVAETrainConfig, device: torch.device
) -> Callable[[torch.Tensor, torch.Tensor], torch.Tensor]:
    """MSE of the reconstruction, plus the optional gradient-difference and LPIPS terms."""
    perceptual = None
    if cfg.lpips_weight:
        from modpred.evaluation.lpips_metric import make_lpips_scorer

        scorer, status = make_lpips_scorer(device)
        if scorer is None:
            raise UserError(f"vqvae.train.lpips_weight needs LPIPS: {status}")
        perceptual = scorer.net.requires_grad_(False)

    def loss(recon: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        total = F.mse_loss(recon, x)
        if cfg.gdl_weight:
            total = total + cfg.gdl_weight * gradient_difference(recon, x)
        if perceptual is not None:
            rgb = lambda f: (f * 2 - 1).expand(-1, 3, -1, -1)  # noqa: E731  [-1, 1], gray repeated, as evaluated
            total = total + cfg.lpips_weight * perceptual(rgb(recon), rgb(x)).mean()
        return total

    return loss


class PretrainResume(TypedDict):
    """`PretrainState` as `.resume/<ds>/vqvae.pt` holds it."""

    iteration: int
    model: dict[str, torch.Tensor]
    optimizer: StateDict
    generator: torch.Tensor
    losses: list[list[float]]
    first_loss: float | None


class PretrainState:
    """The pretraining's whole state between two iterations (a `training.resume.Resumable`): the
    model with its codebook buffers, the optimizer, the frame sampler, the loss curve so far, and the
    divergence guard's first loss. Restored with torch's global RNG (dead-code restarts draw from
    it), a resumed run takes exactly the steps of an unbroken one."""

    def __init__(self, model: VQVAE, optimizer: torch.optim.Optimizer, gen: torch.Generator, guard: DivergenceGuard):
        self.model, self.optimizer, self.gen, self.guard = model, optimizer, gen, guard
        self.iteration = 0
        self.losses: list[tuple[int, float]] = []

    def state_dict(self) -> PretrainResume:
        return {
            "iteration": self.iteration,
            "model": self.model.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "generator": self.gen.get_state(),
            "losses": [list(point) for point in self.losses],
            "first_loss": self.guard.first,
        }

    def load_state_dict(self, state: PretrainResume) -> None:
        self.iteration = int(state["iteration"])
        self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.gen.set_state(state["generator"])
        self.losses = [(int(it), float(loss)) for it, loss in state["losses"]]
        self.guard.first = state["first_loss"]


class PretrainHooks(NamedTuple):
    """What the stage adds to the plain pretraining, each optional (as `trainer.LoopHooks`)."""

    resume: ResumeState | None = None  # restored if it matches; saved every `checkpoint_every` iterations
    curves: CurveSink | None = None  # gets each logged loss as it comes (DVCLive)


@dataclass(frozen=True)
class Pretrained:
    model: VQVAE
    losses: list[tuple[int, float]]  # (iteration, loss) every LOG_EVERY iterations and at the last
    resumed_from_iteration: int  # 0: trained from scratch
    seed: int = 0  # vqvae.train.seed
    train_seconds: float | None = None  # wall time of this run of the pretraining


def pretrain_vqvae(
    frames: np.ndarray,
    model_cfg: VQVAEConfig,
    cfg: VQVAETrainConfig,
    device: torch.device,
    hooks: PretrainHooks = PretrainHooks(),
) -> Pretrained:
    """Train on random single frames of uint8 sequences (N, T, C, H, W), saving a resumable state to
    `hooks.resume` every `checkpoint_every` iterations and continuing from a matching one."""
    resume, curves = hooks
    check_downsample(model_cfg, frames.shape[-2], frames.shape[-1])
    began = time.perf_counter()
    torch.manual_seed(cfg.seed)
    gen = torch.Generator().manual_seed(cfg.seed)
    model = VQVAE(model_cfg).to(device)
    recon_loss = reconstruction_loss(cfg, device)
    optimizer = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    state = PretrainState(model, optimizer, gen, DivergenceGuard("lower vqvae.train.lr"))
    if resume is not None and resume.restore(state):
        log.info("resuming the VQ-VAE pretraining at iteration %d of %d", state.iteration, cfg.iters)
    start = state.iteration
    if curves is not None:  # a resumed run's curve continues from its checkpoint
        curves.start(state.losses, [])
    pool = torch.from_numpy(frames.reshape(-1, *frames.shape[2:]))
    bar = progress(range(start, cfg.iters), "pretrain_vqvae")
    for it in bar:
        x = to_unit(pool[torch.randint(len(pool), (cfg.batch,), generator=gen)]).to(device)
        recon, vq_loss, _ = model(x)
        loss = recon_loss(recon, x) + vq_loss
        state.guard.check(it, loss.item())
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        if it % LOG_EVERY == 0 or it == cfg.iters - 1:
            state.losses.append((it, loss.item()))
            if curves is not None:
                curves.loss(it, loss.item())
            bar.set_postfix(loss=f"{loss.item():.5f}", refresh=False)
        if resume is not None and (it + 1) % cfg.checkpoint_every == 0 and it + 1 < cfg.iters:
            state.iteration = it + 1
            resume.save(state)
    return Pretrained(model.eval(), state.losses, start, cfg.seed, time.perf_counter() - began)


@torch.no_grad()
def vqvae_quality(
    done: Pretrained, frames: np.ndarray, device: torch.device, max_frames: int, batch: int = 256
) -> VqvaeQuality:
    """vqvae.json: reconstruction MSE / PSNR / SSIM on test frames, codebook perplexity and usage, and
    what the pretraining was."""
    model = done.model
    flat = frames.reshape(-1, *frames.shape[2:])
    pick = np.linspace(0, len(flat) - 1, min(max_frames, len(flat))).astype(int)
    counts = torch.zeros(model.cfg.num_codes, dtype=torch.float64)
    mse: list[float] = []
    psnrs: list[float] = []
    ssims: list[float] = []
    for start in range(0, len(pick), batch):
        x = to_unit(torch.from_numpy(flat[pick[start : start + batch]])).to(device)
        recon, _, idx = model(x)
        recon = recon.clamp(0, 1)
        counts += torch.bincount(idx.flatten().cpu(), minlength=model.cfg.num_codes).double()
        err = (recon - x).pow(2).flatten(1).mean(1).cpu().numpy()
        mse.extend(err)
        psnrs.extend(psnr(err))
        ssims.extend(ssim_uint8(recon.cpu().numpy(), x.cpu().numpy()))
    p = counts / counts.sum()
    used = int((counts > 0).sum())
    collapsed = model.cfg.quantizer != "fsq" and used < COLLAPSED * model.cfg.num_codes  # FSQ's codes are a grid
    if collapsed:
        log.warning(
            "the VQ-VAE's codebook collapsed: %d of %d codes in use on the test frames; modular models can "
            "draw only what those codes draw (vqvae.model.restart_dead_after restarts dead codes)",
            used,
            model.cfg.num_codes,
        )
    return VqvaeQuality(
        recon_mse_per_pixel=float(np.mean(mse)),
        recon_psnr=float(np.mean(psnrs)),
        recon_ssim=float(np.mean(ssims)),
        perplexity=float(torch.exp(-(p[p > 0] * p[p > 0].log()).sum())),
        codes_used=used,
        codes_used_fraction=used / model.cfg.num_codes,
        dead_codes=model.cfg.num_codes - used,
        eval_frames=len(pick),
        params=count_params(model, trainable=False),
        collapsed=collapsed,
        seed=done.seed,
        train_seconds=done.train_seconds,
        resumed_from_iteration=done.resumed_from_iteration,
    )
