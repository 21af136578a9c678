"""Any folder of videos as a dataset: windows of `seq_len` frames, split by file, gray or colour.

Every clip under `root` (`sources`: video files, GIFs, folders of numbered frames) is fitted frame
by frame (`modpred.data.frames`: centred square, resized to `image`, `channels` 1 or 3) and cut
into windows (`windows`: every `stride` kept frames, keeping every `frame_step`-th frame,
dropping windows across a scene cut). A file belongs wholly to train or test, never both: to
test if its relative path matches one of the `test` globs, or, when `test` is empty, if a stable
hash of that path falls below `test_fraction`. `manifest.json` beside the splits records what each
file gave (frames, cuts, windows) and why a skipped file was skipped.

Skipped with a warning naming the file: an empty file, one that is not a video, a clip shorter
than one window. Used with a warning: a truncated video (the frames before the damage), a gray
clip in a colour dataset (repeated to three channels). Logged: clips of different sizes or frame
rates (each is fitted alone; frames are never resampled in time). Stopped with one line: a folder
with no clip, or a split that ends up without a window.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from tqdm.contrib.logging import logging_redirect_tqdm

from modpred.data.datasets import DatasetSpec
from modpred.data.datasets.videos.sources import Clip, ClipReader, find_clips
from modpred.data.datasets.videos.windows import WindowLog, cut_windows
from modpred.data.frames import CHANNELS, VIDEO_SUFFIXES, fit_frame, is_gray
from modpred.data.sequences import write_sequence_stream
from modpred.errors import UserError
from modpred.params import at_least, between, choice, positive
from modpred.progress import progress

log = logging.getLogger(__name__)
MANIFEST = "manifest.json"


@dataclass(frozen=True)
class VideosConfig:
    root: str = ""  # the folder of clips (searched recursively)
    image: int = positive(default=64)
    seq_len: int = positive(default=20)
    input_len: int = positive(default=10)
    channels: int = choice(CHANNELS, default=1)
    stride: int = positive(default=5)  # kept frames between window starts
    frame_step: int = positive(default=1)  # keep every n-th frame of each clip
    test: list[str] = field(default_factory=list)  # globs of relative paths (or file names) for the test split
    test_fraction: float = between(0.0, 1.0, default=0.2)  # with no globs: the share of files, by path hash
    cut_threshold: float = at_least(0.0, default=30.0)  # scene-cut detection (0: off), see `windows`

    def __post_init__(self) -> None:
        if not isinstance(self.test, list) or not all(isinstance(g, str) for g in self.test):
            raise ValueError(f"'test' must be a list of glob strings, got {self.test!r}")


def in_test_split(rel: str, cfg: VideosConfig) -> bool:
    """A file's split, from its relative path alone: the same on every machine and every run."""
    if cfg.test:
        name = rel.rsplit("/", 1)[-1]
        return any(fnmatch.fnmatchcase(rel, g) or fnmatch.fnmatchcase(name, g) for g in cfg.test)
    return int(hashlib.sha256(rel.encode()).hexdigest()[:12], 16) / 16**12 < cfg.test_fraction


class _Footage:
    """The windows of a list of clips, with a manifest entry per clip and what the log should say."""

    def __init__(self, cfg: VideosConfig, split: str) -> None:
        self.cfg, self.split = cfg, split
        self.entries: list[dict] = []

    def windows(self, clips: list[Clip]) -> Iterator[np.ndarray]:
        cfg = self.cfg
        for clip in progress(clips, f"videos {self.split}"):
            reader = ClipReader(clip)
            entry: dict = {"file": clip.rel, "split": self.split, "fps": reader.fps}
            self.entries.append(entry)
            if reader.problem:
                entry["skipped"] = reader.problem
                log.warning("skipped %s: %s", clip.rel, reader.problem)
                continue
            cut = WindowLog()
            yield from cut_windows(
                self._fitted(reader, entry), cfg.seq_len, cfg.stride, cfg.frame_step, cfg.cut_threshold, cut
            )
            entry.update(frames=cut.frames, cuts=cut.cuts, windows=cut.windows, dropped_at_cuts=cut.dropped)
            self._report(clip, reader, cut, entry)

    def _fitted(self, reader: ClipReader, entry: dict) -> Iterator[np.ndarray]:
        """Fitted frames; a gray clip in a colour dataset is made gray exactly (its codec's chroma noise
        dropped) and repeated to three channels, as its first frame decides."""
        repeat = False
        for index, frame in enumerate(reader):
            if index == 0:
                entry["size"] = f"{frame.shape[1]}x{frame.shape[0]}"
                entry["gray"] = is_gray(frame)
                repeat = self.cfg.channels == 3 and entry["gray"]
                if repeat:
                    log.warning(
                        "%s is gray in a colour dataset: its frames are repeated to 3 channels", reader.clip.rel
                    )
            fitted = fit_frame(np.asarray(frame), self.cfg.image, 1 if repeat else self.cfg.channels)
            yield np.repeat(fitted, 3, axis=0) if repeat else fitted

    def _report(self, clip: Clip, reader: ClipReader, cut: WindowLog, entry: dict) -> None:
        if reader.stopped and not cut.frames:
            entry["skipped"] = f"not readable ({reader.stopped})"
            log.warning("skipped %s: not readable (%s)", clip.rel, reader.stopped)
            return
        if reader.stopped:
            entry["truncated"] = reader.stopped
            log.warning("%s: %s; its first %d frames are used", clip.rel, reader.stopped, reader.read)
        if cut.cuts:
            log.info(
                "%s: %d scene cuts (before kept frames %s); %d windows across them dropped",
                clip.rel,
                len(cut.cuts),
                ", ".join(map(str, cut.cuts)),
                cut.dropped,
            )
        if not cut.windows:
            need = self.cfg.seq_len * self.cfg.frame_step
            entry["skipped"] = f"{cut.frames} kept frames, shorter than one window"
            log.warning(
                "skipped %s: %d kept frames, shorter than one window (seq_len %d x frame_step %d = %d frames)",
                clip.rel,
                cut.frames,
                self.cfg.seq_len,
                self.cfg.frame_step,
                need,
            )


