"""The space a predictor works in: patch-reshaped pixels (base) or frozen VQ-VAE embeddings (modular).

Both present a sequence as (B, T, C, grid, grid) floats, so one predictor class serves both modes.
"""

from __future__ import annotations

import torch

from modpred.models.vqvae import VQVAE


def patchify(frames: torch.Tensor, patch: int) -> torch.Tensor:
    """(B, T, C, H, W) -> (B, T, C*p*p, H/p, W/p), the official PredRNN reshape (lossless)."""
    b, t, c, h, w = frames.shape
    x = frames.reshape(b, t, c, h // patch, patch, w // patch, patch)
    return x.permute(0, 1, 2, 4, 6, 3, 5).reshape(b, t, c * patch * patch, h // patch, w // patch)


def unpatchify(x: torch.Tensor, patch: int, channels: int = 1) -> torch.Tensor:
    b, t, _, gh, gw = x.shape
    x = x.reshape(b, t, channels, patch, patch, gh, gw)
    return x.permute(0, 1, 2, 5, 3, 6, 4).reshape(b, t, channels, gh * patch, gw * patch)


def to_unit(frames: torch.Tensor) -> torch.Tensor:
    """uint8 frames -> float in [0, 1]."""
    return frames.float() / 255.0


class PixelSpace:
    """Base mode: the predictor sees pixels in [0, 1], patch-reshaped."""

    mode = "base"

    def __init__(self, patch: int, image: int, channels: int = 1) -> None:
        if image % patch:
            raise ValueError(f"image size {image} is not divisible by patch {patch}")
        self.patch, self.image, self.img_channels = patch, image, channels
        self.channels = channels * patch * patch
        self.grid = image // patch

    def encode(self, frames: torch.Tensor) -> torch.Tensor:
        """uint8 frames (B, T, C, H, W) -> model space."""
        return patchify(to_unit(frames), self.patch)

    def decode(self, x: torch.Tensor) -> torch.Tensor:
        """Model space -> frames in [0, 1]."""
        return unpatchify(x, self.patch, self.img_channels).clamp(0, 1)


class LatentSpace:
    """Modular mode: the predictor sees codebook embeddings of the frozen VQ-VAE's codes.

    `decode="quantize"` snaps each predicted vector to its nearest code before the decoder (the
    decoder only ever saw code vectors in training); `decode="direct"` feeds the raw prediction.
    """

    mode = "modular"

    def __init__(self, vqvae: VQVAE, image: int, decode: str = "quantize") -> None:
        self.vqvae = vqvae.eval().requires_grad_(False)
        self.image = image
        self.channels = vqvae.cfg.code_dim
        self.grid = vqvae.grid(image)
        self.decode_mode = decode

    def embed(self, codes: torch.Tensor) -> torch.Tensor:
        """Code indices (B, T, h, w) -> embeddings (B, T, D, h, w)."""
        return self.vqvae.codebook.lookup(codes.long())

    @torch.no_grad()
    def encode(self, frames: torch.Tensor) -> torch.Tensor:
        b, t = frames.shape[:2]
        codes = self.vqvae.encode(to_unit(frames).flatten(0, 1)).view(b, t, self.grid, self.grid)
        return self.embed(codes)

    @torch.no_grad()
    def decode(self, z: torch.Tensor) -> torch.Tensor:
        b, t = z.shape[:2]
        flat = z.flatten(0, 1)
        if self.decode_mode == "quantize":
            flat = self.vqvae.quantize(flat)
        frames = self.vqvae.decoder(flat)
        return frames.view(b, t, *frames.shape[1:]).clamp(0, 1)
