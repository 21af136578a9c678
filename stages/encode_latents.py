"""encode_latents@<dataset>: the frozen VQ-VAE turns every frame into codes, written as HDF5 shards."""

from __future__ import annotations

from pathlib import Path

from modpred import paths
from modpred.data.latents import LatentsConfig, encode_dataset
from modpred.distributed import init_distributed
from modpred.params import ParamsFile, build_config
from stages.app import DatasetArg, ParamsOption, check_dataset, stage


@stage("encode-latents")
def encode_latents(dataset: str = DatasetArg, params: Path = ParamsOption) -> None:
    """Encode train and test sequences to code-index shards, stamped with the VQ-VAE's hash.

    Reads data/DATASET/base/ and data/DATASET/vqvae/model.pt; settings: the `latents` params section.
    Writes data/DATASET/modular/{train,test}/shard-*.h5 and a copy of the VQ-VAE beside them, and
    metrics/runs/DATASET/encode.json (the seconds it took: part of the modular models' cost). Under
    `torchrun --nproc_per_node N` the shards are split across the N processes.
    """
    check_dataset(dataset)
    cfg = build_config(LatentsConfig, ParamsFile(params).get("latents"), "latents")
    facts = encode_dataset(dataset, cfg, init_distributed())
    if facts is not None:  # rank 0
        facts.write(paths.encode_metrics(dataset))
