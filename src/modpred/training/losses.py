"""What a modular predictor is asked to learn (`train.<p>.loss`): the paper's MSE, or a loss in code or pixel space.

- `mse` (the paper's, and every base cell's): `contract.train_loss`, MSE on the predicted frames in
  model space (code vectors in modular mode, pixels in base mode).
- `codes`: cross-entropy over the codebook at every latent position, logits -|z - e_k|^2 / tau, so
  the class the loss rewards is the nearest code, which is what `quantize` decoding picks: argmax
  of the logits is today's decoding. These logits do not see |z|^2 (it is the same for every k),
  so cross-entropy alone lets a prediction drift off the codebook's scale, and the predictors feed
  their raw predictions back; `loss_latent_weight` keeps the paper's MSE beside it as an anchor
  (0: cross-entropy alone). tau is `code_temperature`, or when 0 the median squared distance from
  each code in use to its nearest other code in use: a prediction on a code gives that neighbour
  e^-1 of its probability, so the loss still separates neighbours without saturating.
- `pixels`: MSE between the frozen decoder's frames of the predicted vectors (raw, as `direct`
  decoding) and of the true codes (the best frames the VQ-VAE can give), as VPTR trains through its
  frozen decoder; plus `gdl_weight` times a gradient-difference term (the mean absolute error of
  horizontal and vertical pixel differences), and the latent MSE at `loss_latent_weight`.

The frozen VQ-VAE takes no gradient in either (its parameters have requires_grad off); the decoder
is differentiated through, not updated. In base mode every choice is the pixel MSE: there are no
codes, and the frames already are pixels.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from modpred.models.contract import TrainOutput, train_loss
from modpred.models.spaces import LatentSpace, Space
from modpred.params import at_least, choice

log = logging.getLogger(__name__)

LOSSES = ("mse", "codes", "pixels")
LossFn = Callable[[TrainOutput, torch.Tensor], torch.Tensor]


def code_spacing(codebook: torch.Tensor, in_use: np.ndarray) -> float:
    """Median squared distance from each code in use to its nearest other code in use."""
    codes = codebook[torch.from_numpy(np.asarray(in_use, dtype=np.int64)).to(codebook.device)]
    dist = torch.cdist(codes, codes).pow(2)
    dist.fill_diagonal_(float("inf"))
    return float(np.median(dist.min(dim=1).values.cpu().numpy()))


def code_logits(z: torch.Tensor, codebook: torch.Tensor, tau: float) -> torch.Tensor:
    """(B, T, D, h, w) vectors -> (B, T, K, h, w) logits -|z - e_k|^2 / tau."""
    flat = z.movedim(2, -1)  # (B, T, h, w, D)
    dist = flat.pow(2).sum(-1, keepdim=True) - 2 * flat @ codebook.t() + codebook.pow(2).sum(1)
    return (-dist / tau).movedim(-1, 2)


def nearest_codes(z: torch.Tensor, codebook: torch.Tensor) -> torch.Tensor:
    """(B, T, D, h, w) -> (B, T, h, w) index of the nearest code (exact for true code vectors)."""
    return code_logits(z, codebook, 1.0).argmax(2)


def gradient_difference(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Mean absolute error of the horizontal and vertical pixel differences (Mathieu et al. 2016, alpha 1)."""
    dx = (pred.diff(dim=-1).abs() - target.diff(dim=-1).abs()).abs().mean()
    dy = (pred.diff(dim=-2).abs() - target.diff(dim=-2).abs()).abs().mean()
    return dx + dy


@dataclass(frozen=True)
class LossConfig:
    """The loss keys of a `train.<predictor>` section."""

    loss: str = choice(LOSSES, default="mse")
    loss_latent_weight: float = at_least(0.0, default=1.0)  # codes / pixels: the latent MSE kept beside them
    code_temperature: float = at_least(0.0, default=0.0)  # codes: tau (0: the median squared code gap)
    gdl_weight: float = at_least(0.0, default=0.0)  # pixels: weight of the gradient-difference term


def make_loss(cfg: LossConfig, space: Space, pool: np.ndarray) -> LossFn:
    """The training loss of one cell: `cfg.loss` for a modular cell, the pixel MSE for a base one."""
    if cfg.loss == "mse" or not isinstance(space, LatentSpace):
        return train_loss
    latent_weight, temperature, gdl_weight = cfg.loss_latent_weight, cfg.code_temperature, cfg.gdl_weight
    vqvae = space.vqvae
    codebook = vqvae.codebook.embedding.weight.detach()

    def anchored(out: TrainOutput, frames: torch.Tensor, term: torch.Tensor) -> torch.Tensor:
        """The term, the latent MSE at `latent_weight`, and the predictor's own term (PredRNN-V2's)."""
        if latent_weight:
            term = term + latent_weight * F.mse_loss(out.pred.float(), frames[:, out.first :])
        return term + out.aux_loss

    if cfg.loss == "codes":
        tau = temperature or code_spacing(codebook, np.unique(pool))
        log.info("codes loss: temperature %.4g (%s)", tau, "set" if temperature else "median squared code gap")

        def codes_loss(out: TrainOutput, frames: torch.Tensor) -> torch.Tensor:
            target = nearest_codes(frames[:, out.first :], codebook)
            logits = code_logits(out.pred.float(), codebook, tau)
            return anchored(out, frames, F.cross_entropy(logits.flatten(0, 1), target.flatten(0, 1)))

        return codes_loss

    def decode(z: torch.Tensor) -> torch.Tensor:
        return vqvae.decoder(z.flatten(0, 1))

    def pixels_loss(out: TrainOutput, frames: torch.Tensor) -> torch.Tensor:
        pred = decode(out.pred.float())
        with torch.no_grad():
            target = decode(frames[:, out.first :])
        term = F.mse_loss(pred, target)
        if gdl_weight:
            term = term + gdl_weight * gradient_difference(pred, target)
        return anchored(out, frames, term)

    return pixels_loss
