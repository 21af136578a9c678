"""pretrain_vqvae@<dataset>: train the VQ-VAE on single frames, then report its quality."""

from __future__ import annotations

from dataclasses import asdict, replace
from pathlib import Path

import torch

from modpred import paths
from modpred.atomic import atomic_path, sha256_file
from modpred.code_deps import code_hash
from modpred.data.sequences import read_sequences, sequence_layout
from modpred.device import pick_device
from modpred.models.vqvae import vqvae_config
from modpred.params import ParamsFile, build_config
from modpred.training.curves import LiveCurves, recorded
from modpred.training.resume import ResumeState, fingerprint, vqvae_resume_file
from modpred.training.vqvae import PretrainHooks, VQVAETrainConfig, pretrain_vqvae, vqvae_quality
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
    device = pick_device()
    train = read_sequences(paths.sequences_file(dataset, "train"))
    test = read_sequences(paths.sequences_file(dataset, "test"))
    model_cfg = replace(model_cfg, in_channels=sequence_layout(paths.sequences_file(dataset, "train")).channels)
    resume = ResumeState(
        vqvae_resume_file(dataset),
        fingerprint(
            {**asdict(model_cfg), **asdict(train_cfg)},
            [sha256_file(paths.sequences_file(dataset, "train"))],
            code_hash(Path("."), __name__, {"dataset": dataset}),
        ),
    )
    curves = LiveCurves(paths.vqvae_live(dataset))
    with recorded(curves):
        done = pretrain_vqvae(train, model_cfg, train_cfg, device, PretrainHooks(resume, curves))
        quality = vqvae_quality(done, test, device, train_cfg.eval_frames)
        with atomic_path(paths.vqvae_checkpoint(dataset)) as tmp:
            torch.save({**done.model.cpu().state(), "quality": quality.of_model()}, tmp)  # a model card's source
        quality.write(paths.vqvae_metrics(dataset))
    resume.clear()  # the outputs are written: a rerun starts afresh
