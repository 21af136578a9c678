"""All figures of one dataset: what the figures stage draws into metrics/figures/<dataset>/."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from modpred import paths
from modpred.baselines import BASELINES, COPY_LAST
from modpred.cell import Cell, model_label
from modpred.data.frames import as_images
from modpred.data.sequences import read_sequences, sequence_layout, validation_windows
from modpred.evaluation.evaluate import copy_last_frame
from modpred.evaluation.frame_metrics import to_uint8
from modpred.models.bundle import load_bundle, model_predictor
from modpred.models.vqvae import load_frozen_vqvae, to_unit
from modpred.reporting.colors import baseline_color, model_color
from modpred.reporting.figures import Curve, frame_strip, loss_curves, per_frame_curves, validation_curves
from modpred.results import RunFacts, VqvaeQuality, baseline_label
from modpred.training.curves import read_loss_curve, read_validation_curve


@dataclass(frozen=True)
class FiguresConfig:
    sample: int = 0  # which test sequence the strips show


def _row_label(label: str, per_sequence: Path, index: int) -> str:
    """A strip row's label with its LPIPS on the shown sequence, when it was measured."""
    if not per_sequence.is_file():
        return label
    value = pd.read_csv(per_sequence).set_index("sequence")["lpips"].get(index)
    return label if value is None or pd.isna(value) else f"{label}\nLPIPS {value:.3f}"


def validation_words(train_file: Path) -> str:
    """What best-iterate selection scored, in words: windows of clips held out whole
    (`data.videos.val`), or the held-out tail of the training sequences."""
    held = validation_windows(train_file)
    return f"{held} windows of held-out clips" if held else "held-out training sequences"


def draw_figures(dataset: str, cells: list[Cell], cfg: FiguresConfig, device: torch.device, out: Path) -> None:
    """Prediction strip (Fig. 4, with copy-last: the model to beat), per-frame curves with intervals
    (Fig. 5, means over the cells' seeds), VQ-VAE reconstructions, loss and validation curves, and the
    shown test sequence as `sample.npy` (a ready-made clip for `predict`). The strip and the curves over
    training are the first seed's: a prediction averaged over seeds is no model's."""
    models = list(dict.fromkeys((c.predictor, c.mode) for c in cells))  # in the params' order
    seeds = list(dict.fromkeys(c.seed for c in cells))
    first = seeds[0]
    test_file = paths.sequences_file(dataset, "test")
    layout = sequence_layout(test_file)
    input_len, seq_len = layout.input_len, layout.seq_len
    frames = read_sequences(test_file)
    index = cfg.sample % len(frames)
    seq = frames[index : index + 1]
    future = layout.future
    copied = copy_last_frame(future)(seq[:, :input_len])
    copy_label = _row_label(COPY_LAST.label, paths.baseline_per_sequence(dataset, COPY_LAST.name), index)
    rows = [
        (f"input (t=1-{input_len})", as_images(seq[0, :input_len])),
        (f"ground truth (t={input_len + 1}-{seq_len})", as_images(seq[0, input_len:])),
        (copy_label, as_images(to_uint8(copied)[0])),
    ]
    for predictor, mode in models:
        cell = Cell(dataset, predictor, mode, first)
        bundle = load_bundle(cell.model_file, device, None, (predictor, mode))
        pred = model_predictor(bundle, future, device)(seq[:, :input_len])
        shown = cell.run_dir / paths.PER_SEQUENCE_CSV
        rows.append((_row_label(model_label(predictor, mode), shown, index), as_images(to_uint8(pred)[0])))
    vqvae, _ = load_frozen_vqvae(paths.vqvae_checkpoint(dataset), device)
    with torch.no_grad():
        recon = vqvae(to_unit(torch.from_numpy(seq[0, :input_len])).to(device))[0].clamp(0, 1).cpu().numpy()
    scores, losses, validations = [], [], []
    device_names = set()
    for p, m in models:
        label, color = model_label(p, m), model_color(p, m)
        per_seed = [pd.read_csv(Cell(dataset, p, m, s).run_dir / paths.PER_FRAME_CSV) for s in seeds]
        mean = pd.concat(per_seed).groupby("frame", as_index=False).mean(numeric_only=True)
        scores.append(Curve(label, color, mean, mode=m))
        run = Cell(dataset, p, m, first).run_dir
        facts = RunFacts.read(run / paths.TRAIN_JSON)
        device_names.add(facts.device)
        kept = facts.selected_iteration
        losses.append(Curve(label, color, read_loss_curve(run), mode=m, kept=kept, loss=facts.loss))
        table = read_validation_curve(run)
        if table is not None:
            per_it = facts.seconds_per_100_iters / 100
            validations.append(Curve(label, color, table, mode=m, kept=kept, seconds_per_iteration=per_it))
    for name in BASELINES:
        table = pd.read_csv(paths.baseline_per_frame(dataset, name))
        scores.append(Curve(baseline_label(name), baseline_color(name), table, mode=name))
    out.mkdir(parents=True, exist_ok=True)
    times = [f"t={k + 1} | {input_len + k + 1}" if k < future else f"t={k + 1}" for k in range(input_len)]
    frame_strip(rows, out / paths.PREDICTIONS_PNG, column_titles=times)  # an input frame's time, a predicted one's
    quality = VqvaeQuality.read(paths.vqvae_metrics(dataset))
    title = (
        f"VQ-VAE reconstructions of test sequence {index}: on {quality.eval_frames} test frames "
        f"PSNR {quality.recon_psnr:.2f} dB, SSIM {quality.recon_ssim:.3f}"
    )
    original = [("original", as_images(seq[0, :input_len])), ("VQ-VAE", as_images(to_uint8(recon)))]
    frame_strip(original, out / paths.VQVAE_RECONSTRUCTIONS_PNG, title=title)
    per_frame_curves(scores, out / paths.PER_FRAME_PNG)
    loss_curves(losses, out / paths.TRAINING_LOSS_PNG)
    if validations:
        scored_on = validation_words(paths.sequences_file(dataset, "train"))
        validation_curves(validations, out / paths.VALIDATION_PNG, ", ".join(sorted(device_names)), scored_on)
    np.save(out / paths.SAMPLE_CLIP, as_images(seq[0]))
