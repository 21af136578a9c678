"""PredRNN (Wang et al., TPAMI 2022): stacked spatiotemporal LSTM cells (paper eq. 7).

Follows the official implementation (thuml/predrnn-pytorch): one convolution per input (x, h, m)
producing all gates, forget-gate bias 1.0, a 1x1 convolution fusing C and M into H, the
spatiotemporal memory M flowing up the layers and zigzagging from the top layer at t-1 to the
bottom layer at t, and a bias-free 1x1 convolution producing the next frame.
The predictor works on any (C, H, W) grid: patch-reshaped pixels (base) or VQ-VAE embeddings
(modular).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from modpred.params import positive


@dataclass(frozen=True)
class PredRNNConfig:
    layers: int = positive(default=2)
    hidden: int = positive(default=16)
    filter: int = positive(default=3)
    layer_norm: bool = False


def _conv(cin: int, cout: int, k: int, grid: int, norm: bool) -> nn.Module:
    conv = nn.Conv2d(cin, cout, k, padding=k // 2)
    return nn.Sequential(conv, nn.LayerNorm([cout, grid, grid])) if norm else conv


class SpatioTemporalLSTMCell(nn.Module):
    """One ST-LSTM cell: temporal memory C (horizontal) and spatiotemporal memory M (zigzag)."""

    forget_bias = 1.0

    def __init__(self, cin: int, hidden: int, grid: int, k: int, layer_norm: bool) -> None:
        super().__init__()
        self.hidden = hidden
        self.conv_x = _conv(cin, 7 * hidden, k, grid, layer_norm)  # i f g | i' f' g' | o
        self.conv_h = _conv(hidden, 4 * hidden, k, grid, layer_norm)  # i f g o
        self.conv_m = _conv(hidden, 3 * hidden, k, grid, layer_norm)  # i' f' g'
        self.conv_o = _conv(2 * hidden, hidden, k, grid, layer_norm)  # W_co, W_mo on [C, M]
        self.conv_last = nn.Conv2d(2 * hidden, hidden, 1)  # W_1x1 on [C, M]

    def forward(
        self, x: torch.Tensor, h: torch.Tensor, c: torch.Tensor, m: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        i_x, f_x, g_x, i_xp, f_xp, g_xp, o_x = self.conv_x(x).split(self.hidden, dim=1)
        i_h, f_h, g_h, o_h = self.conv_h(h).split(self.hidden, dim=1)
        i_m, f_m, g_m = self.conv_m(m).split(self.hidden, dim=1)

        # 1. temporal memory C, updated from x and h
        i = torch.sigmoid(i_x + i_h)
        f = torch.sigmoid(f_x + f_h + self.forget_bias)
        g = torch.tanh(g_x + g_h)
        c_new = f * c + i * g
        # 2. spatiotemporal memory M, updated from x and the M of the layer below
        i_p = torch.sigmoid(i_xp + i_m)
        f_p = torch.sigmoid(f_xp + f_m + self.forget_bias)
        g_p = torch.tanh(g_xp + g_m)
        m_new = f_p * m + i_p * g_p
        # 3. output gate sees x, h and both memories; H fuses C and M through a 1x1 conv
        mem = torch.cat([c_new, m_new], dim=1)
        o = torch.sigmoid(o_x + o_h + self.conv_o(mem))
        h_new = o * torch.tanh(self.conv_last(mem))
        return h_new, c_new, m_new


class PredRNN(nn.Module):
    """Stacked ST-LSTMs over a (C, grid, grid) sequence; predicts frame t+1 from frames <= t."""

    def __init__(self, channels: int, grid: int, cfg: PredRNNConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.cells = nn.ModuleList(
            SpatioTemporalLSTMCell(channels if i == 0 else cfg.hidden, cfg.hidden, grid, cfg.filter, cfg.layer_norm)
            for i in range(cfg.layers)
        )
        self.conv_last = nn.Conv2d(cfg.hidden, channels, 1, bias=False)

    def forward(self, frames: torch.Tensor, input_len: int, teacher: torch.Tensor | None = None) -> torch.Tensor:
        """frames (B, T, C, H, W) -> predictions of frames 1..T-1, (B, T-1, C, H, W).

        Past `input_len`, each step's input is the true frame where `teacher` (B, T-1-input_len)
        is 1 and the model's own previous prediction where it is 0 (scheduled sampling);
        `teacher=None` means always the model's own prediction, as at test time.
        """
        b, t_total, _, height, width = frames.shape
        zeros = frames.new_zeros(b, self.cfg.hidden, height, width)
        h = [zeros] * self.cfg.layers
        c = [zeros] * self.cfg.layers
        m = zeros
        outputs = []
        x_gen = None
        for t in range(t_total - 1):
            if t < input_len:
                x = frames[:, t]
            else:
                keep = teacher[:, t - input_len].view(b, 1, 1, 1) if teacher is not None else 0.0
                x = keep * frames[:, t] + (1 - keep) * x_gen
            h[0], c[0], m = self.cells[0](x, h[0], c[0], m)
            for layer in range(1, self.cfg.layers):
                h[layer], c[layer], m = self.cells[layer](h[layer - 1], h[layer], c[layer], m)
            x_gen = self.conv_last(h[-1])
            outputs.append(x_gen)
        return torch.stack(outputs, dim=1)

    def predict(self, inputs: torch.Tensor, future: int) -> torch.Tensor:
        """inputs (B, T_in, C, H, W) -> the next `future` frames, fed back autoregressively."""
        t_in = inputs.shape[1]
        pad = inputs.new_zeros(inputs.shape[0], future, *inputs.shape[2:])
        return self(torch.cat([inputs, pad], dim=1), t_in)[:, t_in - 1 :]
