"""VQ-VAE (van den Oord et al. 2017) in the layout of DeepMind's Sonnet example.

Encoder: 4x4 stride-2 conv, ReLU, 4x4 stride-2 conv, ReLU, 3x3 conv, ReLU, residual stack (ReLU,
3x3, ReLU, 1x1, added back; a final ReLU), 1x1 projection to the code dimension. Decoder: the
mirror (3x3 conv, residual stack, two 4x4 stride-2 transposed convs with a ReLU between), as the
Sonnet example. Its width differs: the example uses 128 hidden channels (691,393 parameters for
one input channel); our paper profile uses 256 (1 channel, 32 residual hidden, 2 residual layers,
512 codes of dimension 64), which gives 2,169,025 parameters, the paper's "2.17M". 4x
downsampling: 64x64 frames become a 16x16 grid of codes. `downsample: 8` (not in the paper) adds a
third 4x4 stride-2 convolution (h -> h) after the second and its mirror before the decoder's two, so
64x64 frames become an 8x8 grid: every modular step handles four times fewer positions.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from modpred.atomic import sha256_file
from modpred.checkpoint import VqvaeCheckpoint, load_vqvae_checkpoint
from modpred.errors import UserError
from modpred.models.quantizers import QUANTIZERS, library_codebook
from modpred.params import at_least, between, build_config, choice, positive
from modpred.results import VqvaeQuality

DOWNSAMPLES = (4, 8)  # two or three stride-2 convolutions: a 64x64 frame becomes 16x16 or 8x8 codes


def to_unit(frames: torch.Tensor) -> torch.Tensor:
    """uint8 frames -> float in [0, 1], what the VQ-VAE (and every space) reads."""
    return frames.float() / 255.0


@dataclass(frozen=True)
class VQVAEConfig:
    in_channels: int = positive(default=1)
    hidden: int = positive(default=32)
    res_hidden: int = positive(default=16)
    res_layers: int = positive(default=1)
    num_codes: int = at_least(2, default=64)  # one code cannot encode anything
    code_dim: int = positive(default=16)
    beta: float = positive(default=0.25)
    ema: bool = False  # codebook follows an exponential moving average of its assigned encoder outputs
    decay: float = between(0.0, 1.0, default=0.99)  # EMA decay
    init_from_data: bool = False  # codes start as encoder outputs of the first training batch
    restart_dead_after: int = at_least(0, default=0)  # restart a code unused for this many batches (0: never)
    downsample: int = choice(DOWNSAMPLES, default=4)  # frame side / code-grid side
    quantizer: str = choice(QUANTIZERS, default="vq")  # vq: the paper's; cosine, fsq: `models.quantizers`
    lookup_dim: int = positive(default=8)  # cosine: the dimension codes are compared in (l2-normalised)
    levels: tuple[int, ...] = (8, 8, 8, 6, 5)  # fsq: levels of each scalar; num_codes must be their product

    def __post_init__(self) -> None:
        object.__setattr__(self, "levels", tuple(self.levels))  # YAML gives a list
        if self.quantizer == "fsq":
            if not self.levels or any(not isinstance(n, int) or isinstance(n, bool) or n < 2 for n in self.levels):
                raise ValueError(f"levels must be integers of at least 2, got {list(self.levels)}")
            if self.num_codes != math.prod(self.levels):
                raise ValueError(
                    f"num_codes ({self.num_codes}) must be the product of fsq levels {list(self.levels)}: "
                    f"{math.prod(self.levels)}"
                )

    @property
    def extra_stages(self) -> int:
        """Stride-2 stages beyond the paper's two (0 at 4x, 1 at 8x)."""
        return DOWNSAMPLES.index(self.downsample)


