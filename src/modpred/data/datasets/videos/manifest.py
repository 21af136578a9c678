"""What the videos dataset records of each clip in manifest.json, and what the log says of it.

One `ClipEntry` per clip of a split, filled as the clip is read (its rate, its step, its size, its
windows) and written without its empty fields, so the manifest lists only what happened.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass

from modpred.data.datasets.videos.sources import ClipReader
from modpred.data.datasets.videos.windows import WindowLog

log = logging.getLogger(__name__)


@dataclass
class ClipEntry:
    file: str  # relative to the root, with '/'
    split: str  # train or test
    fps: float | None  # as the file records it
    step: float | None = None  # clip frames per kept frame
    span: list[int] | None = None  # split "time": kept-frame positions of this split
    size: str | None = None  # WxH of its first frame
    gray: bool | None = None
    frames: int | None = None  # kept frames
    cuts: list[int] | None = None  # scene cuts, before these kept frames
    windows: int | None = None
    dropped_at_cuts: int | None = None  # windows across a cut, left out
    truncated: str | None = None  # why reading stopped early (its first frames used)
    skipped: str | None = None  # why it gave no window
    validation: bool | None = None  # a training file held out for best-iterate selection (`val` globs)

    def record(self) -> dict[str, object]:
        """The manifest's entry: the fields that were set."""
        return {k: v for k, v in asdict(self).items() if v is not None}


def report_clip(entry: ClipEntry, reader: ClipReader, cut: WindowLog, by_time: bool, seq_len: int) -> None:
    """After a clip is read: record and log a stop, the scene cuts, or a clip too short for a window."""
    rel = reader.clip.rel
    if reader.stopped and not cut.frames and not by_time:
        entry.skipped = f"not readable ({reader.stopped})"
        log.warning("skipped %s: not readable (%s)", rel, reader.stopped)
        return
    if reader.stopped:
        entry.truncated = reader.stopped
        log.warning("%s: %s; its first %d frames are used", rel, reader.stopped, reader.read)
    if cut.cuts:
        log.info(
            "%s: %d scene cuts (before kept frames %s); %d windows across them dropped",
            rel,
            len(cut.cuts),
            ", ".join(map(str, cut.cuts)),
            cut.dropped,
        )
    if not cut.windows:
        part = f" its {entry.split} part:" if by_time else ""
        entry.skipped = f"{part.strip(' :') or 'the clip'}: {cut.frames} kept frames, shorter than one window"
        log.warning(
            "skipped%s %s: %d kept frames, shorter than one window (seq_len %d, one frame in %.4g)",
            part,
            rel,
            cut.frames,
            seq_len,
            entry.step,
        )


def examples(entries: list[ClipEntry], value: Callable[[ClipEntry], str]) -> list[str]:
    """Each distinct value with the first file that has it: '64x48 (street.mp4 +2)'."""
    files: dict[str, list[str]] = {}
    for entry in entries:
        files.setdefault(value(entry), []).append(entry.file)
    return [f"{v} ({f[0]}{f' +{len(f) - 1}' if len(f) > 1 else ''})" for v, f in sorted(files.items())]
