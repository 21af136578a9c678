import math

import pytest
import torch

from modpred.models.predictors.tctn import TCTN, TCTNConfig, interleaved_position, official_position


def test_interleaved_position_matches_eq8():
    table = interleaved_position(5, 8)
    for j in range(5):
        for d in range(4):
            assert table[j, 2 * d].item() == pytest.approx(math.sin(j / 10000 ** (2 * d / 8)), abs=1e-6)
            assert table[j, 2 * d + 1].item() == pytest.approx(math.cos(j / 10000 ** (2 * d / 8)), abs=1e-6)


def test_official_position_is_half_sin_then_half_cos():
    table = official_position(5, 8)
    for j in range(5):
        for d in range(4):
            angle = j / 10000 ** (2 * d / 8)
            assert table[j, d].item() == pytest.approx(0.5 * math.sin(angle), abs=1e-7)
            assert table[j, 4 + d].item() == pytest.approx(0.5 * math.cos(angle), abs=1e-7)


def _changed_at(frames: torch.Tensor, t: int) -> torch.Tensor:
    changed = frames.clone()
    changed[:, t] += 1.0
    return changed


def test_causal_variant_is_causal_in_time():
    torch.manual_seed(0)
    model = TCTN(channels=4, grid=8, cfg=TCTNConfig(layers=2, hidden=8, heads=2)).eval()
    frames = torch.randn(2, 7, 4, 8, 8)
    out = model.step(frames)
    assert out.shape == frames.shape
    new = model.step(_changed_at(frames, 4))
    torch.testing.assert_close(new[:, :4], out[:, :4])
    assert not torch.allclose(new[:, 4:], out[:, 4:])


def test_official_variant_is_not_causal():
    """Its GroupNorms see the whole sequence: a later frame changes earlier predictions."""
    torch.manual_seed(0)
    model = TCTN(channels=4, grid=8, cfg=TCTNConfig(layers=2, hidden=8, heads=2, variant="official")).eval()
    frames = torch.randn(2, 7, 4, 8, 8)
    out = model.step(frames)
    new = model.step(_changed_at(frames, 6))
    assert not torch.allclose(new[:, :6], out[:, :6])
    # ... through the norms alone: with per-frame statistics fixed it would be causal
    assert (new[:, :6] - out[:, :6]).abs().max() > 1e-4


def test_prediction_procedures():
    frames = torch.randn(2, 6, 4, 8, 8)
    causal = TCTN(channels=4, grid=8, cfg=TCTNConfig(layers=1, hidden=8, heads=4)).eval()
    assert causal(frames, input_len=3).pred.shape == (2, 5, 4, 8, 8)
    pred = causal.predict(frames[:, :3], 3)
    assert pred.shape == (2, 3, 4, 8, 8)
    torch.testing.assert_close(pred[:, 0], causal(frames, input_len=3).pred[:, 2])  # the teacher-forced first step
    official = TCTN(channels=4, grid=8, cfg=TCTNConfig(layers=1, hidden=8, heads=4, variant="official")).eval()
    pred = official.predict(frames[:, :3], 3)
    # the official test procedure: feed back two predictions, then return the re-pass over all 5 frames
    seq = frames[:, :3]
    for _ in range(2):
        seq = torch.cat([seq, official.step(seq)[:, -1:]], dim=1)
    torch.testing.assert_close(pred, official.step(seq)[:, 2:])


@pytest.mark.parametrize("out_kernel", [3, 1])
def test_cached_causal_inference_equals_recomputing_the_prefix(out_kernel):
    """Issue 20: one single-frame step per frame, the same predictions within 1e-5 (a trained-like scale)."""
    torch.manual_seed(0)
    cfg = TCTNConfig(layers=3, hidden=16, heads=4, ffn_mult=2, out_kernel=out_kernel)
    model = TCTN(channels=6, grid=8, cfg=cfg).eval()
    for p in model.parameters():  # weights of the scale training reaches, so errors could compound
        p.data.mul_(1.5)
    inputs = torch.randn(3, 5, 6, 8, 8)
    with torch.no_grad():
        cached, recomputed = model.predict_cached(inputs, 7), model.predict_recompute(inputs, 7)
    assert cached.shape == (3, 7, 6, 8, 8)
    assert recomputed.abs().max() > 0.1  # not equal because both are zero
    torch.testing.assert_close(cached, recomputed, atol=1e-5, rtol=0)
    torch.testing.assert_close(model.predict(inputs, 7), cached, atol=0, rtol=0)  # eval uses the cache


def test_dropout_only_when_training():
    torch.manual_seed(0)
    model = TCTN(channels=4, grid=8, cfg=TCTNConfig(layers=1, hidden=8, heads=2, variant="official", dropout=0.1))
    frames = torch.randn(2, 5, 4, 8, 8)
    model.eval()
    torch.testing.assert_close(model.step(frames), model.step(frames))
    model.train()
    assert not torch.allclose(model.step(frames), model.step(frames))


def test_official_parameter_count_at_the_paper_size():
    """6 layers x 64 on 64-channel latents, one head: 6,947,584, the official code's count in use."""
    cfg = TCTNConfig(layers=6, hidden=64, heads=1, ffn_mult=3, variant="official")
    assert sum(p.numel() for p in TCTN(64, 16, cfg).parameters()) == 6_947_584


def test_tctn_rejects_hidden_not_divisible_by_heads():
    with pytest.raises(ValueError, match="divisible"):
        TCTNConfig(hidden=10, heads=4)
