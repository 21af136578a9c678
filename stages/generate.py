"""generate@<dataset>: render the sequences and write train/test HDF5 files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import typer

from modpred import paths
from modpred.atomic import atomic_path
from modpred.data.digits import load_digit_pools
from modpred.data.moving_mnist import MovingMnistConfig, moving_mnist
from modpred.data.sequences import write_sequences
from modpred.errors import UserError
from modpred.params import DATASETS, ParamsFile, build_config, check_choice
from stages.app import ParamsOption, stage


@stage("generate")
def generate(dataset: str = typer.Argument(..., help="dataset name, e.g. mmnist"), params: Path = ParamsOption) -> None:
    """Generate a dataset's train and test sequences (uint8 HDF5, (N, T, 1, H, W))."""
    check_choice(dataset, DATASETS, "dataset")
    if dataset != "mmnist":
        raise UserError(f"dataset '{dataset}' has no generator yet (only mmnist)")
    key = f"data.{dataset}"
    cfg = build_config(MovingMnistConfig, ParamsFile(params).get(key), key)
    if cfg.input_len >= cfg.seq_len:
        raise UserError(f"params key '{key}.input_len' ({cfg.input_len}) must be below seq_len ({cfg.seq_len})")
    if cfg.image < 28 or cfg.image % 4:
        raise UserError(f"params key '{key}.image' ({cfg.image}) must be a multiple of 4 and at least 28")
    train_digits, test_digits = load_digit_pools(cfg.digits, cfg.seed)
    rng = np.random.default_rng(cfg.seed)
    attrs = {"dataset": dataset, "input_len": cfg.input_len, "seq_len": cfg.seq_len, "image": cfg.image}
    with atomic_path(paths.sequences_dir(dataset)) as tmp:
        tmp.mkdir()
        for split, digits, count in (("train", train_digits, cfg.num_train), ("test", test_digits, cfg.num_test)):
            frames = moving_mnist(digits, count, cfg, rng, desc=f"generate {split}")
            write_sequences(tmp / f"{split}.h5", frames, split=split, **attrs)
