"""VQ-VAE (van den Oord et al. 2017) in the layout of DeepMind's Sonnet example.

At the paper profile (1 channel, 256 hidden, 32 residual hidden, 2 residual layers, 512 codes of
dimension 64) it has 2,169,025 parameters, the paper's "2.17M", with 4x downsampling:
64x64 frames become a 16x16 grid of codes.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F
from torch import nn

from modpred.params import positive


@dataclass(frozen=True)
class VQVAEConfig:
    in_channels: int = positive(default=1)
    hidden: int = positive(default=32)
    res_hidden: int = positive(default=16)
    res_layers: int = positive(default=1)
    num_codes: int = positive(default=64)
    code_dim: int = positive(default=16)
    beta: float = positive(default=0.25)


class ResidualStack(nn.Module):
    """`layers` blocks of relu -> 3x3 conv -> relu -> 1x1 conv, added back; a final relu."""

    def __init__(self, channels: int, res_hidden: int, layers: int) -> None:
        super().__init__()
        self.blocks = nn.ModuleList(
            nn.Sequential(
                nn.ReLU(), nn.Conv2d(channels, res_hidden, 3, padding=1), nn.ReLU(), nn.Conv2d(res_hidden, channels, 1)
            )
            for _ in range(layers)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for block in self.blocks:
            x = x + block(x)
        return F.relu(x)


class Encoder(nn.Module):
    def __init__(self, cfg: VQVAEConfig) -> None:
        super().__init__()
        h = cfg.hidden
        self.net = nn.Sequential(
            nn.Conv2d(cfg.in_channels, h // 2, 4, stride=2, padding=1),
            nn.ReLU(),
            nn.Conv2d(h // 2, h, 4, stride=2, padding=1),
            nn.ReLU(),
            nn.Conv2d(h, h, 3, padding=1),
            ResidualStack(h, cfg.res_hidden, cfg.res_layers),
            nn.Conv2d(h, cfg.code_dim, 1),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


class Decoder(nn.Module):
    def __init__(self, cfg: VQVAEConfig) -> None:
        super().__init__()
        h = cfg.hidden
        self.net = nn.Sequential(
            nn.Conv2d(cfg.code_dim, h, 3, padding=1),
            ResidualStack(h, cfg.res_hidden, cfg.res_layers),
            nn.ConvTranspose2d(h, h // 2, 4, stride=2, padding=1),
            nn.ReLU(),
            nn.ConvTranspose2d(h // 2, cfg.in_channels, 4, stride=2, padding=1),
        )

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(z)


class Codebook(nn.Module):
    """Nearest-neighbour quantiser with the straight-through estimator and commitment loss."""

    def __init__(self, num_codes: int, dim: int, beta: float) -> None:
        super().__init__()
        self.beta = beta
        self.embedding = nn.Embedding(num_codes, dim)
        nn.init.uniform_(self.embedding.weight, -1.0 / num_codes, 1.0 / num_codes)

    def indices(self, z: torch.Tensor) -> torch.Tensor:
        """(B, D, h, w) encoder outputs -> (B, h, w) index of the nearest code (eq. 4-5)."""
        flat = z.permute(0, 2, 3, 1).reshape(-1, z.shape[1])
        weight = self.embedding.weight
        dist = flat.pow(2).sum(1, keepdim=True) - 2 * flat @ weight.t() + weight.pow(2).sum(1)
        return dist.argmin(1).view(z.shape[0], z.shape[2], z.shape[3])

    def lookup(self, idx: torch.Tensor) -> torch.Tensor:
        """(..., h, w) code indices -> (..., D, h, w) code vectors."""
        return self.embedding(idx).movedim(-1, -3)

    def forward(self, z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Return (straight-through quantised z, codebook + commitment loss, indices)."""
        idx = self.indices(z)
        zq = self.lookup(idx)
        loss = F.mse_loss(zq, z.detach()) + self.beta * F.mse_loss(z, zq.detach())
        return z + (zq - z).detach(), loss, idx


class VQVAE(nn.Module):
    """Frames in [0, 1] -> codes -> frames; trained on single frames, then frozen."""

    def __init__(self, cfg: VQVAEConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.encoder = Encoder(cfg)
        self.codebook = Codebook(cfg.num_codes, cfg.code_dim, cfg.beta)
        self.decoder = Decoder(cfg)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Return (reconstruction, vq loss, code indices) for frames (B, C, H, W)."""
        zq, vq_loss, idx = self.codebook(self.encoder(x))
        return self.decoder(zq), vq_loss, idx

    @torch.no_grad()
    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """Frames (B, C, H, W) in [0, 1] -> code indices (B, h, w)."""
        return self.codebook.indices(self.encoder(x))

    def decode_codes(self, idx: torch.Tensor) -> torch.Tensor:
        return self.decoder(self.codebook.lookup(idx))

    def quantize(self, z: torch.Tensor) -> torch.Tensor:
        """Snap arbitrary vectors (B, D, h, w) onto their nearest codes."""
        return self.codebook.lookup(self.codebook.indices(z))

    def grid(self, image: int) -> int:
        return image // 4

    def state(self) -> dict:
        return {"config": asdict(self.cfg), "state_dict": self.state_dict()}

    @classmethod
    def from_state(cls, state: dict) -> VQVAE:
        model = cls(VQVAEConfig(**state["config"]))
        model.load_state_dict(state["state_dict"])
        return model
