import math

import pytest
import torch

from modpred.models.tctn import TCTN, TCTNConfig, temporal_position


def test_temporal_position_matches_eq8():
    table = temporal_position(5, 8)
    for j in range(5):
        for d in range(4):
            assert table[j, 2 * d].item() == pytest.approx(math.sin(j / 10000 ** (2 * d / 8)), abs=1e-6)
            assert table[j, 2 * d + 1].item() == pytest.approx(math.cos(j / 10000 ** (2 * d / 8)), abs=1e-6)


def test_tctn_is_causal_in_time():
    torch.manual_seed(0)
    model = TCTN(channels=4, grid=8, cfg=TCTNConfig(layers=2, hidden=8, heads=2)).eval()
    frames = torch.randn(2, 7, 4, 8, 8)
    out = model.step(frames)
    assert out.shape == frames.shape
    changed = frames.clone()
    changed[:, 4] += 1.0
    new = model.step(changed)
    torch.testing.assert_close(new[:, :4], out[:, :4])
    assert not torch.allclose(new[:, 4:], out[:, 4:])


def test_tctn_training_and_prediction_shapes():
    model = TCTN(channels=4, grid=8, cfg=TCTNConfig(layers=1, hidden=8, heads=4)).eval()
    frames = torch.randn(2, 6, 4, 8, 8)
    assert model(frames, input_len=3).shape == (2, 5, 4, 8, 8)
    pred = model.predict(frames[:, :3], 3)
    assert pred.shape == (2, 3, 4, 8, 8)
    # the first predicted frame is exactly the teacher-forced prediction after the inputs
    torch.testing.assert_close(pred[:, 0], model(frames, input_len=3)[:, 2])


def test_tctn_rejects_hidden_not_divisible_by_heads():
    with pytest.raises(ValueError, match="divisible"):
        TCTN(4, 8, TCTNConfig(hidden=10, heads=4))
