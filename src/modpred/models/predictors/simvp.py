"""SimVP (Gao et al., CVPR 2022) with the gSTA translator of SimVP v2 (Tan et al., 2022): non-recurrent.

All input frames go in and as many future frames come out in one pass: a strided-convolution
encoder maps each frame to a smaller grid, the translator mixes the T_in frames stacked as
channels (B, T_in*C, h, w), and a decoder with a skip from the first encoder layer maps back.
In modular mode the frozen VQ-VAE is the encoder and decoder, so only the translator is built and
trained: the paper's idea applied to a model it did not try.

Translator: gSTA (gated spatiotemporal attention), chosen over the original Inception-UNet because
it is OpenSTL's default SimVP and its stronger one on MovingMNIST, and it is a plain stack of one
block type (cheaper to read and to run on a CPU). Layers follow OpenSTL (chengtan9907/OpenSTL,
`simvp_model.py`, `simvp_modules.py`):

- encoder: `spatial_layers` (N_S) blocks of 3x3 conv -> GroupNorm(2) -> SiLU, every second one with
  stride 2 (N_S = 4: the grid shrinks 4x); decoder: the mirror, upsampling by conv to 4C and
  PixelShuffle(2), the first encoder block's output added before the last block, then a 1x1 readout;
- translator: `temporal_layers` (N_T) gSTA blocks; the first maps T_in*C -> `temporal_hidden`
  (hid_T), the last maps back, each through a 1x1 conv after the block; a gSTA block is
  x + s1 * SpatialAttention(BN(x)) and x + s2 * MixMlp(BN(x)), with layer scales s initialised to
  0.01; SpatialAttention is 1x1 conv, GELU, a large-kernel gate (5x5 depthwise, 7x7 depthwise with
  dilation 3, 1x1 conv to 2C, sigmoid(g) * f), 1x1 conv, plus a shortcut; MixMlp is 1x1 conv to
  `mlp_ratio` x C, 3x3 depthwise conv, GELU, 1x1 conv back;
- stochastic depth rates run linearly from 0.01 to `drop_path` over the blocks, the last block at
  `drop_path` (so even `drop_path: 0` drops the first blocks' paths with probability <= 0.01, as
  OpenSTL does); initialisation as OpenSTL (truncated normal 0.02 in the encoder and decoder;
  normal with std sqrt(2 / fan_out) in gSTA blocks).

When more future frames are asked for than there are inputs, the last T_in frames (predictions
included) go through again, as OpenSTL's SimVP method does. Training loss: MSE on the predicted
future frames only (`first = input_len`), as OpenSTL trains SimVP.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import cast

import torch
import torch.nn.functional as F
from torch import nn

from modpred.models.contract import ModelShape, PredictorSpec, TrainOutput, add_change, starts_at_zero
from modpred.params import at_least, positive

GSTA_KERNEL = 21  # the large-kernel attention's receptive field (OpenSTL: kernel_size=21, dilation 3)


@dataclass(frozen=True)
class SimVPConfig:
    spatial_hidden: int = positive(default=16)  # hid_S: encoder and decoder width (pixels only)
    spatial_layers: int = positive(default=4)  # N_S: encoder blocks, every second one halves the grid
    temporal_hidden: int = positive(default=64)  # hid_T: translator width
    temporal_layers: int = at_least(2, default=4)  # N_T: gSTA blocks
    mlp_ratio: float = positive(default=4.0)  # MixMlp expansion
    drop: float = at_least(0.0, default=0.0)  # dropout in MixMlp
    drop_path: float = at_least(0.0, default=0.0)  # stochastic depth of the last block

    def __post_init__(self) -> None:
        if self.spatial_layers % 2:
            raise ValueError(
                f"spatial_layers must be even (pairs of stride-1 and stride-2 blocks), got {self.spatial_layers}"
            )
        if self.drop >= 1 or self.drop_path >= 1:
            raise ValueError("drop and drop_path must be below 1")


class ConvBlock(nn.Module):
    """3x3 conv (stride 2 down, or to 4C and PixelShuffle up) -> GroupNorm(2) -> SiLU (OpenSTL ConvSC)."""

    def __init__(self, cin: int, cout: int, down: bool = False, up: bool = False) -> None:
        super().__init__()
        self.conv: nn.Module
        if up:
            self.conv = nn.Sequential(nn.Conv2d(cin, 4 * cout, 3, padding=1), nn.PixelShuffle(2))
        else:
            self.conv = nn.Conv2d(cin, cout, 3, stride=2 if down else 1, padding=1)
        self.norm = nn.GroupNorm(2, cout)
        for module in self.modules():
            if isinstance(module, nn.Conv2d):
                nn.init.trunc_normal_(module.weight, std=0.02)
                if module.bias is not None:
                    nn.init.zeros_(module.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.silu(self.norm(self.conv(x)))


class Encoder(nn.Module):
    def __init__(self, cin: int, hidden: int, layers: int) -> None:
        super().__init__()
        self.blocks = nn.ModuleList(
            ConvBlock(cin if i == 0 else hidden, hidden, down=i % 2 == 1) for i in range(layers)
        )

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(N, C, H, W) -> (the latent, the first block's output for the decoder's skip)."""
        skip = z = self.blocks[0](x)
        for block in self.blocks[1:]:
            z = block(z)
        return z, skip