def _clips(cfg: VideosConfig, key: str) -> dict[str, list[Clip]]:
    if not cfg.root:
        raise UserError(f"params key '{key}.root' must name a folder of videos (`python -m stages sample-videos`)")
    root = Path(cfg.root)
    if not root.is_dir():
        raise UserError(f"videos folder not found: {root} (params key '{key}.root')")
    clips = find_clips(root)
    if not clips:
        kinds = ", ".join((*VIDEO_SUFFIXES, ".gif", "folders of .png/.jpg frames"))
        raise UserError(f"no video under {root}: expected {kinds}")
    split = {"train": [c for c in clips if not in_test_split(c.rel, cfg)], "test": []}
    split["test"] = [c for c in clips if in_test_split(c.rel, cfg)]
    for name, chosen in split.items():
        if not chosen:
            how = f"globs {cfg.test}" if cfg.test else f"test_fraction {cfg.test_fraction}"
            raise UserError(
                f"{key}: no {name} file among the {len(clips)} clips under {root} with {how} "
                f"(a file is wholly train or test: set '{key}.test' to globs of the test files)"
            )
    return split


def _examples(entries: list[dict], value: Callable[[dict], str]) -> list[str]:
    """Each distinct value with the first file that has it: '64x48 (street.mp4 +2)'."""
    files: dict[str, list[str]] = {}
    for entry in entries:
        files.setdefault(value(entry), []).append(entry["file"])
    return [f"{v} ({f[0]}{f' +{len(f) - 1}' if len(f) > 1 else ''})" for v, f in sorted(files.items())]


def write_videos(cfg: VideosConfig, out: Path, key: str) -> dict[str, int]:
    split = _clips(cfg, key)
    attrs = {
        "dataset": "videos",
        "input_len": cfg.input_len,
        "seq_len": cfg.seq_len,
        "image": cfg.image,
        "channels": cfg.channels,
    }
    shape = (cfg.seq_len, cfg.channels, cfg.image, cfg.image)
    sizes, entries = {}, []
    for name, clips in split.items():
        footage = _Footage(cfg, name)
        with logging_redirect_tqdm():  # a warning on its own line, not glued to the progress bar
            sizes[name] = write_sequence_stream(out / f"{name}.h5", footage.windows(clips), shape, split=name, **attrs)
        entries += footage.entries
        if not sizes[name]:
            raise UserError(
                f"no {name} window of {cfg.seq_len} frames from the {len(clips)} {name} clips under {cfg.root} "
                f"({', '.join(c.rel for c in clips)}): each was skipped (warnings above) or is too short"
            )
    used = [e for e in entries if "skipped" not in e]
    kinds = {
        "sizes": _examples(used, lambda e: e["size"]),
        "frame rates": _examples([e for e in used if e["fps"]], lambda e: f"{e['fps']:g} fps"),
    }
    mixed = {k: v for k, v in kinds.items() if len(v) > 1}
    if mixed:
        log.info(
            "clips of different %s (%s): each is fitted to %dx%d alone; frames kept every %d, not resampled in time",
            " and ".join(mixed),
            "; ".join(", ".join(v) for v in mixed.values()),
            cfg.image,
            cfg.image,
            cfg.frame_step,
        )
    (out / MANIFEST).write_text(json.dumps({"windows": sizes, "clips": entries}, indent=1) + "\n")
    return sizes


DATASET = DatasetSpec(VideosConfig, write_videos)
