"""Make a dataset's train and test splits as uint8 HDF5 sequence files in one folder."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from modpred.data.digits import load_digit_pools
from modpred.data.kth import TEST_PERSONS, TRAIN_PERSONS, KthConfig, find_videos, kth_samples
from modpred.data.moving_mnist import MovingMnistConfig, moving_mnist
from modpred.data.sequences import write_sequence_stream, write_sequences
from modpred.errors import UserError
from modpred.params import build_config


def _check_layout(cfg: MovingMnistConfig | KthConfig, key: str) -> None:
    if cfg.input_len >= cfg.seq_len:
        raise UserError(f"params key '{key}.input_len' ({cfg.input_len}) must be below seq_len ({cfg.seq_len})")
    if cfg.image < 28 or cfg.image % 4:
        raise UserError(f"params key '{key}.image' ({cfg.image}) must be a multiple of 4 and at least 28")


def standard_mmnist_test(path: Path, cfg: MovingMnistConfig) -> np.ndarray:
    """The standard MovingMNIST test file (mnist_test_seq.npy, (20, N, 64, 64)) as (N', 20, 1, 64, 64)."""
    if not path.is_file():
        raise UserError(f"MovingMNIST test file not found: {path} (data.mmnist.test_file)")
    try:
        raw = np.load(path, mmap_mode="r", allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise UserError(f"unreadable MovingMNIST test file {path}: {exc}") from None
    if raw.ndim != 4 or raw.shape[0] != cfg.seq_len or raw.shape[2:] != (cfg.image, cfg.image):
        raise UserError(f"{path} has shape {raw.shape}; expected ({cfg.seq_len}, N, {cfg.image}, {cfg.image})")
    return np.ascontiguousarray(raw[:, : cfg.num_test].transpose(1, 0, 2, 3)[:, :, None]).astype(np.uint8)


def generate_dataset(dataset: str, section: Any, out: Path) -> dict[str, int]:
    """Write `out/train.h5` and `out/test.h5` for `dataset` from its params section; return the sizes."""
    key = f"data.{dataset}"
    if dataset == "mmnist":
        cfg = build_config(MovingMnistConfig, section, key)
        _check_layout(cfg, key)
        train_digits, test_digits = load_digit_pools(cfg.digits, cfg.seed)
        rng = np.random.default_rng(cfg.seed)
        attrs = {"dataset": dataset, "input_len": cfg.input_len, "seq_len": cfg.seq_len, "image": cfg.image}
        train = moving_mnist(train_digits, cfg.num_train, cfg, rng, desc="generate train")
        if cfg.test_file:
            test, source = standard_mmnist_test(Path(cfg.test_file), cfg), Path(cfg.test_file).name
        else:
            test, source = moving_mnist(test_digits, cfg.num_test, cfg, rng, desc="generate test"), "generated"
        write_sequences(out / "train.h5", train, split="train", source="generated", **attrs)
        write_sequences(out / "test.h5", test, split="test", source=source, **attrs)
        return {"train": len(train), "test": len(test)}
    if dataset == "kth":
        cfg = build_config(KthConfig, section, key)
        _check_layout(cfg, key)
        if not cfg.root:
            raise UserError(f"params key '{key}.root' must name the folder with the KTH videos")
        videos = find_videos(Path(cfg.root))
        attrs = {"dataset": dataset, "input_len": cfg.input_len, "seq_len": cfg.seq_len, "image": cfg.image}
        shape = (cfg.seq_len, 1, cfg.image, cfg.image)
        sizes = {}
        for split, persons in (("train", TRAIN_PERSONS), ("test", TEST_PERSONS)):
            sizes[split] = write_sequence_stream(
                out / f"{split}.h5", kth_samples(videos, persons, cfg, f"kth {split}"), shape, split=split, **attrs
            )
            if not sizes[split]:
                raise UserError(f"no KTH {split} samples of {cfg.seq_len} frames under {cfg.root}")
        return sizes
    raise UserError(f"dataset '{dataset}' has no generator")
