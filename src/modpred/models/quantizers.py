"""The VQ-VAE's quantizers beyond the paper's: cosine codes and FSQ, from vector-quantize-pytorch.

The paper's quantizer (`vqvae.Codebook`, nearest neighbour in the code space) stays the project's
own code, so the paper profile's VQ-VAE is unchanged. The two here keep textures of real footage
better at the same grid (issue 38 measures them by the oracle on the dashcam test frames):

- `cosine`: l2-normalised codes in a low-dimensional lookup space (`lookup_dim`), projected in and
  out of the code dimension, with the library's EMA codebook updates (`decay`; `beta` its
  commitment weight, `init_from_data` its k-means initialisation, `restart_dead_after` > 0 its
  dead-code replacement below an EMA count of 2) (Yu et al., ViT-VQGAN, 2022);
- `fsq`: finite scalar quantization, each of len(levels) projected dimensions rounded to its own
  number of levels; the codebook is implicit, prod(levels) codes, nothing to collapse and no
  codebook loss (Mentzer et al., 2023).

Both offer what the project reads of a codebook: `forward` (straight-through vectors, loss,
indices), `indices`, `lookup` (indices -> the vectors the decoder and the modular predictors see,
(..., D, h, w)), `code_vectors` and `distances` (the codes loss).
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn
from vector_quantize_pytorch import FSQ, VectorQuantize

QUANTIZERS = ("vq", "cosine", "fsq")  # vq: the paper's nearest-neighbour codebook (`vqvae.Codebook`)


def _channels_first(v: torch.Tensor) -> torch.Tensor:
    """(..., h, w, D) -> (..., D, h, w), with positive dims (ONNX's Transpose takes no negative ones)."""
    n = v.dim()
    return v.permute(*range(n - 3), n - 1, n - 3, n - 2)


class LibraryCodebook(nn.Module):
    """What the two library quantizers share: the table of code vectors read by index."""

    num_codes: int

    def lookup(self, idx: torch.Tensor) -> torch.Tensor:
        """(..., h, w) code indices -> (..., D, h, w) code vectors."""
        return _channels_first(self.code_vectors(idx))

    def code_vectors(self, which: torch.Tensor) -> torch.Tensor:
        """Indices (any shape) -> their vectors, (..., D)."""
        raise NotImplementedError

    def distances(self, vectors: torch.Tensor) -> torch.Tensor:
        """(..., D) vectors -> (..., K) squared distance to every code (the codes loss)."""
        table = self.code_vectors(torch.arange(self.num_codes, device=vectors.device))
        return vectors.pow(2).sum(-1, keepdim=True) - 2 * vectors @ table.t() + table.pow(2).sum(1)

    def snap(self, z: torch.Tensor, chunk: int = 4096) -> torch.Tensor:
        """(B, D, h, w) vectors -> the nearest code vectors in the code space, so a code vector snaps to
        itself (the quantizer's own path projects first, and a projected-out code need not map back)."""
        flat = z.permute(0, 2, 3, 1).reshape(-1, z.shape[1])
        idx = torch.cat([self.distances(part).argmin(1) for part in flat.split(chunk)])
        return self.lookup(idx.view(z.shape[0], z.shape[2], z.shape[3]))

    def indices(self, z: torch.Tensor) -> torch.Tensor:
        """(B, D, h, w) encoder outputs -> (B, h, w) code indices."""
        return self.quantize_with_indices(z)[1]

    def quantize_with_indices(self, z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        raise NotImplementedError


class CosineCodebook(LibraryCodebook):
    """l2-normalised codes of dimension `lookup_dim`, looked up by cosine similarity (EMA updates)."""

    def __init__(self, code_dim: int, num_codes: int, lookup_dim: int, cfg: Any) -> None:
        super().__init__()
        self.num_codes = num_codes
        self.vq = VectorQuantize(
            dim=code_dim,
            codebook_size=num_codes,
            codebook_dim=lookup_dim,
            use_cosine_sim=True,
            decay=cfg.decay,
            commitment_weight=cfg.beta,
            kmeans_init=cfg.init_from_data,
            threshold_ema_dead_code=2 if cfg.restart_dead_after else 0,
            accept_image_fmap=True,
        )

    def code_vectors(self, which: torch.Tensor) -> torch.Tensor:
        return self.vq.project_out(self.vq.codebook[which])

    def quantize_with_indices(self, z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        zq, idx, _ = self.vq(z)
        return zq, idx

    def forward(self, z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(straight-through quantised z, commitment loss, indices); EMA updates in training."""
        zq, idx, loss = self.vq(z)
        return zq, loss.reshape(()), idx


class ScalarCodebook(LibraryCodebook):
    """FSQ: `levels` rounded scalars per position, an implicit codebook of prod(levels) codes."""

    def __init__(self, code_dim: int, levels: tuple[int, ...]) -> None:
        super().__init__()
        self.fsq = FSQ(levels=list(levels), dim=code_dim)
        self.num_codes = int(self.fsq.codebook_size)

    def code_vectors(self, which: torch.Tensor) -> torch.Tensor:
        flat = self.fsq.indices_to_codes(which.reshape(1, -1))  # (1, N, D): 2-D indices stay channels-last
        return flat.reshape(*which.shape, flat.shape[-1])

    def quantize_with_indices(self, z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        zq, idx = self.fsq(z)  # the library takes a 4-D input as (B, D, h, w) and answers alike
        return zq, idx

    def forward(self, z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(straight-through quantised z, zero loss: FSQ has no codebook to pull, indices)."""
        zq, idx = self.quantize_with_indices(z)
        return zq, z.new_zeros(()), idx


def library_codebook(cfg: Any) -> LibraryCodebook:
    """The quantizer `cfg.quantizer` names, for a VQ-VAE config other than the paper's `vq`."""
    if cfg.quantizer == "cosine":
        return CosineCodebook(cfg.code_dim, cfg.num_codes, cfg.lookup_dim, cfg)
    if cfg.quantizer == "fsq":
        return ScalarCodebook(cfg.code_dim, tuple(cfg.levels))
    raise ValueError(f"no library quantizer '{cfg.quantizer}'")
