"""A folder of videos, any, as a dataset: windows of `seq_len` frames, split by file or by time, gray or colour.

Every clip under `root` (`sources`: video files, GIFs, folders of numbered frames) is resampled
in time (`windows.resample`: to `fps` when set, each clip from its own container's rate, else
every `frame_step`-th frame), fitted frame by frame (`modpred.data.frames`: centred square,
resized to `image`, `channels` 1 or 3) and cut into windows (`windows`: every `stride` kept frames
in train, every `test_stride` in test, dropping windows across a scene cut). With `split: file`
a file belongs wholly to train or test: to test if its relative path matches one of the `test`
globs, or, when `test` is empty, if a stable hash of that path falls below `test_fraction`. With
`split: time` (one long recording) every clip gives both: its last `test_fraction` is test, and
one window's worth of frames before it belongs to neither. Training files matching a `val` glob are
the validation clips: their windows close `train.h5` (its `validation_windows` attribute counts
them), and the train cells score them for best-iterate selection and never train on them, so the
kept iterate is the one that did best on footage it has not seen. `manifest.json` beside the splits
records what each clip gave (its rate and step, frames, cuts, windows) and why a skipped one was.

Skipped with a warning naming the file: an empty file, one that is not a video, a clip shorter
than one window. Used with a warning: a truncated video (the frames before the damage), a gray
clip in a colour dataset (repeated to three channels), a clip slower than `fps` (all its frames
kept) or with no recorded rate (taken as `fps`). Logged: clips of different sizes or frame rates
(each is fitted alone). Stopped with one line: a folder with no clip, a split that ends up without
a window, frames of more than 16 bits, or a training split too small for `val_sequences`.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

import numpy as np
from tqdm.contrib.logging import logging_redirect_tqdm

from modpred.data.datasets import DatasetSpec
from modpred.data.datasets.videos.manifest import ClipEntry, examples, report_clip
from modpred.data.datasets.videos.sources import Clip, ClipReader, find_clips
from modpred.data.datasets.videos.windows import WindowLog, cut_windows, kept_count, resample, time_spans
from modpred.data.frames import CHANNELS, VIDEO_SUFFIXES, as_uint8, fit_frame, is_gray
from modpred.data.sequences import VALIDATION_WINDOWS, SequenceLayout, write_sequence_stream
from modpred.errors import UserError
from modpred.params import at_least, between, choice, positive
from modpred.progress import progress

log = logging.getLogger(__name__)
NAME = __name__.rsplit(".", 1)[-1]  # a plug-in is named by its folder (`modpred.plugins`)
MANIFEST = "manifest.json"


@dataclass(frozen=True)
class VideosConfig:
    root: str = ""  # the folder of clips (searched recursively)
    image: int = positive(default=64)
    seq_len: int = positive(default=20)
    input_len: int = positive(default=10)
    channels: int = choice(CHANNELS, default=1)
    stride: int = positive(default=5)  # kept frames between window starts (train)
    test_stride: int = at_least(0, default=0)  # ... in the test split; 0: seq_len, test windows share no frame
    frame_step: int = positive(default=1)  # keep every n-th frame of each clip (when fps is 0)
    fps: float = at_least(0.0, default=0.0)  # resample every clip in time to this rate (0: keep each clip's)
    split: str = choice(("file", "time"), default="file")
    test: list[str] = field(default_factory=list)  # split file: globs of relative paths (or names) of test files
    test_fraction: float = between(0.0, 1.0, default=0.2)  # file, no globs: share of files; time: of each clip
    val: list[str] = field(default_factory=list)  # split file: globs of training files held out for validation
    cut_threshold: float = at_least(0.0, default=30.0)  # scene-cut detection (0: off), see `windows`

    def __post_init__(self) -> None:
        for key in ("test", "val"):
            globs = getattr(self, key)
            if not isinstance(globs, list) or not all(isinstance(g, str) for g in globs):
                raise ValueError(f"'{key}' must be a list of glob strings, got {globs!r}")
        if self.fps and self.frame_step != 1:
            raise ValueError("set 'fps' (a rate every clip is resampled to) or 'frame_step', not both")
        if self.split == "time" and self.test:
            raise ValueError("'test' globs choose test files (split: file); split: time takes each clip's tail")
        if self.split == "time" and self.val:
            raise ValueError("'val' globs hold out training files (split: file); split: time has one file per clip")
        if self.split == "time" and not 0 < self.test_fraction < 1:
            raise ValueError(f"split: time needs 0 < test_fraction < 1, got {self.test_fraction}")

    @property
    def test_window_stride(self) -> int:
        return self.test_stride or self.seq_len


def in_test_split(rel: str, cfg: VideosConfig) -> bool:
    """A file's split, from its relative path alone: the same on every machine and every run."""
    if cfg.test:
        return _matches(rel, cfg.test)
    return _path_hash(rel) < cfg.test_fraction


