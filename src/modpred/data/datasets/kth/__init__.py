"""KTH-Action: samples cut from the raw videos of persons 1-16 (train) and 17-25 (test)."""

from __future__ import annotations

from pathlib import Path

from modpred.data.datasets import DatasetSpec
from modpred.data.datasets.kth.videos import (
    FAST_ACTIONS,
    TEST_PERSONS,
    TRAIN_PERSONS,
    KthConfig,
    find_videos,
    kth_samples,
)
from modpred.data.sequences import SequenceLayout, write_sequence_stream
from modpred.errors import UserError

NAME = __name__.rsplit(".", 1)[-1]  # a plug-in is named by its folder (`modpred.plugins`)


def write_kth(cfg: KthConfig, out: Path, key: str) -> dict[str, int]:
    if not cfg.root:
        raise UserError(f"params key '{key}.root' must name the folder with the KTH videos")
    videos = find_videos(Path(cfg.root))
    layout = SequenceLayout(cfg.input_len, cfg.seq_len, cfg.image)
    sizes = {}
    for split, persons in (("train", TRAIN_PERSONS), ("test", TEST_PERSONS)):
        sizes[split] = write_sequence_stream(
            out / f"{split}.h5", kth_samples(videos, persons, cfg, f"kth {split}"), layout, dataset=NAME, split=split
        )
        if not sizes[split]:
            raise UserError(f"no KTH {split} samples of {cfg.seq_len} frames under {cfg.root}")
    tested = [v for v in videos if v.person in TEST_PERSONS]
    overlap = cfg.stride_fast < cfg.seq_len and any(v.action in FAST_ACTIONS for v in tested)
    return sizes | {"test_clips": len(tested), "test_overlap": int(overlap)}


DATASET = DatasetSpec(KthConfig, write_kth, source=lambda cfg: cfg.root)
