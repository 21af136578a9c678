"""KTH-Action from the standard raw videos (Schuldt et al. 2004), cut into samples as PredRNN does.

Videos are found anywhere under `root` by their standard names, `personNN_<action>_dS_uncomp.avi`
(e.g. `boxing/person01_boxing_d1_uncomp.avi`). Persons 1-16 are the train split, 17-25 the test
split. Each frame is resized to `image` x `image` gray (channel 0, bilinear); a sample is
`seq_len` consecutive frames of one video. As in the official PredRNN provider, samples are cut
backwards from each video's end, every `seq_len` frames for the slow actions and every
`stride_fast` frames for jogging and running.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from modpred.errors import UserError
from modpred.params import positive
from modpred.progress import progress

ACTIONS = ("boxing", "handclapping", "handwaving", "walking", "jogging", "running")
FAST_ACTIONS = ("jogging", "running")
TRAIN_PERSONS = range(1, 17)
TEST_PERSONS = range(17, 26)
VIDEO_NAME = re.compile(r"person(\d{2})_([a-z]+)_d(\d)_uncomp\.avi$")


@dataclass(frozen=True)
class KthConfig:
    root: str = ""
    image: int = positive(default=128)
    seq_len: int = positive(default=20)
    input_len: int = positive(default=10)
    stride_fast: int = positive(default=3)


@dataclass(frozen=True)
class Video:
    path: Path
    person: int
    action: str
    scenario: int


def find_videos(root: Path) -> list[Video]:
    """Every KTH video under `root`, sorted by (action, person, scenario)."""
    if not root.is_dir():
        raise UserError(f"KTH folder not found: {root} (set data.kth.root)")
    videos = []
    for path in root.rglob("*_uncomp.avi"):
        match = VIDEO_NAME.search(path.name)
        if match and match.group(2) in ACTIONS:
            videos.append(Video(path, int(match.group(1)), match.group(2), int(match.group(3))))
    if not videos:
        raise UserError(f"no KTH videos (personNN_<action>_dS_uncomp.avi) under {root}")
    return sorted(videos, key=lambda v: (ACTIONS.index(v.action), v.person, v.scenario))


def read_video(video: Video, image: int) -> np.ndarray:
    """All frames of a video as uint8 (T, image, image)."""
    import imageio.v3 as iio

    try:
        frames = iio.imread(video.path, index=None, plugin="pyav")
    except Exception as exc:
        raise UserError(f"unreadable KTH video {video.path}: {str(exc).splitlines()[0]}") from None
    gray = frames[..., 0] if frames.ndim == 4 else frames
    return np.stack([np.asarray(Image.fromarray(f).resize((image, image), Image.Resampling.BILINEAR)) for f in gray])


def window_starts(length: int, seq_len: int, stride: int) -> list[int]:
    """Start frames of the samples, cut backwards from the video's end every `stride` frames."""
    return sorted(range(length - seq_len, -1, -stride))


def kth_samples(videos: list[Video], persons: range, cfg: KthConfig, desc: str) -> Iterator[np.ndarray]:
    """Samples uint8 (seq_len, 1, image, image) from the videos of `persons`, in a fixed order."""
    chosen = [v for v in videos if v.person in persons]
    for video in progress(chosen, desc):
        frames = read_video(video, cfg.image)
        stride = cfg.stride_fast if video.action in FAST_ACTIONS else cfg.seq_len
        for start in window_starts(len(frames), cfg.seq_len, stride):
            yield frames[start : start + cfg.seq_len, None]