def _matches(rel: str, globs: list[str]) -> bool:
    """Whether a relative path, or its file name alone, matches one of the globs."""
    name = rel.rsplit("/", 1)[-1]
    return any(fnmatch.fnmatchcase(rel, g) or fnmatch.fnmatchcase(name, g) for g in globs)


def _path_hash(rel: str) -> float:
    """A stable number in [0, 1) from a relative path: the file split's draw."""
    return int(hashlib.sha256(rel.encode()).hexdigest()[:12], 16) / 16**12


def _split_by_file(clips: list[Clip], cfg: VideosConfig) -> dict[str, list[Clip]]:
    """Each file wholly train or test. With no globs and few files the share can draw no test file
    (two clips at 0.2, most often) or no train file: then the file of highest draw is the test
    split, or the one of lowest the train split, and the log says so."""
    test = [c for c in clips if in_test_split(c.rel, cfg)]
    if not cfg.test and len(clips) >= 2 and len(test) in (0, len(clips)):
        drew = "no test file" if not test else "no train file"
        ranked = sorted(clips, key=lambda c: _path_hash(c.rel))
        test = [ranked[-1]] if not test else ranked[1:]
        log.warning(
            "test_fraction %s of %d files drew %s: testing on %s (set data.videos.test to choose)",
            cfg.test_fraction,
            len(clips),
            drew,
            ", ".join(c.rel for c in test),
        )
    return {"train": [c for c in clips if c not in test], "test": test}


def _validation_last(train: list[Clip], cfg: VideosConfig, key: str) -> tuple[list[Clip], int]:
    """The training clips with the validation clips (`val` globs) moved to the end, and how many those are."""
    held = [c for c in train if _matches(c.rel, cfg.val)]
    if cfg.val and not held:
        raise UserError(
            f"{key}.val {cfg.val} matches no training file ({', '.join(c.rel for c in train)}): "
            "name training files to hold out for validation, or set it to []"
        )
    if held and len(held) == len(train):
        raise UserError(f"{key}.val {cfg.val} matches every training file: leave at least one to train on")
    return [c for c in train if c not in held] + held, len(held)


def frame_step(reader: ClipReader, cfg: VideosConfig) -> float:
    """Clip frames per kept frame: the clip's rate over `fps`, or `frame_step` when no rate is asked for."""
    if not cfg.fps:
        return float(cfg.frame_step)
    if not reader.fps:
        log.warning("%s records no frame rate: taken as %g fps, every frame kept", reader.clip.rel, cfg.fps)
        return 1.0
    if reader.fps < cfg.fps:
        log.warning("%s is %g fps, slower than fps %g: every frame kept", reader.clip.rel, reader.fps, cfg.fps)
        return 1.0
    return reader.fps / cfg.fps


