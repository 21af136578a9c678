"""All figures of one dataset: what the figures stage draws into metrics/figures/<dataset>/."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from modpred import paths
from modpred.data.frames import as_images
from modpred.data.sequences import read_sequences, sequence_layout
from modpred.evaluation.frame_metrics import to_uint8
from modpred.models.bundle import load_bundle, model_predictor
from modpred.models.vqvae import load_frozen_vqvae, to_unit
from modpred.reporting.colors import baseline_color, model_color
from modpred.reporting.figures import Curve, frame_strip, loss_curves, per_frame_curves
from modpred.results import baseline_label, model_label


@dataclass(frozen=True)
class FiguresConfig:
    sample: int = 0  # which test sequence the strips show


def draw_figures(
    dataset: str, models: list[tuple[str, str]], seeds: list[int], cfg: FiguresConfig, device: torch.device, out: Path
) -> None:
    """Prediction strip (Fig. 4), per-frame curves (Fig. 5, means over `seeds`), VQ-VAE reconstructions,
    loss curves, and the shown test sequence as `sample.npy` (a ready-made clip for `predict`). The
    strip and the loss curves are the first seed's: a prediction averaged over seeds is no model's."""
    first = seeds[0]
    test_file = paths.sequences_file(dataset, "test")
    input_len, seq_len, _ = sequence_layout(test_file)
    frames = read_sequences(test_file)
    index = cfg.sample % len(frames)
    seq = frames[index : index + 1]
    rows = [
        (f"input (t=1-{input_len})", as_images(seq[0, :input_len])),
        (f"ground truth (t={input_len + 1}-{seq_len})", as_images(seq[0, input_len:])),
    ]
    for predictor, mode in models:
        bundle = load_bundle(paths.model_file(dataset, predictor, mode, first), device, None, (predictor, mode))
        pred = model_predictor(bundle, seq_len - input_len, device)(seq[:, :input_len])
        rows.append((model_label(predictor, mode), as_images(to_uint8(pred)[0])))
    vqvae, _ = load_frozen_vqvae(paths.vqvae_checkpoint(dataset), device)
    with torch.no_grad():
        recon = vqvae(to_unit(torch.from_numpy(seq[0])).to(device))[0].clamp(0, 1).cpu().numpy()
    scores, losses = [], []
    for p, m in models:
        label, color = model_label(p, m), model_color(p, m)
        per_seed = [pd.read_csv(paths.run_metrics_dir(dataset, p, m, s) / paths.PER_FRAME_CSV) for s in seeds]
        mean = pd.concat(per_seed).groupby("frame", as_index=False).mean(numeric_only=True)
        scores.append(Curve(label, color, mean, mode=m))
        losses.append(
            Curve(label, color, pd.read_csv(paths.run_metrics_dir(dataset, p, m, first) / paths.LOSS_CSV), mode=m)
        )
    for name in paths.BASELINES:
        table = pd.read_csv(paths.baseline_per_frame(dataset, name))
        scores.append(Curve(baseline_label(name), baseline_color(name), table, baseline=True))
    out.mkdir(parents=True, exist_ok=True)
    future = seq_len - input_len
    times = [f"t={k + 1} | {input_len + k + 1}" if k < future else f"t={k + 1}" for k in range(input_len)]
    frame_strip(rows, out / paths.PREDICTIONS_PNG, column_titles=times)  # an input frame's time, a predicted one's
    original = [("original", as_images(seq[0])), ("VQ-VAE", as_images(to_uint8(recon)))]
    frame_strip(original, out / paths.VQVAE_RECONSTRUCTIONS_PNG)
    per_frame_curves(scores, out / paths.PER_FRAME_PNG)
    loss_curves(losses, out / paths.TRAINING_LOSS_PNG)
    np.save(out / paths.SAMPLE_CLIP, as_images(seq[0]))
