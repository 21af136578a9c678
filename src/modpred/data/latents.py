"""Encoding a dataset's pixel sequences into latent shards with the frozen VQ-VAE."""

from __future__ import annotations

import contextlib
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from modpred import paths
from modpred.atomic import atomic_path
from modpred.data.sequences import read_sequences, sequence_layout, stored_shape
from modpred.data.shards import codes_dtype, write_shard
from modpred.distributed import Dist
from modpred.models.vqvae import VQVAE, load_frozen_vqvae, to_unit
from modpred.params import positive
from modpred.progress import progress
from modpred.results import EncodeFacts


@dataclass(frozen=True)
class LatentsConfig:
    seqs_per_shard: int = positive(default=256)
    batch: int = positive(default=32)


def encode_dataset(dataset: str, cfg: LatentsConfig, dist: Dist) -> EncodeFacts | None:
    """Encode both splits of `dataset` into data/<ds>/modular/{train,test}/, with a copy of the VQ-VAE
    beside them, and return what it cost (None on ranks other than 0). Under torchrun the shards are
    split across the ranks, each writing into rank 0's temporary folder, renamed into place at the end."""
    began = time.perf_counter()
    checkpoint = paths.vqvae_checkpoint(dataset)
    device = dist.device()
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
    return EncodeFacts(time.perf_counter() - began, dist.world) if dist.main else None


@torch.no_grad()
def encode_split(
    vqvae: VQVAE,
    vqvae_sha256: str,
    source: Path,
    folder: Path,
    cfg: LatentsConfig,
    device: torch.device,
    rank: int = 0,
    world: int = 1,
) -> int:
    """Write `folder/shard-00000.h5`, ... for the sequences in `source`; return how many this rank wrote.

    Under torchrun, rank r encodes and writes shards r, r + world, ...; together they write all.
    Only one shard's sequences are in memory at a time, however long the split.
    """
    layout = sequence_layout(source)
    n, t = stored_shape(source)[0], layout.seq_len
    grid = vqvae.grid(layout.image)
    folder.mkdir(parents=True, exist_ok=True)
    mine = list(range(0, n, cfg.seqs_per_shard))[rank::world]
    for first in progress(mine, f"encode {folder.name}", enabled=rank == 0):
        block = read_sequences(source, first, first + cfg.seqs_per_shard)  # one shard in memory at a time
        codes = np.empty((len(block), t, grid, grid), dtype=codes_dtype(vqvae.cfg.num_codes))
        for start in range(0, len(block), cfg.batch):
            x = to_unit(torch.from_numpy(block[start : start + cfg.batch])).to(device)
            codes[start : start + len(x)] = vqvae.encode(x.flatten(0, 1)).view(len(x), t, grid, grid).cpu().numpy()
        write_shard(
            folder / f"shard-{first // cfg.seqs_per_shard:05d}.h5",
            codes,
            vqvae_sha256,
            first_sequence=first,
            num_codes=vqvae.cfg.num_codes,
            code_dim=vqvae.cfg.code_dim,
            grid=grid,
            layout=layout,
        )
    return len(mine)
