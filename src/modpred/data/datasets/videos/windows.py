"""Cutting one clip's stream of fitted frames into training windows, dropping those across a scene cut.

Windows start every `stride` frames from the clip's first (kept) frame and hold `seq_len` frames;
only `seq_len` frames are held at any time. A scene cut is where the mean absolute difference of
two consecutive kept frames, in gray levels 0-255 at the fitted size, exceeds `cut_threshold`
(0: no detection): a window holding frames from both sides of it is dropped. On the sample
footage, ordinary motion stays below 8 and bikes.mp4's five cuts are all above 50; 30 separates them.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import numpy as np


@dataclass
class WindowLog:
    """What cutting one clip found: frames kept, cuts (the kept-frame index after each), windows dropped."""

    frames: int = 0
    cuts: list[int] = field(default_factory=list)
    windows: int = 0
    dropped: int = 0


def frame_difference(a: np.ndarray, b: np.ndarray) -> float:
    """Mean absolute difference of two uint8 (C, H, W) frames, over the channel mean (gray levels)."""
    return float(np.abs(a.astype(np.float32).mean(0) - b.astype(np.float32).mean(0)).mean())


def cut_windows(
    frames: Iterable[np.ndarray], seq_len: int, stride: int, frame_step: int, cut_threshold: float, log: WindowLog
) -> Iterator[np.ndarray]:
    """Windows uint8 (seq_len, C, H, W) from fitted frames (C, H, W); every `frame_step`-th frame is kept."""
    held: deque[np.ndarray] = deque(maxlen=seq_len)
    since_cut = 0  # kept frames since the last cut (the window must lie within them)
    for index, frame in enumerate(frames):
        if index % frame_step:
            continue
        if held and cut_threshold and frame_difference(held[-1], frame) > cut_threshold:
            log.cuts.append(log.frames)
            since_cut = 0
        held.append(frame)
        log.frames += 1
        since_cut += 1
        start = log.frames - seq_len
        if start >= 0 and start % stride == 0:
            if since_cut >= seq_len:
                log.windows += 1
                yield np.stack(held)
            else:
                log.dropped += 1
