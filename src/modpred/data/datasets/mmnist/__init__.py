"""MovingMNIST: rendered from MNIST digits, or its test split read from the standard file."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from modpred.data.datasets import DatasetSpec
from modpred.data.datasets.mmnist.digits import load_digit_pools
from modpred.data.datasets.mmnist.moving_mnist import MovingMnistConfig, moving_mnist
from modpred.data.sequences import SequenceLayout, write_sequences
from modpred.errors import UserError

NAME = __name__.rsplit(".", 1)[-1]  # a plug-in is named by its folder (`modpred.plugins`)


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


def write_mmnist(cfg: MovingMnistConfig, out: Path, key: str) -> dict[str, int]:
    train_digits, test_digits = load_digit_pools(cfg.digits, cfg.seed)
    rng = np.random.default_rng(cfg.seed)
    layout = SequenceLayout(cfg.input_len, cfg.seq_len, cfg.image)
    train = moving_mnist(train_digits, cfg.num_train, cfg, rng, desc="generate train")
    if cfg.test_file:
        test, source = standard_mmnist_test(Path(cfg.test_file), cfg), Path(cfg.test_file).name
    else:
        test, source = moving_mnist(test_digits, cfg.num_test, cfg, rng, desc="generate test"), "generated"
    write_sequences(out / "train.h5", train, layout, dataset=NAME, split="train", source="generated")
    write_sequences(out / "test.h5", test, layout, dataset=NAME, split="test", source=source)
    return {"train": len(train), "test": len(test)}


DATASET = DatasetSpec(MovingMnistConfig, write_mmnist, source=lambda cfg: cfg.digits)  # test_file: not watched
