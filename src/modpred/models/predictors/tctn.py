"""TCTN (Yang et al., arXiv 2112.01085): a transformer decoder whose linear maps are 3D convolutions.

Two variants of one architecture (`variant`):

- `official` computes the function of the official code (yangziao56/TCTN-pytorch, `models/TCTN.py`,
  `TCTN_modules/`): the embedding is the sum of its two convolution branches (f0 + f1); the
  sinusoidal position 0.5 * [sin | cos] (two halves, not interleaved) is added to Q and K in every
  layer; each layer is GroupNorm(1, C) -> causal 3x3x3 QKV conv -> attention along time, masked
  to the past -> causal output conv -> residual, then GroupNorm -> causal 3x3x3 conv, leaky ReLU,
  causal 3x3x3 conv -> residual; a final GroupNorm and a bias-free 1x1x1 conv. Dropout3d in the
  five official places when training. Its GroupNorms run on (B, C, T, H, W), so their statistics
  span the whole sequence: an output at time t depends on later frames. It is **not causal**.
  Inference is the official procedure: feed each prediction back, re-embedding the whole sequence
  each step, and return the outputs of a final pass over input + predicted frames.
- `causal` keeps every step causal, so teacher-forced training matches autoregressive use: the
  same embedding (with its residual) and output convolution, but GroupNorm per frame, the
  position interleaved and added to the input once (paper eq. 8), and inference that appends one
  predicted frame at a time.

Two details where the official code is ambiguous or we could not see it: the output convolution
is a causal 3x3x3 (`out_kernel: 3`, which gives the official 6.95M parameters at 6 layers x 64 on
64 channels, near the paper's 7.00M; a stored snapshot of the official `out` module has a 1x1x1,
`out_kernel: 1`), and the official mask multiplies scores by 0/1 and then fills every score equal
to 0 with -1e9; we fill only the masked ones (the same except for a score exactly 0.0).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import cast

import torch
import torch.nn.functional as F
from torch import nn

from modpred.models.contract import ModelShape, PredictorSpec, TrainOutput, add_change, starts_at_zero
from modpred.params import at_least, choice, positive

VARIANTS = ("causal", "official")


@dataclass(frozen=True)
class TCTNConfig:
    layers: int = positive(default=2)
    hidden: int = positive(default=32)
    heads: int = positive(default=4)
    ffn_mult: int = positive(default=3)
    variant: str = choice(VARIANTS, default="causal")
    out_kernel: int = positive(default=3)  # the attention output convolution: 3 (causal 3x3x3) or 1
    dropout: float = at_least(0.0, default=0.0)  # Dropout3d rate in the five official places (official: 0.1)

    def __post_init__(self) -> None:
        if self.hidden % self.heads or self.hidden % 2:
            raise ValueError(f"hidden ({self.hidden}) must be even and divisible by heads ({self.heads})")
        if self.out_kernel not in (1, 3):
            raise ValueError(f"out_kernel must be 1 or 3, got {self.out_kernel}")
        if self.dropout >= 1:
            raise ValueError(f"dropout must be below 1, got {self.dropout}")


class CausalConv3d(nn.Module):
    """k x k x k convolution over (T, H, W) that pads k-1 past frames and no future ones."""

    def __init__(self, cin: int, cout: int, k: int = 3) -> None:
        super().__init__()
        self.k = k
        self.conv = nn.Conv3d(cin, cout, k, padding=(0, k // 2, k // 2))

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # x: (B, C, T, H, W)
        return self.conv(F.pad(x, (0, 0, 0, 0, self.k - 1, 0)))

    def last(self, history: list[torch.Tensor]) -> torch.Tensor:
        """The output at the newest frame only, from the input frames so far ((B, C, 1, H, W) each).

        The same zero padding before the first frame as `forward`, so the result is `forward`'s last frame.
        """
        window = history[-self.k :]
        x = torch.cat(window, dim=2)
        return self.conv(F.pad(x, (0, 0, 0, 0, self.k - len(window), 0)))


def interleaved_position(length: int, dim: int) -> torch.Tensor:
    """Paper eq. 8: P[j, 2d] = sin(j / 10000^(2d/D)), P[j, 2d+1] = cos(...); shape (T, D)."""
    pos = torch.arange(length, dtype=torch.float32)[:, None]
    freq = torch.exp(-math.log(10000.0) * torch.arange(0, dim, 2, dtype=torch.float32) / dim)
    table = torch.zeros(length, dim)
    table[:, 0::2] = torch.sin(pos * freq)
    table[:, 1::2] = torch.cos(pos * freq[: dim // 2])
    return table


def official_position(length: int, dim: int) -> torch.Tensor:
    """The official code's table: 0.5 * [sin(j w_0), ..., sin(j w_{D/2-1}) | cos(j w_0), ...], (T, D)."""
    pos = torch.arange(length, dtype=torch.float64)[:, None]
    freq = 1.0 / torch.pow(10000.0, torch.arange(0, dim, 2, dtype=torch.float64) / dim)
    return (0.5 * torch.cat([torch.sin(pos * freq), torch.cos(pos * freq)], dim=1)).float()


