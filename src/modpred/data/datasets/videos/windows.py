"""Choosing a clip's frames in time, and cutting them into windows, dropping those across a scene cut.

`resample` keeps the frames nearest to a fixed rate (every `step`-th, `step` = the clip's rate over
the target rate, not always a whole number), so clips at 25, 29.97 and 10 fps give windows of equal
duration; `time_spans` splits one clip's kept frames into a train head and a test tail with a
window's gap between them. Windows start every `stride` kept frames and hold `seq_len` frames;
only `seq_len` frames are held at any time. A scene cut is where the mean absolute difference of
two consecutive kept frames, in gray levels 0-255 at the fitted size, exceeds `cut_threshold`
(0: no detection): a window holding frames from both sides of it is dropped. On the sample
footage, ordinary motion stays below 8 and bikes.mp4's five cuts are all above 50; 30 separates them.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TypeVar

import numpy as np

T = TypeVar("T")


def _nearest(k: int, step: float) -> int:
    return math.floor(k * step + 0.5)


def resample(frames: Iterable[T], step: float) -> Iterator[T]:
    """Frames 0, step, 2 step, ... of a stream, each index rounded to the nearest frame (`step` >= 1)."""
    if step < 1:
        raise ValueError(f"a frame step is at least 1, got {step}")
    k = 0
    for index, frame in enumerate(frames):
        if index == _nearest(k, step):
            k += 1
            yield frame


def kept_count(frames: int, step: float) -> int:
    """How many frames `resample` keeps of a clip of `frames` frames."""
    return max(0, math.ceil((frames - 0.5) / step))


def time_spans(kept: int, test_fraction: float, gap: int) -> dict[str, range]:
    """Kept-frame positions of a clip's train head and test tail: the tail is `test_fraction` of the
    clip, and `gap` frames (a window) between them belong to neither, so no window holds both."""
    test = round(kept * test_fraction)
    return {"train": range(0, max(0, kept - test - gap)), "test": range(kept - test, kept)}


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
    frames: Iterable[np.ndarray], seq_len: int, stride: int, cut_threshold: float, log: WindowLog
) -> Iterator[np.ndarray]:
    """Windows uint8 (seq_len, C, H, W) from kept, fitted frames (C, H, W)."""
    held: deque[np.ndarray] = deque(maxlen=seq_len)
    since_cut = 0  # kept frames since the last cut (the window must lie within them)
    for frame in frames:
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
