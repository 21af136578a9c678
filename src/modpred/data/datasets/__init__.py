"""The datasets, one plug-in each: the package `data/datasets/<name>/` defines `DATASET = DatasetSpec(...)`.

With its `data.<name>` section in params.yaml and its name in `datasets:`, `dvc repro` generates,
encodes, trains on and reports it; nothing else names it. A dataset's readers live in its own
folder (`mmnist/`: digit sources and the renderer; `kth/`: the KTH reader; `videos/`: any folder of
clips), and only its
`generate` stage depends on that folder, so adding or editing one dataset reruns nothing of the
others (tests/test_dvc_deps.py and a real-DVC test in tests/test_pipeline_e2e.py check it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from modpred.params import build_config
from modpred.plugins import DATASETS, load_plugin


@dataclass(frozen=True)
class DatasetSpec:
    """A dataset's config class (a frozen dataclass with `seq_len`, `input_len` and `image`) and its
    writer: `write(cfg, out, key)` writes `out/train.h5` and `out/test.h5` (uint8 (N, T, C, H, W), C 1
    or 3, `data.sequences`) and returns {"train": N, "test": N}, plus, for windows cut from clips,
    "test_clips" (how many clips the test windows come from) and "test_overlap" (1 if a clip's test
    windows share frames): what the report's intervals rest on (`results.DataFacts`). `key` names
    the params section in errors. `source(cfg)` names the folder the writer reads ("" for none):
    the `link_source` stage links it into `data/<name>/source`, so DVC hashes its files and a clip
    added, changed or removed reruns `generate`."""

    config: type
    write: Callable[[Any, Path, str], dict[str, int]]
    source: Callable[[Any], str] = lambda cfg: ""


VQVAE_KEY = "vqvae"  # in a `data.<name>` section: that dataset's overrides of `vqvae.model`, read by pretrain_vqvae
TRAIN_KEY = "train"  # ... of every `train.<predictor>` section's trainer keys, read by train
EVALUATE_KEY = "evaluate"  # ... of the `evaluate` section, read by evaluate (and train: its `modular_decode`)
OVERRIDES = (VQVAE_KEY, TRAIN_KEY, EVALUATE_KEY)  # not the writer's: a dataset's defaults for the later stages


def dataset_spec(name: str) -> DatasetSpec:
    return load_plugin(DATASETS, name, "DATASET", "dataset")


class DatasetConfig(Protocol):
    """What every dataset's config has: the sequence layout `generate` writes (colour ones add `channels`)."""

    @property
    def input_len(self) -> int: ...

    @property
    def seq_len(self) -> int: ...

    @property
    def image(self) -> int: ...


def dataset_config(name: str, section: object, key: str) -> DatasetConfig:
    """The dataset's typed config from its `data.<name>` section, less its overrides of later stages (`OVERRIDES`)."""
    if isinstance(section, dict):
        section = {k: v for k, v in section.items() if k not in OVERRIDES}
    return build_config(dataset_spec(name).config, section, key)
