import numpy as np
import pytest
from skimage.metrics import structural_similarity

from modpred.evaluation.evaluate import blank_frames, copy_last_frame
from modpred.evaluation.frame_metrics import frame_metrics, psnr, ssim_uint8


def test_frame_metrics_by_hand():
    gt = np.zeros((1, 2, 1, 8, 8))
    pred = np.zeros((1, 2, 1, 8, 8))
    pred[0, 0, 0, 0, 0] = 0.5  # frame 0: one pixel off by 0.5
    pred[0, 1] = 0.1  # frame 1: every pixel off by 0.1
    m = frame_metrics(pred, gt)
    np.testing.assert_allclose(m["mse_frame"], [[0.25, 64 * 0.01]])
    np.testing.assert_allclose(m["mse_pixel"], [[0.25 / 64, 0.01]])
    np.testing.assert_allclose(m["mae_frame"], [[0.5, 6.4]])
    np.testing.assert_allclose(m["psnr"][0, 1], 20.0)
    assert psnr(np.array([0.0]))[0] == pytest.approx(100.0)


def test_ssim_follows_the_uint8_255_window7_convention():
    rng = np.random.default_rng(0)
    gt = rng.random((3, 1, 16, 16))
    pred = np.clip(gt + rng.normal(0, 0.1, gt.shape), 0, 1)
    scores = ssim_uint8(pred, gt)
    want = [
        structural_similarity(
            np.round(g[0] * 255).astype(np.uint8), np.round(p[0] * 255).astype(np.uint8), data_range=255, win_size=7
        )
        for p, g in zip(pred, gt, strict=True)
    ]
    np.testing.assert_allclose(scores, want)
    np.testing.assert_allclose(ssim_uint8(gt, gt), 1.0)


def test_trivial_baselines():
    inputs = np.arange(2 * 3 * 1 * 2 * 2, dtype=np.uint8).reshape(2, 3, 1, 2, 2)
    copy = copy_last_frame(4)(inputs)
    assert copy.shape == (2, 4, 1, 2, 2)
    np.testing.assert_allclose(copy[:, 3], inputs[:, 2] / 255.0)
    assert not blank_frames(4)(inputs).any()
