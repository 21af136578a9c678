"""What a predictor is asked to learn (`train.<p>.loss`): the paper's MSE, or a loss in code or pixel space.

`LOSSES` is the table of named losses; a cell's loss is built from it by `make_loss`, recorded in
train.json (`RunFacts.loss`) and read by the loss curves' titles.

- `mse` (the paper's, every cell's default): `contract.train_loss`, MSE on the predicted frames in
  model space (code vectors in modular mode, pixels in base mode).
- `codes`: cross-entropy over the codebook at every latent position, logits -|z - e_k|^2 / tau, so
  the class the loss rewards is the nearest code, which is what `quantize` decoding picks: argmax
  of the logits is today's decoding. The targets are the codes the training pool holds. These
  logits do not see |z|^2 (it is the same for every k), so cross-entropy alone lets a prediction
  drift off the codebook's scale, and the predictors feed their raw predictions back;
  `loss_latent_weight` keeps the paper's MSE beside it as an anchor (0: cross-entropy alone). tau
  is `code_temperature`, or when 0 the median squared distance from each code in use to its
  nearest other code in use: a prediction on a code gives that neighbour e^-1 of its probability,
  so the loss still separates neighbours without saturating.
- `pixels`: MSE between the frozen decoder's frames of the predicted vectors (raw, as `direct`
  decoding) and of the true codes (the best frames the VQ-VAE can give), as VPTR trains through its
  frozen decoder; plus `gdl_weight` times a gradient-difference term (the mean absolute error of
  horizontal and vertical pixel differences), and the latent MSE at `loss_latent_weight`.

The frozen VQ-VAE takes no gradient in either (its parameters have requires_grad off); the decoder
is differentiated through, not updated. `codes` and `pixels` need a codebook: a base cell given one
is refused when its section is parsed (`check_loss_applies`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from modpred.errors import UserError
from modpred.models.contract import Batch, TrainOutput, frame_mse, train_loss
from modpred.models.quantizers import LibraryCodebook
from modpred.models.spaces import LatentSpace, Space
from modpred.models.vqvae import Codebook
from modpred.modes import MODES, Mode
from modpred.params import at_least, choice
from modpred.results import DEFAULT_LOSS
from modpred.training.image_terms import gradient_difference

log = logging.getLogger(__name__)

LossFn = Callable[[TrainOutput, Batch], torch.Tensor]


def code_spacing(codebook: Codebook | LibraryCodebook, in_use: np.ndarray) -> float:
    """Median squared distance from each code in use to its nearest other code in use."""
    device = next(codebook.buffers()).device  # every quantizer keeps buffers where its codes are
    which = torch.from_numpy(np.asarray(in_use, dtype=np.int64)).to(device)
    dist = codebook.distances(codebook.code_vectors(which))[:, which]
    dist.fill_diagonal_(float("inf"))
    return float(np.median(dist.min(dim=1).values.detach().cpu().numpy()))


def code_logits(z: torch.Tensor, codebook: Codebook | LibraryCodebook, tau: float) -> torch.Tensor:
    """(B, T, D, h, w) vectors -> (B, T, K, h, w) logits -|z - e_k|^2 / tau."""
    return (-codebook.distances(z.movedim(2, -1)) / tau).movedim(-1, 2)


def _anchored(cfg: LossConfig, out: TrainOutput, batch: Batch, term: torch.Tensor) -> torch.Tensor:
    """The term, the latent MSE at `loss_latent_weight`, and the predictor's own term (PredRNN-V2's)."""
    if cfg.loss_latent_weight:
        term = term + cfg.loss_latent_weight * frame_mse(out, batch.frames)
    return term + out.aux_loss


def paper_loss(out: TrainOutput, batch: Batch) -> torch.Tensor:
    """The paper's loss (`contract.train_loss`) on a batch: the default of every cell."""
    return train_loss(out, batch.frames)


def mse_loss(cfg: LossConfig, space: Space, pool: np.ndarray) -> LossFn:
    """The paper's loss, in any space."""
    return paper_loss


