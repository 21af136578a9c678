"""Models: the VQ-VAE and the predictors, one file each; `predictors.build_predictor` builds one by name."""

from torch import nn


def count_params(model: nn.Module, trainable: bool = True) -> int:
    """Parameters that train (`trainable=True`) or all of them (a frozen VQ-VAE's)."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad or not trainable)
