"""Latent shards: code indices of every frame, a fixed number of sequences per HDF5 file.

Each shard records the SHA-256 of the VQ-VAE checkpoint that made it and a SHA-256 of its own
codes, so latents from another VQ-VAE, or damaged on the way through a remote, are refused
instead of silently used.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import h5py
import numpy as np

from modpred.data.sequences import SequenceLayout, open_h5, read_layout, write_layout
from modpred.errors import UserError

CODES = "codes"


def codes_dtype(num_codes: int) -> np.dtype:
    return np.dtype(np.int16 if num_codes <= np.iinfo(np.int16).max else np.int32)


def write_shard(path: Path, codes: np.ndarray, vqvae_sha256: str, layout: SequenceLayout, **attrs: object) -> None:
    """One shard: codes (n, T, h, w), chunked one sequence per chunk, with its provenance and the
    layout of the pixel sequences it encodes."""
    with h5py.File(path, "w", track_order=True) as f:
        f.create_dataset(
            CODES, data=codes, chunks=(1, *codes.shape[1:]), compression="gzip", compression_opts=4, shuffle=True
        )
        f.attrs["vqvae_sha256"] = vqvae_sha256
        f.attrs["codes_sha256"] = hashlib.sha256(np.ascontiguousarray(codes).tobytes()).hexdigest()
        for key, value in attrs.items():
            f.attrs[key] = value
        write_layout(f.attrs, layout)


def shard_paths(folder: Path, split: str) -> list[Path]:
    paths = sorted((Path(folder) / split).glob("shard-*.h5"))
    if not paths:
        raise UserError(f"no latent shards in {Path(folder) / split} (run `dvc repro encode_latents`)")
    return paths


def read_shards(folder: Path, split: str, vqvae_sha256: str, num_codes: int) -> tuple[np.ndarray, SequenceLayout]:
    """Concatenate a split's shards, checking each against the VQ-VAE hash, its own checksum, and
    the codebook: a code index outside it would embed as an out-of-range lookup deep in training.
    Returns the codes and the layout of the sequences they encode."""
    parts: list[np.ndarray] = []
    layout: SequenceLayout | None = None
    for path in shard_paths(folder, split):
        with open_h5(path) as f:
            made_by = str(f.attrs.get("vqvae_sha256", ""))
            if made_by != vqvae_sha256:
                raise UserError(
                    f"stale latent shard {path}: made by VQ-VAE {made_by[:12]} but the current "
                    f"VQ-VAE is {vqvae_sha256[:12]}; rerun encode_latents"
                )
            if CODES not in f:
                raise UserError(f"corrupt latent shard {path}: no '{CODES}' dataset")
            try:
                codes = f[CODES][()]
            except OSError as exc:
                raise UserError(f"corrupt latent shard {path}: {str(exc).splitlines()[0]}") from None
            if hashlib.sha256(codes.tobytes()).hexdigest() != f.attrs.get("codes_sha256"):
                raise UserError(f"corrupt latent shard {path}: checksum mismatch")
            if codes.size and (int(codes.min()) < 0 or int(codes.max()) >= num_codes):
                raise UserError(
                    f"corrupt latent shard {path}: code indices {int(codes.min())}..{int(codes.max())} fall outside "
                    f"the VQ-VAE's {num_codes} codes; rerun encode_latents"
                )
            layout = read_layout(f.attrs, path)
        parts.append(codes)
    assert layout is not None  # shard_paths found at least one
    return np.concatenate(parts), layout
