"""Make a dataset's train and test splits as uint8 HDF5 sequence files in one folder."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from modpred.data.datasets import dataset_config, dataset_spec
from modpred.errors import UserError


def _check_layout(cfg: Any, key: str) -> None:
    if cfg.input_len >= cfg.seq_len:
        raise UserError(f"params key '{key}.input_len' ({cfg.input_len}) must be below seq_len ({cfg.seq_len})")
    if cfg.image < 28 or cfg.image % 4:
        raise UserError(f"params key '{key}.image' ({cfg.image}) must be a multiple of 4 and at least 28")


def generate_dataset(dataset: str, section: Any, out: Path) -> dict[str, int]:
    """Write `out/train.h5` and `out/test.h5` for `dataset` from its params section; return the sizes."""
    key = f"data.{dataset}"
    cfg: Any = dataset_config(dataset, section, key)
    _check_layout(cfg, key)
    return dataset_spec(dataset).write(cfg, out, key)
