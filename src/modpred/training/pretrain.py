"""Pretrain one dataset's VQ-VAE: read its frames, pretrain (resuming after a kill), measure, save.

The pretrain_vqvae stage's work; the stage reads the params and calls `pretrain_dataset`.
"""

from __future__ import annotations

from dataclasses import asdict, replace

import torch

from modpred import paths
from modpred.atomic import sha256_file
from modpred.checkpoint import save_checkpoint
from modpred.data.sequences import read_sequences, sequence_layout
from modpred.models.vqvae import VQVAEConfig
from modpred.results import VqvaeQuality
from modpred.training.curves import LiveCurves, recorded
from modpred.training.resume import ResumeState, fingerprint, vqvae_resume_file
from modpred.training.vqvae import PretrainHooks, VQVAETrainConfig, pretrain_vqvae, vqvae_quality


def pretrain_dataset(
    dataset: str, model_cfg: VQVAEConfig, train_cfg: VQVAETrainConfig, device: torch.device, code: str
) -> VqvaeQuality:
    """Pretrain on the single frames of data/<ds>/base/train.h5 (the input channels are the data's);
    write data/<ds>/vqvae/model.pt (with its quality, a model card's source), vqvae.json and DVCLive's
    loss curve. A resumable state in .resume/<ds>/vqvae.pt is used when the params, the training
    frames and the stage's `code` hash are those it was saved under."""
    train_file = paths.sequences_file(dataset, "train")
    train = read_sequences(train_file)
    test = read_sequences(paths.sequences_file(dataset, "test"))
    model_cfg = replace(model_cfg, in_channels=sequence_layout(train_file).channels)
    resume = ResumeState(
        vqvae_resume_file(dataset),
        fingerprint({**asdict(model_cfg), **asdict(train_cfg)}, [sha256_file(train_file)], code),
    )
    curves = LiveCurves(paths.vqvae_live(dataset))
    with recorded(curves):
        done = pretrain_vqvae(train, model_cfg, train_cfg, device, PretrainHooks(resume, curves))
        quality = vqvae_quality(done, test, device, train_cfg.eval_frames)
        checkpoint = done.model.cpu().state()
        checkpoint["quality"] = quality.of_model()
        save_checkpoint(paths.vqvae_checkpoint(dataset), checkpoint)
        quality.write(paths.vqvae_metrics(dataset))
    resume.clear()  # the outputs are written: a rerun starts afresh
    return quality
