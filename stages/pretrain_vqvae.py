"""pretrain_vqvae@<dataset>: train the VQ-VAE on single frames, then report its quality."""

from __future__ import annotations

from pathlib import Path

from modpred.code_deps import code_hash
from modpred.device import pick_device
from modpred.models.vqvae import vqvae_config
from modpred.params import ParamsFile, build_config
from modpred.training.pretrain import pretrain_dataset
from modpred.training.vqvae import VQVAETrainConfig
from stages.app import DatasetArg, ParamsOption, check_dataset, stage


@stage("pretrain-vqvae")
def pretrain_vqvae_stage(dataset: str = DatasetArg, params: Path = ParamsOption) -> None:
    """Pretrain the VQ-VAE on single train frames; write its checkpoint and quality metrics.

    Reads data/DATASET/base/{train,test}.h5; settings: the `vqvae.model` and `vqvae.train` params
    sections, with the keys `data.DATASET.vqvae` overrides (its input channels come from the data).
    Writes data/DATASET/vqvae/model.pt and metrics/runs/DATASET/vqvae.json (reconstruction PSNR and
    SSIM, codebook use, seed, training seconds) and vqvae_live/ (DVCLive's loss step file). Saves a resumable state to
    .resume/DATASET/vqvae.pt every `vqvae.train.checkpoint_every` iterations: rerun after a kill and
    it continues from there when the params and the training frames are unchanged.
    """
    check_dataset(dataset)
    p = ParamsFile(params)
    model, overrides = p.get("vqvae.model"), p.get(f"data.{dataset}.vqvae")
    train_cfg = build_config(VQVAETrainConfig, p.get("vqvae.train"), "vqvae.train")
    model_cfg = vqvae_config(model, overrides, 1, dataset)  # a bad key stops before the data are read
    code = code_hash(Path("."), __name__, {"dataset": dataset})
    pretrain_dataset(dataset, model_cfg, train_cfg, pick_device(), code)
