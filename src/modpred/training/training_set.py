"""What a train cell trains and validates on, read for its space: one loader per mode.

- base: the pixel sequences; the pool holds uint8 frames (refused, with the size needed, when they
  would not fit in memory), the data identity is their hash, and the validation frames are the
  pool's held-out tail.
- modular: the latent shards and the frozen VQ-VAE beside them; the pool holds int16 code indices
  (4x smaller than int64), the identity is the VQ-VAE's hash and the codes' hash, and the
  validation frames are read from the pixel file (validation scores pixels, as evaluate does).

`load_training_set` picks the loader by mode (`LOADERS`, beside the spaces of `models.spaces` and
the records of `modpred.modes`), so the cell itself never asks which mode it is in.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from modpred import paths
from modpred.data.sequences import (
    SequenceLayout,
    read_sequences,
    sequence_layout,
    stored_shape,
    validation_windows,
)
from modpred.data.shards import read_shards
from modpred.errors import UserError
from modpred.models import count_params
from modpred.models.contract import Batch
from modpred.models.spaces import LatentSpace, PixelSpace, Space
from modpred.models.vqvae import frozen_vqvae_quality, load_frozen_vqvae
from modpred.results import VqvaeQuality
from modpred.training.cell_config import CellConfig
from modpred.training.compute import check_fits_in_memory, place_dataset

log = logging.getLogger(__name__)

MAX_VALIDATION_SHARE = 5  # at most 1/5 of the training pool is held out for best-iterate selection


@dataclass
class TrainingSet:
    space: Space
    pool: np.ndarray  # every training sequence as the space stores it (validation ones at the end)
    layout: SequenceLayout
    identity: list[str]  # hashes of what was read: with the params, what a resumed run must share
    frozen_params: int  # parameters of the frozen VQ-VAE (0 on pixels)
    vqvae_sha256: str | None  # the frozen VQ-VAE's identity (None on pixels), for the model card
    vqvae_quality: VqvaeQuality | None  # its quality as pretrain_vqvae measured it (None on pixels), for the card
    validation_frames: Callable[[int], np.ndarray]  # first held-out index -> their uint8 pixel frames
    validation_clips: int = 0  # sequences at the pool's end cut from clips held out for validation (0: none)

    def held_out_from(self, val_sequences: int, key: str) -> int:
        """Index where the held-out validation sequences begin: the validation clips' windows when the
        dataset holds clips out (never trained on, scored when `val_sequences` is not 0), else the last
        `val_sequences`.

        Never more than a fifth of the pool, so a small dataset (a few clips of footage) holds out a
        fifth and trains on the rest instead of stopping after the VQ-VAE has been pretrained.
        """
        if self.validation_clips:
            if not val_sequences:
                log.info("'%s.val_sequences' is 0: the validation clips are not scored (nor trained on)", key)
            return len(self.pool) - self.validation_clips
        held = min(val_sequences, len(self.pool) // MAX_VALIDATION_SHARE)
        if held < val_sequences:
            log.warning(
                "params key '%s.val_sequences' (%d) is over a fifth of the %d training sequences: holding out %d%s",
                key,
                val_sequences,
                len(self.pool),
                held,
                "" if held else " (the last iterate is kept)",
            )
        return len(self.pool) - held

    def sampler(self, end: int, batch: int, device: torch.device) -> Callable[[torch.Generator], Batch]:
        """Draws `batch` sequences of the pool's first `end` with a generator: in model space, and as
        the pool holds them (the codes loss takes its targets from there)."""
        data = place_dataset(torch.from_numpy(self.pool[:end]), device)

        def sample(gen: torch.Generator) -> Batch:
            pick = torch.randint(len(data), (batch,), generator=gen).to(data.device)
            drawn = data[pick].to(device, non_blocking=True)
            return Batch(self.space.from_pool(drawn), drawn)

        return sample


def pixel_training_set(ds: str, cell: CellConfig, device: torch.device, root: Path) -> TrainingSet:
    train_file = root / paths.sequences_file(ds, "train")
    layout = sequence_layout(train_file)
    cell.check_patch(layout.image)
    check_fits_in_memory(stored_shape(train_file), 1, f"the training split {train_file}")
    frames = read_sequences(train_file)
    return TrainingSet(
        space=PixelSpace(cell.space.patch, layout.image, layout.channels),
        pool=frames,
        layout=layout,
        identity=[hashlib.sha256(frames.tobytes()).hexdigest()],
        frozen_params=0,
        vqvae_sha256=None,
        vqvae_quality=None,
        validation_frames=lambda start: frames[start:],
        validation_clips=validation_windows(train_file),
    )


def latent_training_set(ds: str, cell: CellConfig, device: torch.device, root: Path) -> TrainingSet:
    folder = root / paths.latents_dir(ds)
    vqvae, sha = load_frozen_vqvae(root / paths.frozen_vqvae(ds), device)
    codes, layout = read_shards(folder, "train", sha, vqvae.cfg.num_codes)
    train_file = root / paths.sequences_file(ds, "train")

    def validation_frames(start: int) -> np.ndarray:
        frames = read_sequences(train_file, start=start)
        if len(frames) != len(codes) - start:
            raise UserError(f"{train_file} and the latent shards hold different numbers of sequences; rerun the DAG")
        return frames

    return TrainingSet(
        space=LatentSpace(vqvae, layout.image, cell.decode, vqvae_sha256=sha),
        pool=codes,
        layout=layout,
        identity=[sha, hashlib.sha256(codes.tobytes()).hexdigest()],
        frozen_params=count_params(vqvae, trainable=False),
        vqvae_sha256=sha,
        vqvae_quality=frozen_vqvae_quality(root / paths.frozen_vqvae(ds)),
        validation_frames=validation_frames,
        validation_clips=validation_windows(train_file),
    )


LOADERS: dict[str, Callable[[str, CellConfig, torch.device, Path], TrainingSet]] = {
    PixelSpace.mode: pixel_training_set,
    LatentSpace.mode: latent_training_set,
}


def load_training_set(ds: str, cell: CellConfig, device: torch.device, root: Path = Path(".")) -> TrainingSet:
    """The cell's training set; a split that holds no sequence is a one-line error (nothing to train on)."""
    data = LOADERS[cell.mode](ds, cell, device, root)
    if not len(data.pool):
        raise UserError(
            f"the training split {root / paths.sequences_file(ds, 'train')} holds no sequence: nothing to train on "
            f"(rerun `generate` with clips long enough for data.{ds}.seq_len)"
        )
    return data
