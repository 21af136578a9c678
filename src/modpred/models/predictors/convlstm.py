"""ConvLSTM (Shi et al., NeurIPS 2015): stacked convolutional LSTM cells, the recurrent baseline.

Follows OpenSTL (chengtan9907/OpenSTL, `ConvLSTMCell`, `ConvLSTM_Model`), the benchmark whose
MovingMNIST numbers everyone quotes: one bias-free convolution of the input and one of the hidden
state, each producing the four gates (i, f, g, o); c' = f*c + i*g, h' = o*tanh(c'); the top layer's
h goes through a bias-free 1x1 convolution to the next frame; inputs are chosen by the same
scheduled sampling as PredRNN (`contract.step_input`), on patch-reshaped pixels or on latents.

Where it differs from the 2015 paper, as OpenSTL does: no peephole terms (W_c * c in the gates)
and no gate biases. OpenSTL's cell also defines `_forget_bias`, `conv_o` and `conv_last` but never
uses them in its forward pass; we leave them out, so our count is OpenSTL's minus those unused
weights (at its MovingMNIST size, 4 x 128, filter 5, on 4x4 patches: 11,675,648 here; with the
unused weights, as OpenSTL counts them, 15,083,520).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
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
class ConvLSTMConfig:
    layers: int = positive(default=2)
    hidden: int = positive(default=32)
    filter: int = positive(default=3)
    layer_norm: bool = False  # LayerNorm after each gate convolution (OpenSTL option; off in its configs)


def _gates(cin: int, hidden: int, k: int, grid: int, layer_norm: bool) -> nn.Module:
    conv = nn.Conv2d(cin, 4 * hidden, k, padding=k // 2, bias=False)
    return nn.Sequential(conv, nn.LayerNorm([4 * hidden, grid, grid])) if layer_norm else conv


class ConvLSTMCell(nn.Module):
    def __init__(self, cin: int, hidden: int, grid: int, k: int, layer_norm: bool) -> None:
        super().__init__()
        self.hidden = hidden
        self.conv_x = _gates(cin, hidden, k, grid, layer_norm)  # i f g o from the input
        self.conv_h = _gates(hidden, hidden, k, grid, layer_norm)  # i f g o from the hidden state

    def forward(self, x: torch.Tensor, h: torch.Tensor, c: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        i_x, f_x, g_x, o_x = self.conv_x(x).split(self.hidden, dim=1)
        i_h, f_h, g_h, o_h = self.conv_h(h).split(self.hidden, dim=1)
        c_new = torch.sigmoid(f_x + f_h) * c + torch.sigmoid(i_x + i_h) * torch.tanh(g_x + g_h)
        h_new = torch.sigmoid(o_x + o_h) * torch.tanh(c_new)
        return h_new, c_new


class ConvLSTM(nn.Module):
    """Stacked ConvLSTMs over a (C, grid, grid) sequence; predicts frame t+1 from frames <= t."""

    def __init__(self, channels: int, grid: int, cfg: ConvLSTMConfig, start: str = "scratch") -> None:
        super().__init__()
        self.cfg, self.start = cfg, start
        self.cells = nn.ModuleList(
            ConvLSTMCell(channels if i == 0 else cfg.hidden, cfg.hidden, grid, cfg.filter, cfg.layer_norm)
            for i in range(cfg.layers)
        )
        shape = ModelShape(channels, grid, 1, "base", start)
        self.conv_last = starts_at_zero(nn.Conv2d(cfg.hidden, channels, 1, bias=False), shape)

    def forward(self, frames: torch.Tensor, input_len: int, teacher: torch.Tensor | None = None) -> TrainOutput:
        """frames (B, T, C, H, W) -> predictions of frames 1..T-1; `teacher` as in PredRNN."""
        b, t_total, _, height, width = frames.shape
        zeros = frames.new_zeros(b, self.cfg.hidden, height, width)
        h, c = [zeros] * self.cfg.layers, [zeros] * self.cfg.layers
        outputs, x_gen = [], None
        for t in range(t_total - 1):
            x = step_input(frames, t, input_len, teacher, x_gen)
            below = x
            for layer, cell in enumerate(self.cells):
                h[layer], c[layer] = cell(below, h[layer], c[layer])
                below = h[layer]
            x_gen = add_change(x, self.conv_last(h[-1]), self.start)
            outputs.append(x_gen)
        return TrainOutput(torch.stack(outputs, dim=1), 1)

    def predict(self, inputs: torch.Tensor, future: int) -> torch.Tensor:
        """inputs (B, T_in, C, H, W) -> the next `future` frames, fed back autoregressively."""
        return feedback_predict(self, inputs, future)


def build_convlstm(shape: ModelShape, cfg: ConvLSTMConfig) -> ConvLSTM:
    """ConvLSTM for a space of `shape`: stacked convolutional LSTMs (Shi et al., NeurIPS 2015; OpenSTL's)."""
    return ConvLSTM(shape.channels, shape.grid, cfg, shape.start)


PREDICTOR = PredictorSpec(ConvLSTMConfig, build_convlstm)
