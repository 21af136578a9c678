"""Reading a user's clip (.npy, GIF or video) as uint8 frames of the model's size and channels."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np

from modpred.data.frames import VIDEO_SUFFIXES, as_uint8, fit_frame
from modpred.errors import UserError


def read_clip(path: Path) -> np.ndarray:
    """A supported clip of any kind -> uint8 (T, H, W, 1 | 3) frames."""
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
    return to_uint8_frames(np.asarray(frames), path)


CLIP_LAYOUTS = "(T, H, W), (T, C, H, W) or (T, H, W, C)"


def clip_layout(shape: tuple[int, ...], what: Path) -> str:
    """ "THW", "TCHW" or "THWC": how one clip's frames are laid out (C 1 or 3 first, or 1, 3 or 4 last),
    the one reading of a shape that the command and the API share."""
    if len(shape) == 3:
        return "THW"
    if len(shape) == 4 and shape[1] in (1, 3) and shape[-1] not in (1, 3, 4):
        return "TCHW"
    if len(shape) == 4 and shape[-1] in (1, 3, 4):
        return "THWC"
    raise UserError(f"clip {what} has shape {tuple(shape)}: expected frames {CLIP_LAYOUTS}")


def to_uint8_frames(frames: np.ndarray, path: Path) -> np.ndarray:
    """(T, H, W), (T, 1|3, H, W), (T, H, W, 1|3|4) of uint8, uint16 (scaled) or [0, 1] floats
    -> uint8 (T, H, W, 1|3)."""
    layout = clip_layout(frames.shape, path)
    if layout == "THW":
        frames = frames[..., None]
    elif layout == "TCHW":
        frames = frames.transpose(0, 2, 3, 1)
    frames = frames[..., :3]
    if not np.issubdtype(frames.dtype, np.number) or np.issubdtype(frames.dtype, np.complexfloating):
        raise UserError(f"clip {path} holds {frames.dtype} values: expected numbers (uint8, or floats in [0, 1])")
    if frames.dtype == np.uint16:  # 16-bit frames: scaled, as the videos dataset reads them
        return as_uint8(frames)
    if np.issubdtype(frames.dtype, np.integer) and frames.dtype != np.uint8 and frames.size:
        low, high = int(frames.min()), int(frames.max())
        if low < 0 or high > 255:  # a 10- or 12-bit clip in int16/int32 would saturate, silently
            raise UserError(
                f"clip {path} holds {frames.dtype} values {low}..{high}: expected 0..255, uint16 (scaled), "
                "or floats in [0, 1]; scale it first"
            )
    if np.issubdtype(frames.dtype, np.floating) and not np.isfinite(frames).all():
        bad = int((~np.isfinite(frames)).sum())
        raise UserError(f"clip {path} holds {bad} non-finite values (NaN or inf): a prediction from it means nothing")
    if np.issubdtype(frames.dtype, np.floating):
        least, most = (float(frames.min()), float(frames.max())) if frames.size else (0.0, 0.0)
        if least < 0 or most > 1:  # 0..255 floats, or a normalised clip: guessing its scale would be silent
            raise UserError(f"clip {path} holds float values {least:.3g}..{most:.3g}: expected [0, 1] (or uint8)")
        frames = frames * 255.0
    return np.clip(np.round(frames), 0, 255).astype(np.uint8)


def fit_clip(frames: np.ndarray, input_len: int, image: int, channels: int, resize: bool, path: Path) -> np.ndarray:
    """The last `input_len` frames as uint8 (T, channels, image, image): colour to gray or gray repeated
    as the model needs (silently: it is lossless or the luma the datasets use), a wrong size a warning
    (the centred square, resized, as the videos dataset fits footage) or an error."""
    if len(frames) < input_len:
        raise UserError(f"clip {path} has {len(frames)} frames; the model needs at least {input_len}")
    frames = frames[-input_len:]
    h, w = frames.shape[1:3]
    if (h, w) != (image, image):
        if not resize:
            raise UserError(f"clip {path} is {w}x{h}; the model takes {image}x{image} (pass --resize to resize it)")
        what = "resizing" if h == w else "cropping to the centred square and resizing"
        warnings.warn(f"{what} clip {path} from {w}x{h} to {image}x{image}", stacklevel=2)
    return np.stack([fit_frame(f, image, channels) for f in frames])
