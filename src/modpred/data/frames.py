"""One frame of real footage made into what the models read: square, `image` pixels wide, gray or colour.

Shared by the videos dataset (footage -> sequences) and `predict` (a user's clip -> model inputs),
so a clip is fitted exactly as the footage the model was trained on.
- channels: colour becomes gray by the ITU-R BT.601 luma weights (as `to_gray` below), gray
  becomes colour by repeating it; an alpha channel is dropped.
- depth: 16-bit frames (PNG, TIFF) are scaled to 8 bits (v * 255 / 65535, rounded); any other
  sample type is refused with one line.
- size: the centred square of the frame (no distortion), resized bilinearly by Pillow (which
  filters before it shrinks, so a 576-pixel square becomes 64 pixels without aliasing).
"""

from __future__ import annotations

import numpy as np
from PIL import Image

CHANNELS = (1, 3)  # gray or RGB
VIDEO_SUFFIXES = (".avi", ".m4v", ".mkv", ".mov", ".mp4", ".mpeg", ".mpg", ".ogv", ".webm", ".wmv")  # read by PyAV
LUMA = np.array([0.299, 0.587, 0.114])  # ITU-R BT.601


def as_hwc(frame: np.ndarray) -> np.ndarray:
    """(H, W), (H, W, 1), (H, W, 3) or (H, W, 4) -> (H, W, 1 | 3), alpha dropped."""
    if frame.ndim == 2:
        return frame[..., None]
    if frame.ndim == 3 and frame.shape[-1] in (1, 3, 4):
        return frame[..., :3] if frame.shape[-1] == 4 else frame
    raise ValueError(f"a frame is (H, W) or (H, W, 1|3|4), got {frame.shape}")


def as_uint8(frame: np.ndarray) -> np.ndarray:
    """8-bit samples as they are; 16-bit ones scaled to 8 bits, rounded; anything else refused."""
    if frame.dtype == np.uint8:
        return frame
    if frame.dtype == np.uint16:
        return ((frame.astype(np.uint32) * 255 + 32767) // 65535).astype(np.uint8)
    raise ValueError(f"frames of {frame.dtype} samples are not supported: 8- or 16-bit unsigned integers")


GRAY_TOLERANCE = 3  # gray levels: a gray video decoded to RGB differs across channels by codec rounding only


def is_gray(frame: np.ndarray) -> bool:
    """One channel, or three that agree within `GRAY_TOLERANCE` (gray footage stored as RGB)."""
    frame = as_hwc(frame).astype(np.int16)
    if frame.shape[-1] == 1:
        return True
    return bool(np.abs(np.diff(frame, axis=-1)).max() <= GRAY_TOLERANCE)


def to_gray(frame: np.ndarray) -> np.ndarray:
    """uint8 (H, W, 1 | 3) -> uint8 (H, W, 1), luma rounded."""
    if frame.shape[-1] == 1:
        return frame
    return np.clip(np.round(frame.astype(np.float64) @ LUMA), 0, 255).astype(np.uint8)[..., None]


def to_channels(frame: np.ndarray, channels: int) -> np.ndarray:
    """uint8 (H, W, 1 | 3) -> uint8 (H, W, channels)."""
    if channels == 1:
        return to_gray(frame)
    return np.repeat(frame, 3, axis=-1) if frame.shape[-1] == 1 else frame


def centre_square(frame: np.ndarray) -> np.ndarray:
    """The largest centred square of an (H, W, ...) frame."""
    h, w = frame.shape[:2]
    side = min(h, w)
    top, left = (h - side) // 2, (w - side) // 2
    return frame[top : top + side, left : left + side]


def resize(frame: np.ndarray, image: int) -> np.ndarray:
    """uint8 (H, W, 1 | 3) -> uint8 (image, image, same channels), bilinear."""
    if frame.shape[:2] == (image, image):
        return frame
    pil = Image.fromarray(frame[..., 0] if frame.shape[-1] == 1 else frame)
    out = np.asarray(pil.resize((image, image), Image.Resampling.BILINEAR))
    return out[..., None] if out.ndim == 2 else out


def fit_frame(frame: np.ndarray, image: int, channels: int) -> np.ndarray:
    """An 8- or 16-bit frame -> uint8 (channels, image, image): channels first (gray before resizing is
    cheaper), then the centred square, resized."""
    fitted = resize(centre_square(to_channels(as_hwc(as_uint8(frame)), channels)), image)
    return np.ascontiguousarray(fitted.transpose(2, 0, 1))


def as_images(frames: np.ndarray) -> np.ndarray:
    """(..., C, H, W) -> what image writers take: (..., H, W) gray or (..., H, W, 3) colour."""
    return frames[..., 0, :, :] if frames.shape[-3] == 1 else np.moveaxis(frames, -3, -1)
