"""Every stage's inputs and outputs, named once; dvc.yaml spells the same paths.

The folder each train cell reads is named after its mode, so one templated path
(`data/<dataset>/<mode>`) serves the whole matrix:

    data/<ds>/base/{train,test}.h5            pixel sequences (generate)
    data/<ds>/vqvae/model.pt                  the VQ-VAE (pretrain_vqvae)
    data/<ds>/modular/vqvae.pt                the frozen VQ-VAE the shards were made with (encode_latents)
    data/<ds>/modular/{train,test}/shard-*.h5 latent code shards (encode_latents)
    data/<ds>/models/<predictor>-<mode>/      predictor checkpoint (train)
    metrics/runs/<ds>/...                     small JSON / CSV metrics (git-tracked)
    metrics/report.md                         the report
"""

from __future__ import annotations

from pathlib import Path

DATA = Path("data")
METRICS = Path("metrics")
RUNS = METRICS / "runs"
REPORT = METRICS / "report.md"
SPLITS = ("train", "test")


def sequences_dir(ds: str) -> Path:
    return DATA / ds / "base"


def sequences_file(ds: str, split: str) -> Path:
    return sequences_dir(ds) / f"{split}.h5"


def vqvae_dir(ds: str) -> Path:
    return DATA / ds / "vqvae"


def vqvae_checkpoint(ds: str) -> Path:
    return vqvae_dir(ds) / "model.pt"


def latents_dir(ds: str) -> Path:
    return DATA / ds / "modular"


def model_dir(ds: str, predictor: str, mode: str) -> Path:
    return DATA / ds / "models" / f"{predictor}-{mode}"


def run_metrics_dir(ds: str, predictor: str, mode: str) -> Path:
    return RUNS / ds / f"{predictor}-{mode}"


def vqvae_metrics(ds: str) -> Path:
    return RUNS / ds / "vqvae.json"


def baselines_dir(ds: str) -> Path:
    return RUNS / ds / "baselines"


def figures_dir(ds: str) -> Path:
    return METRICS / "figures" / ds
