"""figures@<dataset>: prediction strips, per-frame curves, VQ-VAE reconstructions, loss curves."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import torch
import typer

from modpred import paths
from modpred.atomic import atomic_path
from modpred.data.sequences import read_sequences, sequence_layout
from modpred.evaluation.evaluate import model_predictor
from modpred.evaluation.frame_metrics import to_uint8
from modpred.models.bundle import load_bundle, load_frozen_vqvae
from modpred.models.spaces import to_unit
from modpred.params import DATASETS, ParamsFile, build_config, check_choice
from modpred.reporting.figures import frame_strip, loss_curves, per_frame_curves
from modpred.training.compute import pick_device
from stages.app import ParamsOption, stage


@dataclass(frozen=True)
class FiguresConfig:
    sample: int = 0  # which test sequence the strips show


@stage("figures")
def figures(dataset: str = typer.Argument(..., help="dataset name"), params: Path = ParamsOption) -> None:
    """Draw the paper-style figures for one dataset into metrics/figures/<dataset>/."""
    check_choice(dataset, DATASETS, "dataset")
    p = ParamsFile(params)
    cfg = build_config(FiguresConfig, p.get("figures"), "figures")
    models = [(pr, m) for pr in p.get("predictors") for m in p.get("modes")]
    device = pick_device()
    test_file = paths.sequences_file(dataset, "test")
    input_len, seq_len, _ = sequence_layout(test_file)
    frames = read_sequences(test_file)
    seq = frames[cfg.sample % len(frames) : cfg.sample % len(frames) + 1]
    rows = [("input", seq[0, :input_len, 0]), ("ground truth", seq[0, input_len:, 0])]
    for predictor, mode in models:
        bundle = load_bundle(paths.model_dir(dataset, predictor, mode) / "model.pt", device, None)
        pred = model_predictor(bundle, seq_len - input_len, device)(seq[:, :input_len])
        rows.append((f"{predictor}-{mode}", to_uint8(pred)[0, :, 0]))
    vqvae, _ = load_frozen_vqvae(paths.vqvae_checkpoint(dataset), device)
    originals = seq[0, :, 0]
    with torch.no_grad():
        recon = vqvae(to_unit(torch.from_numpy(seq[0])).to(device))[0].clamp(0, 1).cpu().numpy()
    runs = paths.RUNS / dataset
    tables = {f"{pr}-{m}": pd.read_csv(runs / f"{pr}-{m}" / "per_frame.csv") for pr, m in models}
    for name in ("copy_last", "blank"):
        tables[f"baseline: {name.replace('_', ' ')}"] = pd.read_csv(runs / "baselines" / f"{name}_per_frame.csv")
    curves = {f"{pr}-{m}": pd.read_csv(runs / f"{pr}-{m}" / "loss.csv") for pr, m in models}
    with atomic_path(paths.figures_dir(dataset)) as tmp:
        frame_strip(rows, tmp / "predictions.png")
        frame_strip([("original", originals), ("VQ-VAE", to_uint8(recon)[:, 0])], tmp / "vqvae_reconstructions.png")
        per_frame_curves(tables, tmp / "per_frame.png")
        loss_curves(curves, tmp / "training_loss.png")
        np.save(tmp / "sample.npy", seq[0, :, 0])  # the shown sequence, a ready-made clip for `predict`
