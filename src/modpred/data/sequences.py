"""Pixel sequences on disk: uint8 HDF5, (N, T, C, H, W), chunked one sequence per chunk."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import h5py
import numpy as np

from modpred.atomic import atomic_path
from modpred.errors import UserError

FRAMES = "frames"


def write_sequences(path: str | Path, frames: np.ndarray, **attrs: Any) -> None:
    """Write a whole uint8 (N, T, C, H, W) array (see `write_sequence_stream`)."""
    if frames.dtype != np.uint8 or frames.ndim != 5:
        raise ValueError(f"expected uint8 (N, T, C, H, W), got {frames.dtype} {frames.shape}")
    write_sequence_stream(path, frames, frames.shape[1:], **attrs)


def write_sequence_stream(
    path: str | Path, sequences: Iterable[np.ndarray], shape: tuple[int, ...], **attrs: Any
) -> int:
    """Append uint8 sequences of `shape` (T, C, H, W) one by one, so a dataset never has to fit in memory.

    Written atomically; h5py writes identical bytes for identical data, so DVC sees no change.
    """
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
            f.attrs[key] = value
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


def sequence_layout(path: Path) -> tuple[int, int, int]:
    """(input_len, seq_len, image) recorded by generate in the sequences file."""
    keys = ("input_len", "seq_len", "image")
    with open_h5(path) as f:
        missing = [k for k in keys if k not in f.attrs]
        if missing:
            raise UserError(
                f"{path} lacks the attribute '{missing[0]}' that `generate` writes: not a sequences file of "
                "this project (regenerate it with `dvc repro generate`)"
            )
        attrs: Any = f.attrs
        input_len, seq_len, image = int(attrs["input_len"]), int(attrs["seq_len"]), int(attrs["image"])
        shape = tuple(_dataset(f, path, FRAMES).shape)
        if len(shape) != 5 or shape[1] != seq_len or shape[3:] != (image, image) or not 0 < input_len < seq_len:
            layout = f"seq_len {seq_len}, input_len {input_len}, image {image}"
            raise UserError(
                f"{path} contradicts itself: it records {layout}, but its frames are "
                f"{'x'.join(map(str, shape))} (N, T, C, H, W); regenerate it with `dvc repro generate`"
            )
        return input_len, seq_len, image
