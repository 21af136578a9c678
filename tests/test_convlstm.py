"""ConvLSTM as OpenSTL computes it: causality and sizes."""

from __future__ import annotations

import torch

from modpred.models import count_params
from modpred.models.predictors.convlstm import ConvLSTM, ConvLSTMConfig


def test_convlstm_is_causal_and_counts_as_openstl_without_its_unused_weights():
    model = ConvLSTM(4, 8, ConvLSTMConfig(layers=2, hidden=6)).eval()
    frames = torch.rand(2, 8, 4, 8, 8)
    changed = frames.clone()
    changed[:, 5:] = torch.rand_like(changed[:, 5:])
    teacher = torch.ones(2, 6)
    with torch.no_grad():
        a, b = model(frames, 4, teacher).pred, model(changed, 4, teacher).pred
    assert torch.equal(a[:, :5], b[:, :5]) and not torch.equal(a[:, 5:], b[:, 5:])  # output t sees frames <= t
    # OpenSTL's MovingMNIST size: 4 x 128, filter 5, on 16-channel 4x4 patches
    h, k, c = 128, 5, 16
    paper = ConvLSTM(c, 16, ConvLSTMConfig(layers=4, hidden=h, filter=k))
    cells = (c * 4 * h + h * 4 * h) * k * k + 3 * (2 * h * 4 * h) * k * k
    assert count_params(paper) == cells + h * c == 11_675_648
    unused = 4 * (2 * h * h * k * k + 2 * h * h)  # OpenSTL's conv_o and conv_last in each cell
    assert count_params(paper) + unused == 15_083_520