def _per_frame(norm: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """Apply a (C, H, W) norm to each frame of (B, C, T, H, W): causal."""
    b, c, t, h, w = x.shape
    y = norm(x.transpose(1, 2).reshape(b * t, c, h, w))
    return y.view(b, t, c, h, w).transpose(1, 2)


@dataclass
class LayerCache:
    """What one causal layer keeps of the frames it has seen: the inputs of its causal
    convolutions (only the last k-1 are read) and its attention keys and values (all are read)."""

    norm_in: list[torch.Tensor] = field(default_factory=list)
    keys: list[torch.Tensor] = field(default_factory=list)
    values: list[torch.Tensor] = field(default_factory=list)
    attended: list[torch.Tensor] = field(default_factory=list)
    norm_ffn: list[torch.Tensor] = field(default_factory=list)
    hidden: list[torch.Tensor] = field(default_factory=list)


class DecoderLayer(nn.Module):
    def __init__(self, cfg: TCTNConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.norm_in = nn.GroupNorm(1, cfg.hidden)
        self.qkv = CausalConv3d(cfg.hidden, 3 * cfg.hidden)
        self.out = CausalConv3d(cfg.hidden, cfg.hidden, cfg.out_kernel)
        self.norm_ffn = nn.GroupNorm(1, cfg.hidden)
        self.ffn_in = CausalConv3d(cfg.hidden, cfg.ffn_mult * cfg.hidden)
        self.ffn_out = CausalConv3d(cfg.ffn_mult * cfg.hidden, cfg.hidden)

    def norm(self, norm: nn.GroupNorm, x: torch.Tensor) -> torch.Tensor:
        """Official: over the whole (C, T, H, W) sequence; causal: per frame."""
        return norm(x) if self.cfg.variant == "official" else _per_frame(norm, x)

    def dropout(self, x: torch.Tensor) -> torch.Tensor:
        return F.dropout3d(x, self.cfg.dropout, self.training) if self.cfg.dropout else x

    def attention(self, e: torch.Tensor, pos: torch.Tensor | None) -> torch.Tensor:
        """Eq. 9: scaled dot-product attention along time at every pixel and head, masked to the past."""
        b, c, t, h, w = e.shape
        heads, dh = self.cfg.heads, c // self.cfg.heads
        q, k, v = self.qkv(e).chunk(3, dim=1)
        if pos is not None:  # official: the position enters Q and K of every layer
            q, k = q + pos, k + pos

        def split(z: torch.Tensor) -> torch.Tensor:  # (B, C, T, H, W) -> (B, H, W, heads, T, dh)
            return z.view(b, heads, dh, t, h, w).permute(0, 4, 5, 1, 3, 2)

        scores = split(q) @ split(k).transpose(-1, -2) / math.sqrt(dh)  # (B, H, W, heads, T_q, T_k)
        future = torch.triu(torch.ones(t, t, dtype=torch.bool, device=e.device), diagonal=1)
        weights = torch.softmax(scores.masked_fill(future, -1e9), dim=-1)
        if self.cfg.dropout and self.training:  # official: Dropout3d over (heads x T_k) channels
            drop = weights.permute(0, 3, 5, 4, 1, 2).reshape(b, heads * t, t, h, w)
            drop = F.dropout3d(drop, self.cfg.dropout, True)
            weights = drop.view(b, heads, t, t, h, w).permute(0, 4, 5, 1, 3, 2)
        out = weights @ split(v)  # (B, H, W, heads, T, dh)
        return out.permute(0, 3, 5, 4, 1, 2).reshape(b, c, t, h, w)

    def forward_last(self, e: torch.Tensor, cache: LayerCache) -> torch.Tensor:
        """`forward` (causal variant, eval) at one new frame e (B, C, 1, H, W), given what earlier frames left.

        Every operation is causal, so the new frame's output needs only the cached inputs of the
        causal convolutions (their last k-1 frames) and the keys and values of the past frames.
        """
        b, c, _, h, w = e.shape
        heads, dh = self.cfg.heads, c // self.cfg.heads
        cache.norm_in.append(_per_frame(self.norm_in, e))
        q, k, v = self.qkv.last(cache.norm_in).chunk(3, dim=1)
        cache.keys.append(k)
        cache.values.append(v)

        def split(z: torch.Tensor) -> torch.Tensor:  # (B, C, T, H, W) -> (B, H, W, heads, T, dh)
            return z.reshape(b, heads, dh, z.shape[2], h, w).permute(0, 4, 5, 1, 3, 2)

        keys, values = torch.cat(cache.keys, dim=2), torch.cat(cache.values, dim=2)
        weights = torch.softmax(split(q) @ split(keys).transpose(-1, -2) / math.sqrt(dh), dim=-1)
        cache.attended.append((weights @ split(values)).permute(0, 3, 5, 4, 1, 2).reshape(b, c, 1, h, w))
        s = e + self.out.last(cache.attended)
        cache.norm_ffn.append(_per_frame(self.norm_ffn, s))
        cache.hidden.append(F.leaky_relu(self.ffn_in.last(cache.norm_ffn), 0.2))
        return s + self.ffn_out.last(cache.hidden)

    def forward(self, e: torch.Tensor, pos: torch.Tensor | None) -> torch.Tensor:
        # 1. attention on the normalised input, through the output convolution, added back
        s = e + self.dropout(self.out(self.attention(self.norm(self.norm_in, e), pos)))
        # 2. feed-forward: causal 3x3x3, leaky ReLU, causal 3x3x3 (eq. 10), added back
        hidden = self.dropout(F.leaky_relu(self.ffn_in(self.norm(self.norm_ffn, s)), 0.2))
        return s + self.dropout(self.ffn_out(hidden))


class TCTN(nn.Module):
    """Decoder over a (C, grid, grid) sequence; predicts frame t+1 at position t."""

    def __init__(self, channels: int, grid: int, cfg: TCTNConfig, start: str = "scratch") -> None:
        super().__init__()
        self.cfg, self.start = cfg, start
        self.embed0 = nn.Conv3d(channels, cfg.hidden, (1, 7, 7), padding=(0, 3, 3))
        self.embed1 = nn.Conv3d(cfg.hidden, cfg.hidden, (1, 5, 5), padding=(0, 2, 2))
        self.layers = nn.ModuleList(DecoderLayer(cfg) for _ in range(cfg.layers))
        self.norm_out = nn.GroupNorm(1, cfg.hidden)
        self.conv_last = starts_at_zero(
            nn.Conv3d(cfg.hidden, channels, 1, bias=False), ModelShape(channels, grid, 1, "base", start)
        )

    @property
    def official(self) -> bool:
        return self.cfg.variant == "official"

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        """(B, C, T, H, W) -> (B, D, T, H, W): two per-frame convolutions, summed (a residual)."""
        f0 = F.leaky_relu(self.embed0(x), 0.2)
        e = f0 + F.leaky_relu(self.embed1(f0), 0.2)
        return F.dropout3d(e, self.cfg.dropout, self.training) if self.cfg.dropout else e

    def step(self, frames: torch.Tensor) -> torch.Tensor:
        """frames (B, T, C, H, W) -> the prediction of each next frame, (B, T, C, H, W)."""
        e = self.embed(frames.transpose(1, 2))
        t, d = e.shape[2], e.shape[1]
        if self.official:
            pos = official_position(t, d).to(e).t()[None, :, :, None, None]
        else:
            e, pos = e + interleaved_position(t, d).to(e).t()[None, :, :, None, None], None
        for layer in self.layers:
            e = layer(e, pos)
        e = self.norm_out(e) if self.official else _per_frame(self.norm_out, e)
        return add_change(frames, self.conv_last(e).transpose(1, 2), self.start)

    def forward(self, frames: torch.Tensor, input_len: int, teacher: torch.Tensor | None = None) -> TrainOutput:
        """Teacher-forced training (both variants, as the official trainer): predictions of frames 1..T-1."""
        return TrainOutput(self.step(frames[:, :-1]), 1)

    def step_last(self, frame: torch.Tensor, index: int, caches: list[LayerCache]) -> torch.Tensor:
        """Causal variant: `step`'s output at one new frame (B, C, H, W) at position `index`, from the caches."""
        e = self.embed(frame[:, :, None])
        d = e.shape[1]
        e = e + interleaved_position(index + 1, d)[index].to(e)[None, :, None, None, None]
        for layer, cache in zip(self.layers, caches, strict=True):
            e = cast(DecoderLayer, layer).forward_last(e, cache)
        return add_change(frame, self.conv_last(_per_frame(self.norm_out, e))[:, :, 0], self.start)

    def predict_cached(self, inputs: torch.Tensor, future: int) -> torch.Tensor:
        """Causal variant: each frame, given or predicted, costs one single-frame step of every layer."""
        caches = [LayerCache() for _ in self.layers]
        for t in range(inputs.shape[1] - 1):
            self.step_last(inputs[:, t], t, caches)
        frame, out = inputs[:, -1], []
        for t in range(inputs.shape[1] - 1, inputs.shape[1] - 1 + future):
            frame = self.step_last(frame, t, caches)
            out.append(frame)
        return torch.stack(out, dim=1)

    def predict(self, inputs: torch.Tensor, future: int) -> torch.Tensor:
        """Autoregressive, one predicted frame at a time.

        Causal: `predict_cached`, which does not recompute the past (with dropout active in
        training mode, `predict_recompute`: dropout masks are drawn over the whole sequence).
        Official: `predict_recompute`; its sequence-wide GroupNorm changes every past output at
        each step, so nothing can be cached.
        """
        if not self.official and not (self.training and self.cfg.dropout):
            return self.predict_cached(inputs, future)
        return self.predict_recompute(inputs, future)

    def predict_recompute(self, inputs: torch.Tensor, future: int) -> torch.Tensor:
        """Append each predicted frame and run the decoder over the whole sequence again.

        Causal: the appended frames are the predictions. Official: the outputs of a final pass
        over inputs + the first future-1 predictions, as the official test procedure returns.
        """
        seq = inputs
        for _ in range(future - 1 if self.official else future):
            seq = torch.cat([seq, self.step(seq)[:, -1:]], dim=1)
        if self.official:
            return self.step(seq)[:, inputs.shape[1] - 1 :]
        return seq[:, inputs.shape[1] :]


def build_tctn(shape: ModelShape, cfg: TCTNConfig) -> TCTN:
    """TCTN for a space of `shape`: a transformer decoder of causal 3D convolutions (Yang et al., 2112.01085)."""
    return TCTN(shape.channels, shape.grid, cfg, shape.start)


PREDICTOR = PredictorSpec(TCTNConfig, build_tctn)