def vqvae_config(model: object, overrides: object, channels: int, dataset: str) -> VQVAEConfig:
    """The VQ-VAE a dataset pretrains: `vqvae.model` with the keys its `data.<dataset>.vqvae` section
    overrides (real footage needs dead-code restarts and a finer grid that MovingMNIST does not), at
    the data's channels. Each section is checked on its own first, so an error names the key as written."""
    sections = {"vqvae.model": model, f"data.{dataset}.vqvae": overrides}
    for key, section in sections.items():
        if isinstance(section, dict) and "in_channels" in section:
            raise UserError(f"params key '{key}.in_channels' must go: the VQ-VAE takes the channels of the data")
        build_config(VQVAEConfig, section, key)
    assert isinstance(model, dict) and isinstance(overrides, dict)  # build_config refused anything else
    return build_config(VQVAEConfig, {**model, **overrides, "in_channels": channels}, "vqvae.model")


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
        down = [(nn.Conv2d(h, h, 4, stride=2, padding=1), nn.ReLU()) for _ in range(cfg.extra_stages)]
        extra = [m for pair in down for m in pair]
        self.net = nn.Sequential(
            nn.Conv2d(cfg.in_channels, h // 2, 4, stride=2, padding=1),
            nn.ReLU(),
            nn.Conv2d(h // 2, h, 4, stride=2, padding=1),
            nn.ReLU(),
            *extra,
            nn.Conv2d(h, h, 3, padding=1),
            nn.ReLU(),
            ResidualStack(h, cfg.res_hidden, cfg.res_layers),
            nn.Conv2d(h, cfg.code_dim, 1),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


class Decoder(nn.Module):
    def __init__(self, cfg: VQVAEConfig) -> None:
        super().__init__()
        h = cfg.hidden
        extra = [
            m for _ in range(cfg.extra_stages) for m in (nn.ConvTranspose2d(h, h, 4, stride=2, padding=1), nn.ReLU())
        ]
        self.net = nn.Sequential(
            nn.Conv2d(cfg.code_dim, h, 3, padding=1),
            ResidualStack(h, cfg.res_hidden, cfg.res_layers),
            *extra,
            nn.ConvTranspose2d(h, h // 2, 4, stride=2, padding=1),
            nn.ReLU(),
            nn.ConvTranspose2d(h // 2, cfg.in_channels, 4, stride=2, padding=1),
        )

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(z)


class Codebook(nn.Module):
    """Nearest-neighbour quantiser with the straight-through estimator and commitment loss.

    Options (all off by default): EMA codebook updates in place of the codebook loss (as in the
    Sonnet example, decay 0.99); initialisation from encoder outputs; restart of dead codes.
    They change buffers, never the parameter count.
    """

    initialized: torch.Tensor  # buffers (typed for the checker)
    idle: torch.Tensor
    cluster_size: torch.Tensor
    embed_sum: torch.Tensor

    def __init__(self, cfg: VQVAEConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.embedding = nn.Embedding(cfg.num_codes, cfg.code_dim)
        nn.init.uniform_(self.embedding.weight, -1.0 / cfg.num_codes, 1.0 / cfg.num_codes)
        self.register_buffer("initialized", torch.tensor(not cfg.init_from_data))
        self.register_buffer("idle", torch.zeros(cfg.num_codes, dtype=torch.long))  # batches since last use
        if cfg.ema:
            self.embedding.weight.requires_grad_(False)
            self.register_buffer("cluster_size", torch.ones(cfg.num_codes))
            self.register_buffer("embed_sum", self.embedding.weight.detach().clone())

    def code_vectors(self, which: torch.Tensor) -> torch.Tensor:
        """Indices (any shape) -> their vectors, (..., D)."""
        return self.embedding.weight[which]

    def snap(self, z: torch.Tensor) -> torch.Tensor:
        """(B, D, h, w) vectors -> their nearest codes' vectors."""
        return self.lookup(self.indices(z))

    def distances(self, vectors: torch.Tensor) -> torch.Tensor:
        """(..., D) vectors -> (..., K) squared distance to every code, |v|^2 - 2 v.e_k + |e_k|^2.

        The one distance of the project: `indices` takes its argmin, the codes loss its logits.
        """
        weight = self.embedding.weight
        return vectors.pow(2).sum(-1, keepdim=True) - 2 * vectors @ weight.t() + weight.pow(2).sum(1)

    def indices(self, z: torch.Tensor) -> torch.Tensor:
        """(B, D, h, w) encoder outputs -> (B, h, w) index of the nearest code (eq. 4-5)."""
        flat = z.permute(0, 2, 3, 1).reshape(-1, z.shape[1])
        return self.distances(flat).argmin(1).view(z.shape[0], z.shape[2], z.shape[3])

    def lookup(self, idx: torch.Tensor) -> torch.Tensor:
        """(..., h, w) code indices -> (..., D, h, w) code vectors."""
        vectors = self.embedding(idx)
        n = vectors.dim()  # dimensions counted from the front: ONNX's Transpose takes no negative ones
        return vectors.permute(*range(n - 3), n - 1, n - 3, n - 2)

    @torch.no_grad()
    def _set_codes(self, which: torch.Tensor, vectors: torch.Tensor) -> None:
        self.embedding.weight[which] = vectors
        if self.cfg.ema:
            self.embed_sum[which] = vectors
            self.cluster_size[which] = 1.0

    @torch.no_grad()
    def _train_updates(self, flat: torch.Tensor, idx: torch.Tensor) -> None:
        k = self.cfg.num_codes
        counts = torch.bincount(idx, minlength=k).to(flat.dtype)
        if self.cfg.ema:
            sums = torch.zeros_like(self.embed_sum).index_add_(0, idx, flat)
            self.cluster_size.mul_(self.cfg.decay).add_(counts, alpha=1 - self.cfg.decay)
            self.embed_sum.mul_(self.cfg.decay).add_(sums, alpha=1 - self.cfg.decay)
            n = self.cluster_size.sum()
            smoothed = (self.cluster_size + 1e-5) / (n + k * 1e-5) * n  # Laplace smoothing
            self.embedding.weight.copy_(self.embed_sum / smoothed[:, None])
        if self.cfg.restart_dead_after:
            self.idle.add_(1).masked_fill_(counts > 0, 0)
            dead = (self.idle >= self.cfg.restart_dead_after).nonzero().flatten()
            if len(dead):
                self._set_codes(dead, flat[torch.randint(len(flat), (len(dead),), device=flat.device)])
                self.idle[dead] = 0

    def forward(self, z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Return (straight-through quantised z, codebook + commitment loss, indices)."""
        flat = z.detach().permute(0, 2, 3, 1).reshape(-1, z.shape[1])
        if self.training and not bool(self.initialized):
            pick = torch.randperm(len(flat), device=flat.device)[: self.cfg.num_codes]
            pick = pick.repeat(-(-self.cfg.num_codes // len(pick)))[: self.cfg.num_codes]
            self._set_codes(torch.arange(self.cfg.num_codes, device=flat.device), flat[pick])
            self.initialized.fill_(True)
        idx = self.indices(z)
        if self.training:
            self._train_updates(flat, idx.flatten())
        zq = self.lookup(idx)
        loss = self.cfg.beta * F.mse_loss(z, zq.detach())
        if not self.cfg.ema:
            loss = loss + F.mse_loss(zq, z.detach())
        return z + (zq - z).detach(), loss, idx


class VQVAE(nn.Module):
    """Frames in [0, 1] -> codes -> frames; trained on single frames, then frozen."""

    def __init__(self, cfg: VQVAEConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.encoder = Encoder(cfg)
        self.codebook = Codebook(cfg) if cfg.quantizer == "vq" else library_codebook(cfg)
        self.decoder = Decoder(cfg)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Return (reconstruction, vq loss, code indices) for frames (B, C, H, W)."""
        zq, vq_loss, idx = self.codebook(self.encoder(x))
        return self.decoder(zq), vq_loss, idx

    @torch.no_grad()
    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """Frames (B, C, H, W) in [0, 1] -> code indices (B, h, w)."""
        return self.codebook.indices(self.encoder(x))

    def quantize(self, z: torch.Tensor) -> torch.Tensor:
        """Snap arbitrary vectors (B, D, h, w) onto their nearest codes."""
        return self.codebook.snap(z)

    @property
    def quantizer_in_words(self) -> str:
        """The quantizer, for the report's setting line."""
        cfg = self.cfg
        if cfg.quantizer == "fsq":
            return f"FSQ levels {list(cfg.levels)}"
        if cfg.quantizer == "cosine":
            return f"{cfg.num_codes} cosine codes of {cfg.lookup_dim} dims"
        return f"{cfg.num_codes} codes of {cfg.code_dim} dims"

    def grid(self, image: int) -> int:
        return image // self.cfg.downsample

    def state(self) -> VqvaeCheckpoint:
        return {"config": asdict(self.cfg), "state_dict": self.state_dict()}

    @classmethod
    def from_state(cls, state: VqvaeCheckpoint) -> VQVAE:
        model = cls(VQVAEConfig(**state["config"]))
        model.load_state_dict(state["state_dict"])
        return model


def load_frozen_vqvae(path: Path, device: torch.device) -> tuple[VQVAE, str]:
    """The VQ-VAE checkpoint and its SHA-256 (which the latent shards must carry)."""
    state = load_vqvae_checkpoint(path)
    return VQVAE.from_state(state).to(device).eval().requires_grad_(False), sha256_file(path)


def frozen_vqvae_quality(path: Path) -> VqvaeQuality | None:
    """The quality `pretrain_vqvae` measured and saved in the checkpoint (vqvae.json's values); None
    in a checkpoint from before it did."""
    quality = load_vqvae_checkpoint(path).get("quality")
    return VqvaeQuality.from_dict(quality) if quality is not None else None


def check_downsample(cfg: VQVAEConfig, height: int, width: int) -> None:
    """The VQ-VAE's one rule on frame size: its downsampling must divide it (one code per cell)."""
    if height % cfg.downsample or width % cfg.downsample:
        raise UserError(
            f"params key 'vqvae.model.downsample' ({cfg.downsample}) must divide the frame size {height}x{width}"
        )