class Decoder(nn.Module):
    def __init__(self, hidden: int, cout: int, layers: int) -> None:
        super().__init__()
        self.blocks = nn.ModuleList(ConvBlock(hidden, hidden, up=i % 2 == 0) for i in range(layers))
        self.readout = nn.Conv2d(hidden, cout, 1)

    def forward(self, z: torch.Tensor, skip: torch.Tensor) -> torch.Tensor:
        for block in self.blocks[:-1]:
            z = block(z)
        return self.readout(self.blocks[-1](z + skip))


def drop_path(x: torch.Tensor, rate: float, training: bool) -> torch.Tensor:
    """Stochastic depth: zero a whole sample's branch with probability `rate`, rescale the rest."""
    if rate == 0.0 or not training:
        return x
    keep = x.new_empty(x.shape[0], *([1] * (x.dim() - 1))).bernoulli_(1 - rate)
    return x * keep / (1 - rate)


class SpatialAttention(nn.Module):
    """1x1 conv, GELU, large-kernel gate, 1x1 conv, plus the input (the gSTA attention branch)."""

    def __init__(self, dim: int, kernel: int = GSTA_KERNEL, dilation: int = 3) -> None:
        super().__init__()
        local = 2 * dilation - 1  # 5
        wide = kernel // dilation + ((kernel // dilation) % 2 - 1)  # 7, dilated by 3
        self.proj_in = nn.Conv2d(dim, dim, 1)
        self.local = nn.Conv2d(dim, dim, local, padding=local // 2, groups=dim)
        self.wide = nn.Conv2d(dim, dim, wide, padding=dilation * (wide - 1) // 2, groups=dim, dilation=dilation)
        self.gate = nn.Conv2d(dim, 2 * dim, 1)
        self.proj_out = nn.Conv2d(dim, dim, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        f, g = self.gate(self.wide(self.local(F.gelu(self.proj_in(x))))).chunk(2, dim=1)
        return self.proj_out(torch.sigmoid(g) * f) + x


class MixMlp(nn.Module):
    """1x1 conv up, 3x3 depthwise conv, GELU, 1x1 conv down."""

    def __init__(self, dim: int, hidden: int, drop: float) -> None:
        super().__init__()
        self.fc_in = nn.Conv2d(dim, hidden, 1)
        self.depthwise = nn.Conv2d(hidden, hidden, 3, padding=1, groups=hidden)
        self.fc_out = nn.Conv2d(hidden, dim, 1)
        self.drop = drop

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.dropout(F.gelu(self.depthwise(self.fc_in(x))), self.drop, self.training)
        return F.dropout(self.fc_out(x), self.drop, self.training)


class GSTABlock(nn.Module):
    """One gSTA block on `dim` channels, then a 1x1 conv to `out` channels when they differ."""

    def __init__(self, dim: int, out: int, mlp_ratio: float, drop: float, path_rate: float) -> None:
        super().__init__()
        self.norm_attn = nn.BatchNorm2d(dim)
        self.attn = SpatialAttention(dim)
        self.norm_mlp = nn.BatchNorm2d(dim)
        self.mlp = MixMlp(dim, int(dim * mlp_ratio), drop)
        self.scale_attn = nn.Parameter(torch.full((dim,), 1e-2))
        self.scale_mlp = nn.Parameter(torch.full((dim,), 1e-2))
        self.path_rate = path_rate
        for module in self.modules():
            if isinstance(module, nn.Conv2d):
                fan_out = module.kernel_size[0] * module.kernel_size[1] * module.out_channels // module.groups
                nn.init.normal_(module.weight, 0.0, math.sqrt(2.0 / fan_out))
                if module.bias is not None:
                    nn.init.zeros_(module.bias)
        self.reduction = nn.Conv2d(dim, out, 1) if dim != out else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + drop_path(self.scale_attn[:, None, None] * self.attn(self.norm_attn(x)), self.path_rate, self.training)
        x = x + drop_path(self.scale_mlp[:, None, None] * self.mlp(self.norm_mlp(x)), self.path_rate, self.training)
        return x if self.reduction is None else self.reduction(x)


class Translator(nn.Module):
    """N_T gSTA blocks over the frames stacked as channels: T*C -> hid_T -> ... -> T*C."""

    def __init__(self, channels: int, cfg: SimVPConfig) -> None:
        super().__init__()
        n = cfg.temporal_layers
        rates = [*torch.linspace(0.01, cfg.drop_path, n).tolist()[:-1], cfg.drop_path]
        widths = [channels, *[cfg.temporal_hidden] * (n - 1), channels]
        self.blocks = nn.Sequential(
            *(GSTABlock(widths[i], widths[i + 1], cfg.mlp_ratio, cfg.drop, rates[i]) for i in range(n))
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.blocks(x)


class SimVP(nn.Module):
    """Predicts T_in future frames from T_in input frames in one pass."""

    def __init__(self, shape: ModelShape, cfg: SimVPConfig) -> None:
        super().__init__()
        self.cfg, self.input_len = cfg, shape.input_len
        if shape.pixels:  # its own encoder and decoder; on latents the frozen VQ-VAE is both
            if shape.grid % 2 ** (cfg.spatial_layers // 2):
                raise ValueError(f"spatial_layers {cfg.spatial_layers} halve the grid {shape.grid} to a fraction")
            self.encoder: Encoder | None = Encoder(shape.channels, cfg.spatial_hidden, cfg.spatial_layers)
            self.decoder: Decoder | None = Decoder(cfg.spatial_hidden, shape.channels, cfg.spatial_layers)
            inner = cfg.spatial_hidden
        else:
            self.encoder = self.decoder = None
            inner = shape.channels
        self.translator = Translator(shape.input_len * inner, cfg)
        self.start = shape.start
        if shape.copies:  # the change's last layer: the pixel decoder's readout, or the translator's last 1x1
            final = cast(GSTABlock, self.translator.blocks[-1])
            last = self.decoder.readout if self.decoder is not None else final.reduction
            if last is None:
                raise ValueError(
                    f"start copy needs a last layer to zero: temporal_hidden ({cfg.temporal_hidden}) must differ "
                    f"from input_len x channels ({shape.input_len * inner})"
                )
            starts_at_zero(last, shape)

    def translate(self, x: torch.Tensor) -> torch.Tensor:
        """(B, T_in, C, H, W) -> the next T_in frames, same shape (start copy: the last input frame
        plus each frame's change)."""
        b, t, c, h, w = x.shape
        if self.encoder is None or self.decoder is None:
            change = self.translator(x.reshape(b, t * c, h, w)).view(b, t, c, h, w)
        else:
            z, skip = self.encoder(x.reshape(b * t, c, h, w))
            _, cz, hz, wz = z.shape
            z = self.translator(z.reshape(b, t * cz, hz, wz)).reshape(b * t, cz, hz, wz)
            change = self.decoder(z, skip).view(b, t, c, h, w)
        return add_change(x[:, -1:], change, self.start)

    def forward(self, frames: torch.Tensor, input_len: int, teacher: torch.Tensor | None = None) -> TrainOutput:
        """Predictions of frames input_len..T-1 from the inputs alone; `teacher` is not used."""
        return TrainOutput(self.predict(frames[:, :input_len], frames.shape[1] - input_len), input_len)

    def predict(self, inputs: torch.Tensor, future: int) -> torch.Tensor:
        if inputs.shape[1] != self.input_len:
            raise ValueError(f"SimVP was built for {self.input_len} input frames, got {inputs.shape[1]}")
        outputs: list[torch.Tensor] = []
        window = inputs
        while sum(o.shape[1] for o in outputs) < future:
            window = self.translate(window)
            outputs.append(window)
        return torch.cat(outputs, dim=1)[:, :future]


PREDICTOR = PredictorSpec(SimVPConfig, SimVP, width="temporal_hidden")  # SimVP(shape, cfg) builds itself
