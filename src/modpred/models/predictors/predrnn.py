"""PredRNN (Wang et al., TPAMI 2022): stacked spatiotemporal LSTM cells (paper eq. 7).

Follows the official implementation (thuml/predrnn-pytorch, `SpatioTemporalLSTMCell` and
`predrnn.RNN`): one convolution per input (x, h, m) producing all gates, forget-gate bias 1.0
added in the gate sums, a 1x1 convolution fusing C and M into H, the spatiotemporal memory M
flowing up the layers and zigzagging from the top layer at t-1 to the bottom layer at t, and a
1x1 convolution producing the next frame. Every convolution is bias-free, as in the official cell
(`bias=False` throughout); `bias: true` adds biases to the cell's convolutions (16 x hidden more
parameters a layer), a different function class kept only as an option.
The predictor works on any (C, H, W) grid: patch-reshaped pixels (base) or VQ-VAE embeddings
(modular).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from modpred.models.contract import (
    ModelShape,
    PredictorSpec,
    TrainOutput,
    add_change,
    feedback_predict,
    starts_at_zero,
    step_input,
)
from modpred.params import positive


@dataclass(frozen=True)
class PredRNNConfig:
    layers: int = positive(default=2)
    hidden: int = positive(default=16)
    filter: int = positive(default=3)
    layer_norm: bool = False
    bias: bool = False  # biases in the cell's convolutions; the official cell has none
    decouple_beta: float = 0.0  # PredRNN-V2 memory decoupling loss weight (0: off; the V2 scripts use 0.1)


def _conv(cin: int, cout: int, k: int, grid: int, norm: bool, bias: bool) -> nn.Module:
    conv = nn.Conv2d(cin, cout, k, padding=k // 2, bias=bias)
    return nn.Sequential(conv, nn.LayerNorm([cout, grid, grid])) if norm else conv


class SpatioTemporalLSTMCell(nn.Module):
    """One ST-LSTM cell: temporal memory C (horizontal) and spatiotemporal memory M (zigzag)."""

    forget_bias = 1.0

    def __init__(self, cin: int, hidden: int, grid: int, k: int, layer_norm: bool, bias: bool = False) -> None:
        super().__init__()
        self.hidden = hidden
        self.conv_x = _conv(cin, 7 * hidden, k, grid, layer_norm, bias)  # i f g | i' f' g' | o
        self.conv_h = _conv(hidden, 4 * hidden, k, grid, layer_norm, bias)  # i f g o
        self.conv_m = _conv(hidden, 3 * hidden, k, grid, layer_norm, bias)  # i' f' g'
        self.conv_o = _conv(2 * hidden, hidden, k, grid, layer_norm, bias)  # W_co, W_mo on [C, M]
        self.conv_last = nn.Conv2d(2 * hidden, hidden, 1, bias=bias)  # W_1x1 on [C, M]

    def forward(
        self, x: torch.Tensor, h: torch.Tensor, c: torch.Tensor, m: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        """(h, c, m) of this step, and the increments of C and M (for PredRNN-V2's decoupling loss)."""
        i_x, f_x, g_x, i_xp, f_xp, g_xp, o_x = self.conv_x(x).split(self.hidden, dim=1)
        i_h, f_h, g_h, o_h = self.conv_h(h).split(self.hidden, dim=1)
        i_m, f_m, g_m = self.conv_m(m).split(self.hidden, dim=1)

        # 1. temporal memory C, updated from x and h
        i = torch.sigmoid(i_x + i_h)
        f = torch.sigmoid(f_x + f_h + self.forget_bias)
        g = torch.tanh(g_x + g_h)
        delta_c = i * g
        c_new = f * c + delta_c
        # 2. spatiotemporal memory M, updated from x and the M of the layer below
        i_p = torch.sigmoid(i_xp + i_m)
        f_p = torch.sigmoid(f_xp + f_m + self.forget_bias)
        g_p = torch.tanh(g_xp + g_m)
        delta_m = i_p * g_p
        m_new = f_p * m + delta_m
        # 3. output gate sees x, h and both memories; H fuses C and M through a 1x1 conv
        mem = torch.cat([c_new, m_new], dim=1)
        o = torch.sigmoid(o_x + o_h + self.conv_o(mem))
        h_new = o * torch.tanh(self.conv_last(mem))
        return h_new, c_new, m_new, delta_c, delta_m


class PredRNN(nn.Module):
    """Stacked ST-LSTMs over a (C, grid, grid) sequence; predicts frame t+1 from frames <= t."""

    def __init__(self, channels: int, grid: int, cfg: PredRNNConfig, start: str = "scratch") -> None:
        super().__init__()
        self.cfg, self.start = cfg, start
        self.cells = nn.ModuleList(
            SpatioTemporalLSTMCell(
                channels if i == 0 else cfg.hidden, cfg.hidden, grid, cfg.filter, cfg.layer_norm, cfg.bias
            )
            for i in range(cfg.layers)
        )
        shape = ModelShape(channels, grid, 1, "base", start)
        self.conv_last = starts_at_zero(nn.Conv2d(cfg.hidden, channels, 1, bias=False), shape)
        # PredRNN-V2: a shared 1x1 adapter before comparing the increments of C and M
        self.adapter = nn.Conv2d(cfg.hidden, cfg.hidden, 1, bias=False) if cfg.decouple_beta > 0 else None

    def _decoupling(self, delta_c: torch.Tensor, delta_m: torch.Tensor) -> torch.Tensor:
        """Mean |cosine| between the adapted, L2-normalised increments of C and M, per channel."""
        b, ch = delta_c.shape[:2]
        assert self.adapter is not None, "the decoupling loss needs decouple_beta > 0"
        dc = F.normalize(self.adapter(delta_c).view(b, ch, -1), dim=2)
        dm = F.normalize(self.adapter(delta_m).view(b, ch, -1), dim=2)
        return torch.cosine_similarity(dc, dm, dim=2).abs().mean()

    def forward(self, frames: torch.Tensor, input_len: int, teacher: torch.Tensor | None = None) -> TrainOutput:
        """frames (B, T, C, H, W) -> predictions of frames 1..T-1, (B, T-1, C, H, W).

        `teacher` (B, T-2) says, for each step t = 1..T-2, whether its input is the true frame (1)
        or the model's previous prediction (0): scheduled sampling masks only steps >= input_len,
        reverse scheduled sampling the input steps too. `teacher=None` is test time: true frames
        inside the input window, the model's own predictions after it. With `decouple_beta > 0`,
        the V2 decoupling loss of this pass (times beta) is the output's `aux_loss`.
        """
        b, t_total, _, height, width = frames.shape
        zeros = frames.new_zeros(b, self.cfg.hidden, height, width)
        h = [zeros] * self.cfg.layers
        c = [zeros] * self.cfg.layers
        m = zeros
        outputs, decouple = [], []
        x_gen = None
        for t in range(t_total - 1):
            # 1. this step's input: a true frame, or the previous prediction
            x = step_input(frames, t, input_len, teacher, x_gen)
            # 2. up the stack; M zigzags from the top layer at t-1 to the bottom layer at t
            for layer in range(self.cfg.layers):
                below = x if layer == 0 else h[layer - 1]
                h[layer], c[layer], m, delta_c, delta_m = self.cells[layer](below, h[layer], c[layer], m)
                if self.adapter is not None:
                    decouple.append(self._decoupling(delta_c, delta_m))
            # 3. the next frame (start copy: this step's input plus the change)
            x_gen = add_change(x, self.conv_last(h[-1]), self.start)
            outputs.append(x_gen)
        aux = self.cfg.decouple_beta * torch.stack(decouple).mean() if decouple else 0.0
        return TrainOutput(torch.stack(outputs, dim=1), 1, aux)

    def predict(self, inputs: torch.Tensor, future: int) -> torch.Tensor:
        """inputs (B, T_in, C, H, W) -> the next `future` frames, fed back autoregressively."""
        return feedback_predict(self, inputs, future)


def build_predrnn(shape: ModelShape, cfg: PredRNNConfig) -> PredRNN:
    """PredRNN for a space of `shape`: stacked spatiotemporal LSTMs (Wang et al., TPAMI 2022; thuml/predrnn-pytorch)."""
    return PredRNN(shape.channels, shape.grid, cfg, shape.start)


PREDICTOR = PredictorSpec(PredRNNConfig, build_predrnn)
