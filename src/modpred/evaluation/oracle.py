"""The VQ-VAE oracle: the frozen VQ-VAE's reconstruction of the true future frames.

What a modular model would score if it predicted every code right: the ceiling of every model on
that VQ-VAE's latents. When a modular model sits near it, the VQ-VAE holds it back; when far above
it, the predictor does. Scored by `evaluate.score_predictor`, exactly as a model is.
"""

from __future__ import annotations

import numpy as np
import torch

from modpred.evaluation.evaluate import PredictFn
from modpred.models.spaces import LatentSpace
from modpred.models.vqvae import VQVAE


def reconstruct_future(vqvae: VQVAE, future: int, device: torch.device) -> PredictFn:
    """Whole uint8 sequences -> their last `future` frames through the VQ-VAE, decoded as a modular
    model's prediction is (each vector snapped to its nearest code, then the decoder)."""

    @torch.no_grad()
    def predict(sequences: np.ndarray) -> np.ndarray:
        space = LatentSpace(vqvae, image=sequences.shape[-1])
        frames = torch.from_numpy(np.ascontiguousarray(sequences[:, -future:])).to(device)
        return space.decode(space.encode(frames)).cpu().numpy()

    return predict
