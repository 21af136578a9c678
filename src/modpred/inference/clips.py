"""Reading a user's clip (.npy, GIF or video) as gray uint8 frames of the model's size."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
from PIL import Image

from modpred.errors import UserError

VIDEO_SUFFIXES = {".mp4", ".avi", ".mov", ".mkv", ".webm", ".m4v"}


def read_clip(path: Path) -> np.ndarray:
    """Any supported clip -> uint8 (T, H, W) gray frames."""
    path = Path(path)
    if not path.is_file():
        raise UserError(f"clip not found: {path}")
    suffix = path.suffix.lower()
    try:
        if suffix == ".npy":
            frames = np.load(path, allow_pickle=False)
        elif suffix == ".gif" or suffix in VIDEO_SUFFIXES:
            import imageio.v3 as iio

            options = {"plugin": "pyav"} if suffix in VIDEO_SUFFIXES else {}
            frames = iio.imread(path, index=None, **options)
        else:
            raise UserError(
                f"unsupported clip {path}: expected .npy, .gif or a video ({', '.join(sorted(VIDEO_SUFFIXES))})"
            )
    except UserError:
        raise
    except Exception as exc:  # each reader raises its own types for a damaged file
        raise UserError(
            f"unreadable clip {path}: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}"
        ) from None
    return to_gray_uint8(np.asarray(frames), path)


def to_gray_uint8(frames: np.ndarray, path: Path) -> np.ndarray:
    """(T, H, W), (T, 1, H, W), (T, H, W, 1|3|4) in uint8 or [0, 1] floats -> uint8 (T, H, W)."""
    if frames.ndim == 4 and frames.shape[1] == 1:
        frames = frames[:, 0]
    elif frames.ndim == 4 and frames.shape[-1] in (1, 3, 4):
        rgb = frames[..., :3].astype(np.float64)
        frames = rgb[..., 0] if rgb.shape[-1] == 1 else rgb @ np.array([0.299, 0.587, 0.114])
    if frames.ndim != 3:
        raise UserError(
            f"clip {path} has shape {frames.shape}: expected frames (T, H, W), (T, 1, H, W) or (T, H, W, C)"
        )
    if not np.issubdtype(frames.dtype, np.number) or np.issubdtype(frames.dtype, np.complexfloating):
        raise UserError(f"clip {path} holds {frames.dtype} values: expected numbers (uint8, or floats in [0, 1])")
    if np.issubdtype(frames.dtype, np.floating) and not np.isfinite(frames).all():
        bad = int((~np.isfinite(frames)).sum())
        raise UserError(f"clip {path} holds {bad} non-finite values (NaN or inf): a prediction from it means nothing")
    if np.issubdtype(frames.dtype, np.floating) and frames.max(initial=0) <= 1.0:
        frames = frames * 255.0
    return np.clip(np.round(frames), 0, 255).astype(np.uint8)


def fit_clip(frames: np.ndarray, input_len: int, image: int, resize: bool, path: Path) -> np.ndarray:
    """The last `input_len` frames at image x image; too short is an error, a wrong size a warning or an error."""
    if len(frames) < input_len:
        raise UserError(f"clip {path} has {len(frames)} frames; the model needs at least {input_len}")
    frames = frames[-input_len:]
    if frames.shape[1:] != (image, image):
        if not resize:
            raise UserError(
                f"clip {path} is {frames.shape[2]}x{frames.shape[1]}; the model takes {image}x{image} "
                "(pass --resize to resize it)"
            )
        warnings.warn(f"resizing clip {path} from {frames.shape[2]}x{frames.shape[1]} to {image}x{image}", stacklevel=2)
        bilinear = Image.Resampling.BILINEAR
        frames = np.stack([np.asarray(Image.fromarray(f).resize((image, image), bilinear)) for f in frames])
    return frames
