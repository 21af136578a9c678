"""encode_latents@<dataset>: the frozen VQ-VAE turns every frame into codes, written as HDF5 shards."""

from __future__ import annotations

import contextlib
import shutil
import time
from pathlib import Path

from modpred import paths
from modpred.atomic import atomic_path
from modpred.data.latents import LatentsConfig, encode_split
from modpred.models.vqvae import load_frozen_vqvae
from modpred.params import ParamsFile, build_config
from modpred.results import EncodeFacts
from modpred.training.distributed import init_distributed
from stages.app import DatasetArg, ParamsOption, check_dataset, stage


@stage("encode-latents")
def encode_latents(dataset: str = DatasetArg, params: Path = ParamsOption) -> None:
    """Encode train and test sequences to code-index shards, stamped with the VQ-VAE's hash.

    Reads data/DATASET/base/ and data/DATASET/vqvae/model.pt; settings: the `latents` params section.
    Writes data/DATASET/modular/{train,test}/shard-*.h5 and a copy of the VQ-VAE beside them, and
    metrics/runs/DATASET/encode.json (the seconds it took: part of the modular models' cost). Under
    `torchrun --nproc_per_node N` the shards are split across the N processes.
    """
    began = time.perf_counter()
    check_dataset(dataset)
    cfg = build_config(LatentsConfig, ParamsFile(params).get("latents"), "latents")
    dist = init_distributed()
    device = dist.device()
    checkpoint = paths.vqvae_checkpoint(dataset)
    vqvae, sha = load_frozen_vqvae(checkpoint, device)
    with contextlib.ExitStack() as stack:
        tmp = stack.enter_context(atomic_path(paths.latents_dir(dataset))) if dist.main else None
        tmp = Path(str(dist.broadcast(str(tmp) if tmp else None)))  # every rank writes into rank 0's folder
        for split in paths.SPLITS:
            encode_split(
                vqvae, sha, paths.sequences_file(dataset, split), tmp / split, cfg, device, dist.rank, dist.world
            )
        dist.barrier()  # all shards written before rank 0 renames the folder into place
        if dist.main:
            shutil.copyfile(checkpoint, tmp / paths.FROZEN_VQVAE_FILE)  # same bytes: DVC stores it once
    if dist.main:
        EncodeFacts(time.perf_counter() - began, dist.world).write(paths.encode_metrics(dataset))
