"""Pixel sequences on disk: uint8 HDF5, (N, T, C, H, W), chunked one sequence per chunk."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, MutableMapping
from dataclasses import asdict
from pathlib import Path
from typing import Any

import h5py
import numpy as np

from modpred.atomic import atomic_path
from modpred.errors import UserError
from modpred.layout import SequenceLayout  # plug-in datasets import it from here too

FRAMES = "frames"
VALIDATION_WINDOWS = "validation_windows"  # a training file's attribute: its tail comes from validation clips


def write_layout(attrs: MutableMapping[str, object], layout: SequenceLayout) -> None:
    """Record `layout` in an HDF5 header (a sequences file's or a shard's)."""
    for key, value in asdict(layout).items():
        attrs[key] = value


def read_layout(attrs: Mapping[str, Any], path: str | Path) -> SequenceLayout:
    """The layout an HDF5 header records; a one-line error naming the first missing key."""
    keys = ("input_len", "seq_len", "image")
    missing = [k for k in keys if k not in attrs]
    if missing:
        raise UserError(
            f"{path} lacks the attribute '{missing[0]}' that `generate` writes: not a sequences file of "
            "this project (regenerate it with `dvc repro generate`)"
        )
    channels = int(attrs["channels"]) if "channels" in attrs else 1  # files written before it was recorded
    return SequenceLayout(int(attrs["input_len"]), int(attrs["seq_len"]), int(attrs["image"]), channels)


def write_sequences(path: str | Path, frames: np.ndarray, layout: SequenceLayout, **attrs: object) -> None:
    """Write a whole uint8 (N, T, C, H, W) array (see `write_sequence_stream`)."""
    if frames.dtype != np.uint8 or frames.ndim != 5 or frames.shape[1:] != layout.frame_shape:
        expected = "x".join(map(str, layout.frame_shape))
        raise ValueError(f"expected uint8 (N, T, C, H, W) of N x {expected}, got {frames.dtype} {frames.shape}")
    write_sequence_stream(path, frames, layout, **attrs)


def write_sequence_stream(
    path: str | Path, sequences: Iterable[np.ndarray], layout: SequenceLayout, **attrs: object
) -> int:
    """Append uint8 sequences of the layout's (T, C, H, W) one by one, so a dataset never has to fit in
    memory; the header records the layout and `attrs` (dataset, split, source; a callable is asked for
    its value after the last sequence, for a count the stream learns as it goes).

    Written atomically; h5py writes identical bytes for identical data, so DVC sees no change.
    """
    shape = layout.frame_shape
    count = 0
    with atomic_path(path) as tmp, h5py.File(tmp, "w", track_order=True) as f:
        data = f.create_dataset(
            FRAMES,
            shape=(0, *shape),
            maxshape=(None, *shape),
            dtype=np.uint8,
            chunks=(1, *shape),
            compression="gzip",
            compression_opts=4,
            shuffle=True,
        )
        for seq in sequences:
            data.resize(count + 1, axis=0)
            data[count] = seq
            count += 1
        for key, value in attrs.items():
            f.attrs[key] = value() if callable(value) else value
        write_layout(f.attrs, layout)
    return count


def read_sequences(path: str | Path, start: int = 0, stop: int | None = None) -> np.ndarray:
    """Load sequences `start`..`stop` (all by default) into memory as uint8 (N, T, C, H, W).

    Only the rows asked for are read (chunks hold one sequence each).
    """
    with open_h5(path) as f:
        try:
            return np.asarray(_dataset(f, path, FRAMES)[start:stop])
        except OSError as exc:
            raise UserError(f"corrupt HDF5 file {path}: {str(exc).splitlines()[0]}") from None


def validation_windows(path: str | Path) -> int:
    """How many sequences at the end of a training file come from clips held out for validation (0: none)."""
    with open_h5(path) as f:
        return int(f.attrs.get(VALIDATION_WINDOWS, 0))


def stored_shape(path: str | Path) -> tuple[int, ...]:
    """The (N, T, C, H, W) of a file's frames, read from its header alone."""
    with open_h5(path) as f:
        return tuple(int(d) for d in _dataset(f, path, FRAMES).shape)


def open_h5(path: str | Path) -> h5py.File:
    """Open an HDF5 file for reading, turning a missing or corrupt file into a one-line error."""
    path = Path(path)
    if not path.is_file():
        raise UserError(f"missing input file: {path} (run `dvc repro` for the stage that makes it)")
    try:
        return h5py.File(path, "r")
    except OSError as exc:
        raise UserError(f"corrupt HDF5 file {path}: {str(exc).splitlines()[0]}") from None


def _dataset(f: h5py.File, path: str | Path, name: str) -> h5py.Dataset:
    if name not in f:
        raise UserError(f"corrupt HDF5 file {path}: no '{name}' dataset")
    return f[name]


def sequence_layout(path: str | Path) -> SequenceLayout:
    """The layout recorded by generate in a sequences file, checked against its frames."""
    with open_h5(path) as f:
        layout = read_layout(f.attrs, path)
        shape = tuple(_dataset(f, path, FRAMES).shape)
        if len(shape) != 5 or shape[1:] != layout.frame_shape or not 0 < layout.input_len < layout.seq_len:
            recorded = (
                f"seq_len {layout.seq_len}, input_len {layout.input_len}, image {layout.image}, "
                f"channels {layout.channels}"
            )
            raise UserError(
                f"{path} contradicts itself: it records {recorded}, but its frames are "
                f"{'x'.join(map(str, shape))} (N, T, C, H, W); regenerate it with `dvc repro generate`"
            )
        return layout
