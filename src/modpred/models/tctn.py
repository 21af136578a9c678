"""TCTN (Yang et al., arXiv 2112.01085): a transformer decoder whose linear maps are 3D convolutions.

Paper eqs. 8-10: sinusoidal temporal position added to the embedded input (E = Z + P); masked
multi-head attention along time at every spatial position, with Q, K, V from a causal 3D
convolution; a feed-forward of two causal 3D convolutions with a leaky ReLU between. Layer norm
is GroupNorm(1, C) over (C, H, W), as in the official code; residual connections around attention
and feed-forward as in the official code. Causal convolutions pad the past only, so frame t never
sees frames > t.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from modpred.params import positive


@dataclass(frozen=True)
class TCTNConfig:
    layers: int = positive(default=2)
    hidden: int = positive(default=32)
    heads: int = positive(default=4)
    ffn_mult: int = positive(default=3)


class CausalConv3d(nn.Module):
    """3x3x3 convolution over (T, H, W) that pads two past frames and no future ones."""

    def __init__(self, cin: int, cout: int, k: int = 3) -> None:
        super().__init__()
        self.k = k
        self.conv = nn.Conv3d(cin, cout, k, padding=(0, k // 2, k // 2))

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # x: (B, C, T, H, W)
        return self.conv(F.pad(x, (0, 0, 0, 0, self.k - 1, 0)))


def temporal_position(length: int, dim: int) -> torch.Tensor:
    """Eq. 8: P[j, 2d] = sin(j / 10000^(2d/D)), P[j, 2d+1] = cos(...); shape (T, D)."""
    pos = torch.arange(length, dtype=torch.float32)[:, None]
    freq = torch.exp(-math.log(10000.0) * torch.arange(0, dim, 2, dtype=torch.float32) / dim)
    table = torch.zeros(length, dim)
    table[:, 0::2] = torch.sin(pos * freq)
    table[:, 1::2] = torch.cos(pos * freq[: dim // 2])
    return table


def _norm(channels: int) -> nn.GroupNorm:
    return nn.GroupNorm(1, channels)


def _per_frame(norm: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """Apply a (C, H, W) norm to each frame of (B, C, T, H, W)."""
    b, c, t, h, w = x.shape
    y = norm(x.transpose(1, 2).reshape(b * t, c, h, w))
    return y.view(b, t, c, h, w).transpose(1, 2)


class DecoderLayer(nn.Module):
    def __init__(self, cfg: TCTNConfig) -> None:
        super().__init__()
        self.heads = cfg.heads
        self.norm_in = _norm(cfg.hidden)
        self.qkv = CausalConv3d(cfg.hidden, 3 * cfg.hidden)
        self.norm_att = _norm(cfg.hidden)
        self.norm_ffn = _norm(cfg.hidden)
        self.ffn_in = CausalConv3d(cfg.hidden, cfg.ffn_mult * cfg.hidden)
        self.ffn_out = CausalConv3d(cfg.ffn_mult * cfg.hidden, cfg.hidden)

    def attention(self, e: torch.Tensor) -> torch.Tensor:
        """Eq. 9: masked scaled dot-product attention along time, per pixel and head."""
        b, c, t, h, w = e.shape
        q, k, v = self.qkv(e).chunk(3, dim=1)

        def heads(z: torch.Tensor) -> torch.Tensor:  # (B, C, T, H, W) -> (B*H*W, heads, T, C/heads)
            return (
                z.view(b, self.heads, c // self.heads, t, h, w)
                .permute(0, 4, 5, 1, 3, 2)
                .reshape(b * h * w, self.heads, t, c // self.heads)
            )

        a = F.scaled_dot_product_attention(heads(q), heads(k), heads(v), is_causal=True)
        return a.view(b, h, w, self.heads, t, c // self.heads).permute(0, 3, 5, 4, 1, 2).reshape(b, c, t, h, w)

    def forward(self, e: torch.Tensor) -> torch.Tensor:
        # 1. attention on the normalised input, normalised, added back (eq. 9-10: S = E + LN(A))
        s = e + _per_frame(self.norm_att, self.attention(_per_frame(self.norm_in, e)))
        # 2. feed-forward of two causal 3D convolutions with a leaky ReLU (eq. 10), added back
        return s + self.ffn_out(F.leaky_relu(self.ffn_in(_per_frame(self.norm_ffn, s)), 0.2))


class TCTN(nn.Module):
    """Causal decoder over a (C, grid, grid) sequence; predicts frame t+1 from frames <= t."""

    def __init__(self, channels: int, grid: int, cfg: TCTNConfig) -> None:
        super().__init__()
        if cfg.hidden % cfg.heads or cfg.hidden % 2:
            raise ValueError(f"tctn hidden ({cfg.hidden}) must be even and divisible by heads ({cfg.heads})")
        self.cfg = cfg
        self.embed = nn.Sequential(
            nn.Conv3d(channels, cfg.hidden, (1, 7, 7), padding=(0, 3, 3)),
            nn.LeakyReLU(0.2),
            nn.Conv3d(cfg.hidden, cfg.hidden, (1, 5, 5), padding=(0, 2, 2)),
            nn.LeakyReLU(0.2),
        )
        self.layers = nn.ModuleList(DecoderLayer(cfg) for _ in range(cfg.layers))
        self.norm_out = _norm(cfg.hidden)
        self.conv_last = nn.Conv3d(cfg.hidden, channels, 1, bias=False)

    def step(self, frames: torch.Tensor) -> torch.Tensor:
        """frames (B, T, C, H, W) -> prediction of each next frame (B, T, C, H, W), causally."""
        x = frames.transpose(1, 2)  # (B, C, T, H, W)
        e = self.embed(x)
        pos = temporal_position(e.shape[2], e.shape[1]).to(e)  # eq. 8: E = Z + P
        e = e + pos.t()[None, :, :, None, None]
        for layer in self.layers:
            e = layer(e)
        return self.conv_last(_per_frame(self.norm_out, e)).transpose(1, 2)

    def forward(self, frames: torch.Tensor, input_len: int, teacher: torch.Tensor | None = None) -> torch.Tensor:
        """Teacher-forced training: frames (B, T, ...) -> predictions of frames 1..T-1."""
        return self.step(frames[:, :-1])

    def predict(self, inputs: torch.Tensor, future: int) -> torch.Tensor:
        """Autoregressive: append each predicted frame and run the decoder again."""
        seq = inputs
        for _ in range(future):
            seq = torch.cat([seq, self.step(seq)[:, -1:]], dim=1)
        return seq[:, inputs.shape[1] :]