class _Footage:
    """The windows of a list of clips for one split, with a manifest entry per clip and what the log should say."""

    def __init__(self, cfg: VideosConfig, split: str) -> None:
        self.cfg, self.split = cfg, split
        self.stride = cfg.stride if split == "train" else cfg.test_window_stride
        self.entries: list[ClipEntry] = []

    def windows(self, clips: list[Clip], validation: int = 0) -> Iterator[np.ndarray]:
        """Every clip's windows in order; the last `validation` clips are marked validation clips."""
        cfg = self.cfg
        for index, clip in enumerate(progress(clips, f"videos {self.split}")):
            reader = ClipReader(clip)
            entry = ClipEntry(clip.rel, self.split, reader.fps, validation=index >= len(clips) - validation or None)
            self.entries.append(entry)
            if reader.problem:
                entry.skipped = reader.problem
                log.warning("skipped %s: %s", clip.rel, reader.problem)
                continue
            step = frame_step(reader, cfg)
            entry.step = round(step, 4)
            kept: Iterator[np.ndarray] = resample(reader, step)
            if cfg.split == "time":
                span = time_spans(kept_count(reader.frame_count(), step), cfg.test_fraction, cfg.seq_len)[self.split]
                entry.span = [span.start, span.stop]
                kept = islice(kept, span.start, span.stop)  # the train pass stops decoding at its span's end
            cut = WindowLog()
            yield from cut_windows(self._fitted(kept, reader, entry), cfg.seq_len, self.stride, cfg.cut_threshold, cut)
            entry.frames, entry.cuts, entry.windows, entry.dropped_at_cuts = (
                cut.frames,
                cut.cuts,
                cut.windows,
                cut.dropped,
            )
            report_clip(entry, reader, cut, cfg.split == "time", cfg.seq_len)

    def validation_windows(self) -> int:
        """Windows of the validation clips read so far: the tail of the training file."""
        return sum(e.windows or 0 for e in self.entries if e.validation)

    def _fitted(self, frames: Iterator[np.ndarray], reader: ClipReader, entry: ClipEntry) -> Iterator[np.ndarray]:
        """Fitted frames; a gray clip in a colour dataset is made gray exactly (its codec's chroma noise
        dropped) and repeated to three channels, as its first frame decides."""
        repeat = False
        for index, raw in enumerate(frames):
            try:
                frame = as_uint8(np.asarray(raw))
            except ValueError as exc:
                raise UserError(f"{reader.clip.rel}: {exc}") from None
            if index == 0:
                entry.size = f"{frame.shape[1]}x{frame.shape[0]}"
                entry.gray = is_gray(frame)
                repeat = self.cfg.channels == 3 and entry.gray
                if repeat:
                    log.warning(
                        "%s is gray in a colour dataset: its frames are repeated to 3 channels", reader.clip.rel
                    )
            fitted = fit_frame(frame, self.cfg.image, 1 if repeat else self.cfg.channels)
            yield np.repeat(fitted, 3, axis=0) if repeat else fitted


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
    if cfg.split == "time":  # every clip's head trains, its tail tests
        return {"train": clips, "test": clips}
    split = _split_by_file(clips, cfg)
    for name, chosen in split.items():
        if not chosen:
            how = f"globs {cfg.test}" if cfg.test else f"test_fraction {cfg.test_fraction}"
            raise UserError(
                f"{key}: no {name} file among the {len(clips)} clips under {root} with {how} "
                f"(a file is wholly train or test: set '{key}.test' to globs of the test files, "
                f"or '{key}.split: time' to test on each clip's tail)"
            )
    return split


def write_videos(cfg: VideosConfig, out: Path, key: str) -> dict[str, int]:
    split = _clips(cfg, key)
    layout = SequenceLayout(cfg.input_len, cfg.seq_len, cfg.image, cfg.channels)
    sizes: dict[str, int] = {}
    entries: list[ClipEntry] = []
    split["train"], validation = _validation_last(split["train"], cfg, key)
    for name, clips in split.items():
        footage = _Footage(cfg, name)
        held_out = validation if name == "train" else 0  # validation clips are training files
        held = {VALIDATION_WINDOWS: footage.validation_windows} if held_out else {}
        with logging_redirect_tqdm():  # a warning on its own line, not glued to the progress bar
            sizes[name] = write_sequence_stream(
                out / f"{name}.h5", footage.windows(clips, held_out), layout, dataset=NAME, split=name, **held
            )
        entries += footage.entries
        if held and sizes[name] == footage.validation_windows():
            raise UserError(f"no training window outside the validation clips {cfg.val} under {cfg.root}")
        if held and not footage.validation_windows():
            raise UserError(f"the validation clips {cfg.val} under {cfg.root} gave no window (warnings above)")
        if not sizes[name]:
            raise UserError(
                f"no {name} window of {cfg.seq_len} frames from the {len(clips)} {name} clips under {cfg.root} "
                f"({', '.join(c.rel for c in clips)}): each was skipped (warnings above) or is too short"
            )
    used = [e for e in entries if e.skipped is None]
    kinds = {
        "sizes": examples(used, lambda e: str(e.size)),
        "frame rates": examples([e for e in used if e.fps], lambda e: f"{e.fps:g} fps"),
    }
    mixed = {k: v for k, v in kinds.items() if len(v) > 1}
    if mixed:
        timing = (
            f"each resampled to {cfg.fps:g} fps" if cfg.fps else f"one frame in {cfg.frame_step} kept, at its own rate"
        )
        log.info(
            "clips of different %s (%s): each is fitted to %dx%d alone; %s",
            " and ".join(mixed),
            "; ".join(", ".join(v) for v in mixed.values()),
            cfg.image,
            cfg.image,
            timing,
        )
    gave = {name: len({e.file for e in entries if e.split == name and e.windows}) for name in sizes}
    summary = {"split": cfg.split, "fps": cfg.fps or None, "windows": sizes, "clips_with_windows": gave}
    records = [e.record() for e in entries]
    (out / MANIFEST).write_text(json.dumps(summary | {"clips": records}, indent=1) + "\n")
    return sizes | {"test_clips": gave["test"], "test_overlap": int(cfg.test_window_stride < cfg.seq_len)}


DATASET = DatasetSpec(VideosConfig, write_videos, source=lambda cfg: cfg.root)
