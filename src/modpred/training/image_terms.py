"""Loss terms on frames that two trainers share: the predictors' `pixels` loss and the VQ-VAE's
pretraining. Kept apart from both so that neither's edits rerun the other's stages."""

from __future__ import annotations

import torch


def gradient_difference(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Mean absolute error of the horizontal and vertical pixel differences (Mathieu et al. 2016, alpha 1)."""
    dx = (pred.diff(dim=-1).abs() - target.diff(dim=-1).abs()).abs().mean()
    dy = (pred.diff(dim=-2).abs() - target.diff(dim=-2).abs()).abs().mean()
    return dx + dy
