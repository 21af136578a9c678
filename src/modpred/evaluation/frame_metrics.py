"""Per-frame image metrics with the conventions of the PredRNN / TCTN MovingMNIST tables.

Frames are floats in [0, 1] shaped (..., C, H, W).
- MSE per frame: squared error summed over the frame's pixels (the tables' "MSE"); also per pixel.
- MAE per frame: absolute error summed over the frame's pixels.
- PSNR: 10 log10(1 / per-pixel MSE), data range 1, per frame (MSE floored at 1e-10, i.e. 100 dB).
- SSIM: scikit-image on uint8 frames (rounded from [0, 1] * 255), data range 255, 7x7 window,
  per frame, then averaged.
"""

from __future__ import annotations

import numpy as np
from skimage.metrics import structural_similarity

MSE_FLOOR = 1e-10


def psnr(mse_per_pixel: np.ndarray) -> np.ndarray:
    return 10.0 * np.log10(1.0 / np.maximum(np.asarray(mse_per_pixel, dtype=np.float64), MSE_FLOOR))


def to_uint8(frames: np.ndarray) -> np.ndarray:
    return np.round(np.clip(frames, 0.0, 1.0) * 255.0).astype(np.uint8)


def ssim_uint8(pred: np.ndarray, gt: np.ndarray) -> np.ndarray:
    """SSIM per frame for (..., C, H, W) floats in [0, 1]; returns shape (...)."""
    p8, g8 = to_uint8(pred), to_uint8(gt)
    lead = p8.shape[:-3]
    p8 = p8.reshape(-1, *p8.shape[-3:])
    g8 = g8.reshape(-1, *g8.shape[-3:])
    scores = np.empty(len(p8))
    for i, (p, g) in enumerate(zip(p8, g8, strict=True)):
        scores[i] = structural_similarity(
            g.transpose(1, 2, 0), p.transpose(1, 2, 0), data_range=255, win_size=7, channel_axis=2
        )
    return scores.reshape(lead)


def frame_metrics(pred: np.ndarray, gt: np.ndarray) -> dict[str, np.ndarray]:
    """Each metric per sequence and frame: arrays of shape pred.shape[:-3]."""
    err = pred.astype(np.float64) - gt.astype(np.float64)
    pixels = np.prod(pred.shape[-3:])
    sq = (err**2).reshape(*err.shape[:-3], -1).sum(-1)
    return {
        "mse_frame": sq,
        "mse_pixel": sq / pixels,
        "mae_frame": np.abs(err).reshape(*err.shape[:-3], -1).sum(-1),
        "psnr": psnr(sq / pixels),
        "ssim": ssim_uint8(pred, gt),
    }
