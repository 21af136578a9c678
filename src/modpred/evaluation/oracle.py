"""The VQ-VAE oracle: the frozen VQ-VAE's reconstruction of the true future frames.

What a modular model would score if it predicted every code right: the ceiling of every model on
that VQ-VAE's latents. When a modular model sits near it, the VQ-VAE holds it back; when far above
it, the predictor does. Scored by `evaluate.score_predictor`, exactly as a model is, once for each
decoding that ceilings differ by: decoded directly, and decoded as a change onto the last input frame.
"""

from __future__ import annotations

import numpy as np
import torch

from modpred.evaluation.evaluate import PredictFn
from modpred.models.spaces import LatentSpace
from modpred.models.vqvae import VQVAE


def reconstruct_future(vqvae: VQVAE, future: int, device: torch.device, decode: str = "quantize") -> PredictFn:
    """Whole uint8 sequences -> their last `future` frames through the VQ-VAE, decoded as a modular
    model's prediction is with `decode` (`modes.DECODINGS`; quantize and direct are the same here,
    since the true codes are code vectors): the change decoding continues the last input frame."""

    @torch.no_grad()
    def predict(sequences: np.ndarray) -> np.ndarray:
        space = LatentSpace(vqvae, image=sequences.shape[-1], decode=decode)
        whole = torch.from_numpy(np.ascontiguousarray(sequences)).to(device)
        return space.decode(space.encode(whole[:, -future:]), whole[:, :-future]).cpu().numpy()

    return predict
