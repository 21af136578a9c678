"""SimVP as OpenSTL computes it: one-shot prediction, its own encoder on pixels only, stochastic depth."""

from __future__ import annotations

import pytest
import torch

from modpred.errors import UserError
from modpred.models.contract import ModelShape
from modpred.models.predictors import build_predictor
from modpred.models.predictors.simvp import SimVP, SimVPConfig


def test_simvp_builds_its_encoder_only_on_pixels_and_predicts_in_one_pass():
    cfg = SimVPConfig(spatial_hidden=4, spatial_layers=4, temporal_hidden=8, temporal_layers=3)
    pixels = SimVP(ModelShape(1, 16, 5, mode="base"), cfg)
    latents = SimVP(ModelShape(6, 4, 5, mode="modular"), cfg)
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
    rates = [
        b.path_rate for b in SimVP(ModelShape(2, 4, 3, "modular"), SimVPConfig(temporal_layers=4)).translator.blocks
    ]
    assert rates == pytest.approx(
        [0.01, 0.01 * 2 / 3, 0.01 / 3, 0.0]
    )  # OpenSTL: linspace(0.01, drop_path), last = drop_path
    with pytest.raises(UserError, match="spatial_layers must be even"):
        build_predictor("simvp", {"spatial_layers": 3}, ModelShape(1, 16, 5, "base"), "train.simvp.model")
    with pytest.raises(UserError, match="halve the grid 18"):
        build_predictor("simvp", {"spatial_layers": 4}, ModelShape(1, 18, 5, "base"), "train.simvp.model")
