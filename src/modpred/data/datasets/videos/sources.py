"""Finding the clips under a folder and reading their frames one at a time.

A clip is a video file (any container PyAV opens, by suffix), a GIF, or a folder of numbered
PNG / JPEG frames (one clip per folder, frames in the order of the number in their names).
Frames are decoded one by one, never a whole video at once, so memory does not grow with the
footage. A file that cannot be read is reported by `ClipReader.problem` for the caller to skip.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from modpred.data.frames import VIDEO_SUFFIXES

GIF_SUFFIX = ".gif"
FRAME_SUFFIXES = (".jpeg", ".jpg", ".png")
NUMBER = re.compile(r"(\d+)")


@dataclass(frozen=True)
class Clip:
    path: Path  # a file, or a folder of frames
    rel: str  # the path relative to the root, with '/' (what the split and the manifest name)
    kind: str  # video | gif | frames


def _frame_key(path: Path) -> tuple:
    """Natural order: frame2.png before frame10.png."""
    return tuple(int(part) if part.isdigit() else part for part in NUMBER.split(path.name))


def find_clips(root: Path) -> list[Clip]:
    """Every clip under `root` (recursive, hidden entries skipped), sorted by relative path."""
    clips = []
    folders: set[Path] = set()
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if any(part.startswith(".") for part in rel.parts) or not path.is_file():
            continue
        suffix = path.suffix.lower()
        if suffix in VIDEO_SUFFIXES:
            clips.append(Clip(path, rel.as_posix(), "video"))
        elif suffix == GIF_SUFFIX:
            clips.append(Clip(path, rel.as_posix(), "gif"))
        elif suffix in FRAME_SUFFIXES:
            folders.add(path.parent)
    for folder in folders:
        clips.append(Clip(folder, folder.relative_to(root).as_posix() or ".", "frames"))
    return sorted(clips, key=lambda c: c.rel)


def frame_files(folder: Path) -> list[Path]:
    return sorted((p for p in folder.iterdir() if p.suffix.lower() in FRAME_SUFFIXES), key=_frame_key)


class ClipReader:
    """One clip's frames, uint8 (H, W) or (H, W, C), in order; `fps` when the container records it.

    `problem` is set when the clip could not be opened (an empty file, not a video). When decoding
    fails part-way, or ends before the frame count the container declares (a truncated file: the
    demuxer just stops), `stopped` says so: the frames before it are kept.
    """

    def __init__(self, clip: Clip) -> None:
        self.clip = clip
        self.fps: float | None = None
        self.declared = 0  # frames the container says it holds (0: unknown)
        self.read = 0  # frames decoded so far
        self.problem = ""
        self.stopped = ""
        if clip.kind != "frames" and clip.path.stat().st_size == 0:
            self.problem = "an empty file (0 bytes)"
        elif clip.kind == "video":
            self.problem = self._probe_video()

    def _probe_video(self) -> str:
        import av

        try:
            with av.open(str(self.clip.path)) as container:
                if not container.streams.video:
                    return "no video stream"
                stream = container.streams.video[0]
                self.fps = float(stream.average_rate) if stream.average_rate else None
                self.declared = int(stream.frames or 0)
        except Exception as exc:  # PyAV raises its own error types for what is not a video
            return f"not a readable video ({_first_line(exc)})"
        return ""

    def frame_count(self) -> int:
        """Frames in the clip: the container's count, the folder's files, or (neither known) a decoding pass."""
        if self.clip.kind == "frames":
            return len(frame_files(self.clip.path))
        if self.declared:
            return self.declared
        return sum(1 for _ in ClipReader(self.clip))

    def __iter__(self) -> Iterator[np.ndarray]:
        import imageio.v3 as iio

        if self.clip.kind == "frames":
            for path in frame_files(self.clip.path):
                try:
                    frame = iio.imread(path)
                except Exception as exc:
                    self.stopped = f"frame {path.name} is unreadable ({_first_line(exc)})"
                    return
                self.read += 1
                yield frame
            return
        options = {"plugin": "pyav"} if self.clip.kind == "video" else {}
        frames = iio.imiter(self.clip.path, **options)
        while True:
            try:
                frame = next(frames)
            except StopIteration:
                break
            except Exception as exc:  # damaged data part-way through
                self.stopped = f"decoding stopped ({_first_line(exc)})"
                return
            self.read += 1
            yield frame
        if self.declared > self.read:  # demuxers end quietly at a truncated file's end
            self.stopped = f"truncated: {self.read} of the {self.declared} frames its header declares"


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
