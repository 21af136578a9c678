"""Footage for the videos tests: synthetic clips written by the real encoders, and the sample clip."""

from __future__ import annotations

import os
from pathlib import Path

import imageio.v3 as iio
import numpy as np
import pytest

from modpred.data.datasets.videos.samples import SMALLEST
from tests.helpers import ROOT

FOOTAGE = ROOT / "data" / "footage"  # where `python -m stages sample-videos` (and `make test`) put the clips


def moving_square(frames: int, height: int, width: int, colour: bool = True, seed: int = 0) -> np.ndarray:
    """uint8 (T, H, W, 3): a square drifting right over a textured background; gray when not `colour`."""
    rng = np.random.default_rng(seed)
    background = rng.integers(20, 90, (height, width, 3), dtype=np.uint8)
    out = np.repeat(background[None], frames, 0)
    side = max(4, height // 4)
    for t in range(frames):
        x = (2 * t) % max(1, width - side)
        out[t, height // 3 : height // 3 + side, x : x + side] = (220, 60, 30)
    if not colour:
        out[...] = out.mean(-1, keepdims=True).astype(np.uint8)
    return out


def write_video(path: Path, frames: np.ndarray, fps: float = 25) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    iio.imwrite(path, frames, plugin="pyav", codec="mpeg4", fps=fps)
    return path


def write_frame_folder(folder: Path, frames: np.ndarray) -> Path:
    """Numbered PNGs frame1.png ... frameN.png (natural order differs from the names' sort order)."""
    folder.mkdir(parents=True, exist_ok=True)
    for i, frame in enumerate(frames, start=1):
        iio.imwrite(folder / f"frame{i}.png", frame)
    return folder


def sample_clip() -> Path:
    """The smallest real sample clip; a CI run without it fails, a local one skips."""
    path = FOOTAGE / SMALLEST
    if not path.is_file():
        message = f"no {path}: run `python -m stages sample-videos` (make test does)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return path
