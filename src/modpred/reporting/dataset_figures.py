"""All figures of one dataset: what the figures stage draws into metrics/figures/<dataset>/."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from modpred import paths
from modpred.data.sequences import read_sequences, sequence_layout
from modpred.evaluation.frame_metrics import to_uint8
from modpred.models.bundle import load_bundle, model_predictor
from modpred.models.spaces import to_unit
from modpred.models.vqvae import load_frozen_vqvae
from modpred.reporting.figures import frame_strip, loss_curves, per_frame_curves


@dataclass(frozen=True)
class FiguresConfig:
    sample: int = 0  # which test sequence the strips show


def draw_figures(
    dataset: str, models: list[tuple[str, str]], cfg: FiguresConfig, device: torch.device, out: Path
) -> None:
    """Prediction strip (Fig. 4), per-frame curves (Fig. 5), VQ-VAE reconstructions, loss curves, and the
    shown test sequence as `sample.npy` (a ready-made clip for `predict`)."""
    test_file = paths.sequences_file(dataset, "test")
    input_len, seq_len, _ = sequence_layout(test_file)
    frames = read_sequences(test_file)
    index = cfg.sample % len(frames)
    seq = frames[index : index + 1]
    rows = [
        (f"input (t=1-{input_len})", seq[0, :input_len, 0]),
        (f"ground truth (t={input_len + 1}-{seq_len})", seq[0, input_len:, 0]),
    ]
    for predictor, mode in models:
        bundle = load_bundle(paths.model_file(dataset, predictor, mode), device, None)
        pred = model_predictor(bundle, seq_len - input_len, device)(seq[:, :input_len])
        rows.append((f"{predictor}-{mode}", to_uint8(pred)[0, :, 0]))
    vqvae, _ = load_frozen_vqvae(paths.vqvae_checkpoint(dataset), device)
    with torch.no_grad():
        recon = vqvae(to_unit(torch.from_numpy(seq[0])).to(device))[0].clamp(0, 1).cpu().numpy()
    runs = {f"{p}-{m}": paths.run_metrics_dir(dataset, p, m) for p, m in models}
    tables = {name: pd.read_csv(folder / paths.PER_FRAME_CSV) for name, folder in runs.items()}
    for name in paths.BASELINES:
        tables[f"baseline: {name.replace('_', ' ')}"] = pd.read_csv(paths.baseline_per_frame(dataset, name))
    curves = {name: pd.read_csv(folder / paths.LOSS_CSV) for name, folder in runs.items()}
    out.mkdir(parents=True, exist_ok=True)
    frame_strip(rows, out / "predictions.png", column_titles=[f"+{k}" for k in range(1, input_len + 1)])
    frame_strip([("original", seq[0, :, 0]), ("VQ-VAE", to_uint8(recon)[:, 0])], out / "vqvae_reconstructions.png")
    per_frame_curves(tables, out / "per_frame.png")
    loss_curves(curves, out / "training_loss.png")
    np.save(out / "sample.npy", seq[0, :, 0])