def codes_loss(cfg: LossConfig, space: Space, pool: np.ndarray) -> LossFn:
    """Cross-entropy of the codebook logits against the pool's codes, anchored by the latent MSE."""
    assert isinstance(space, LatentSpace), "check_loss_applies refuses it for a pixel space"
    codebook = space.vqvae.codebook
    tau = cfg.code_temperature or code_spacing(codebook, np.unique(pool))
    log.info("codes loss: temperature %.4g (%s)", tau, "set" if cfg.code_temperature else "median squared code gap")

    def loss(out: TrainOutput, batch: Batch) -> torch.Tensor:
        assert batch.pool is not None, "the codes loss needs the pool's codes beside the batch"
        target = batch.pool[:, out.first :].long()
        logits = code_logits(out.pred.float(), codebook, tau)
        return _anchored(cfg, out, batch, F.cross_entropy(logits.flatten(0, 1), target.flatten(0, 1)))

    return loss


def pixels_loss(cfg: LossConfig, space: Space, pool: np.ndarray) -> LossFn:
    """MSE (and the gradient difference) of the decoded prediction against the decoded truth."""
    assert isinstance(space, LatentSpace), "check_loss_applies refuses it for a pixel space"

    def loss(out: TrainOutput, batch: Batch) -> torch.Tensor:
        pred = space.decode_raw(out.pred.float())
        with torch.no_grad():
            target = space.decode_raw(batch.frames[:, out.first :])
        term = F.mse_loss(pred, target)
        if cfg.gdl_weight:
            term = term + cfg.gdl_weight * gradient_difference(pred, target)
        return _anchored(cfg, out, batch, term)

    return loss


@dataclass(frozen=True)
class Loss:
    """A named loss: how to build it for a cell, whether it needs a codebook, its curve's words."""

    build: Callable[[LossConfig, Space, np.ndarray], LossFn]  # (its keys, the cell's space, the training pool)
    needs_codebook: bool  # code or decoder space: modular cells only
    title: str | None = None  # the title of its loss-curve panel (None: the mode's MSE title)
    unit: str | None = None  # the unit of its curve (None: the mode's MSE unit)


LOSSES: dict[str, Loss] = {
    DEFAULT_LOSS: Loss(mse_loss, needs_codebook=False),
    "codes": Loss(
        codes_loss,
        needs_codebook=True,
        title="modular models: cross-entropy over codes (+ latent MSE)",
        unit="cross-entropy (nats per position) + weighted code-vector MSE",
    ),
    "pixels": Loss(
        pixels_loss,
        needs_codebook=True,
        title="modular models: MSE of decoded frames (+ latent MSE)",
        unit="decoded-pixel MSE + weighted code-vector MSE",
    ),
}


@dataclass(frozen=True)
class LossConfig:
    """The loss keys of a `train.<predictor>` section."""

    loss: str = choice(tuple(LOSSES), default=DEFAULT_LOSS)
    loss_latent_weight: float = at_least(0.0, default=1.0)  # codes / pixels: the latent MSE kept beside them
    code_temperature: float = at_least(0.0, default=0.0)  # codes: tau (0: the median squared code gap)
    gdl_weight: float = at_least(0.0, default=0.0)  # pixels: weight of the gradient-difference term


def check_loss_applies(loss: str, mode: Mode, key: str) -> None:
    """One line for a loss a cell of `mode` cannot train on (a code-space loss without a codebook)."""
    if LOSSES[loss].needs_codebook and mode.pixels:
        latent = [m.name for m in MODES.values() if not m.pixels]
        raise UserError(
            f"params key '{key}.loss' is {loss}, which needs a codebook: a {mode.name} cell has none "
            f"(train {', '.join(latent)} cells only with `modes: [{', '.join(latent)}]`, or use mse)"
        )


def curve_words(mode: Mode, loss: str) -> tuple[str, str]:
    """(panel title, unit) of a cell's loss curve: its loss's, or its mode's MSE."""
    spec = LOSSES[loss]
    return spec.title or mode.loss_title, spec.unit or mode.loss_unit


def make_loss(cfg: LossConfig, space: Space, pool: np.ndarray) -> LossFn:
    """The training loss of one cell, from `LOSSES`."""
    return LOSSES[cfg.loss].build(cfg, space, pool)
