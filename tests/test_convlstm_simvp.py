"""ConvLSTM and SimVP as OpenSTL computes them: causality, sizes, one-shot prediction, own encoder on pixels."""

from __future__ import annotations

import pytest
import torch

from modpred.errors import UserError
from modpred.models import count_params
from modpred.models.contract import ModelShape
from modpred.models.predictors import build_predictor
from modpred.models.predictors.convlstm import ConvLSTM, ConvLSTMConfig
from modpred.models.predictors.simvp import SimVP, SimVPConfig


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


def test_simvp_builds_its_encoder_only_on_pixels_and_predicts_in_one_pass():
    cfg = SimVPConfig(spatial_hidden=4, spatial_layers=4, temporal_hidden=8, temporal_layers=3)
    pixels = SimVP(ModelShape(1, 16, 5, pixels=True), cfg)
    latents = SimVP(ModelShape(6, 4, 5, pixels=False), cfg)
    assert pixels.encoder is not None and latents.encoder is None and latents.decoder is None
    assert pixels.translator.blocks[0].norm_attn.num_features == 5 * 4  # T_in x hid_S channels
    assert latents.translator.blocks[0].norm_attn.num_features == 5 * 6  # T_in x code_dim channels
    frames = torch.rand(2, 12, 6, 4, 4)
    out = latents(frames, 5)
    assert out.first == 5 and out.pred.shape == (2, 7, 6, 4, 4)
    latents.eval()
    with torch.no_grad():  # more future frames than inputs: the last T_in frames go through again
        ten = latents.predict(frames[:, :5], 10)
        assert torch.equal(ten[:, :5], latents.predict(frames[:, :5], 5))
        assert torch.allclose(ten[:, 5:], latents.predict(ten[:, :5], 5))


def test_simvp_stochastic_depth_and_checks():
    rates = [b.path_rate for b in SimVP(ModelShape(2, 4, 3, False), SimVPConfig(temporal_layers=4)).translator.blocks]
    assert rates == pytest.approx(
        [0.01, 0.01 * 2 / 3, 0.01 / 3, 0.0]
    )  # OpenSTL: linspace(0.01, drop_path), last = drop_path
    with pytest.raises(UserError, match="spatial_layers must be even"):
        build_predictor("simvp", {"spatial_layers": 3}, ModelShape(1, 16, 5, True), "train.simvp.model")
    with pytest.raises(UserError, match="halve the grid 18"):
        build_predictor("simvp", {"spatial_layers": 4}, ModelShape(1, 18, 5, True), "train.simvp.model")
