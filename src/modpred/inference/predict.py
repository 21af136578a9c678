"""Predict the frames that follow a clip with a trained model, and save them as a GIF and a PNG strip;
with `truth`, predict from the clip's first frames and score the prediction against the frames after them."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageDraw

from modpred.atomic import atomic_path
from modpred.data.frames import as_images
from modpred.errors import UserError
from modpred.evaluation.frame_metrics import to_uint8
from modpred.inference.clips import fit_clip, read_clip
from modpred.inference.truth import Checked, check_against_truth
from modpred.models.bundle import load_bundle, model_predictor


def predict_clip(
    model_path: Path, clip_path: Path, out_dir: Path, resize: bool, device: torch.device, truth: bool = False
) -> tuple[np.ndarray, Checked | None]:
    """Write `prediction.gif`, `prediction.png` (inputs, then the truth when checked, then predictions) and
    `prediction.npy` (and `scores.json` when checked); return the uint8 frames, (T, H, W) gray or
    (T, H, W, 3) colour as the model was trained, and the scores against the truth (or None)."""
    if out_dir.exists() and not out_dir.is_dir():
        raise UserError(
            f"--out {out_dir} is an existing file: name a folder (it is created, or its predictions replaced)"
        )
    bundle = load_bundle(model_path, device)
    space = bundle.space
    future = bundle.future
    frames = read_clip(clip_path)
    checked = None
    if truth:
        span = bundle.input_len + future
        if len(frames) < span:
            raise UserError(
                f"clip {clip_path} has {len(frames)} frames; --truth needs {bundle.input_len} inputs and "
                f"{future} frames after them ({span})"
            )
        window = fit_clip(frames[:span], span, space.image, space.frame_channels, resize, clip_path)
        inputs = window[: bundle.input_len]
        checked = check_against_truth(bundle, window, device)
        pred = checked.prediction
    else:
        inputs = fit_clip(frames, bundle.input_len, space.image, space.frame_channels, resize, clip_path)
        pred = model_predictor(bundle, future, device)(inputs[None])[0]
    predicted = as_images(to_uint8(pred))
    rows = [("inputs", as_images(inputs))]
    rows += [("truth", as_images(window[bundle.input_len :]))] if checked else []
    rows += [("prediction", predicted)]
    with atomic_path(out_dir) as tmp:
        tmp.mkdir()
        gif = [Image.fromarray(f) for f in predicted]
        gif[0].save(tmp / "prediction.gif", save_all=True, append_images=gif[1:], duration=150, loop=0)
        Image.fromarray(strip(rows)).save(tmp / "prediction.png")
        np.save(tmp / "prediction.npy", predicted)
        if checked is not None:
            record = {"model": checked.model, "copy_last": checked.copy_last, "mean": checked.means("model")}
            (tmp / "scores.json").write_text(json.dumps(record, indent=1) + "\n")
    return predicted, checked


LABEL_WIDTH = 72  # pixels left of each row for its name: the frames keep their own pixels, unscaled


def strip(rows: list[tuple[str, np.ndarray]]) -> np.ndarray:
    """Rows of frames side by side, stacked, each named in a black column on its left; a shorter row is
    padded with black on its right."""
    lines = [np.concatenate(list(frames), 1) for _, frames in rows]
    width = max(line.shape[1] for line in lines)
    padded = [
        np.pad(line, [(0, 0), (LABEL_WIDTH, width - line.shape[1])] + [(0, 0)] * (line.ndim - 2)) for line in lines
    ]
    for (name, _), line in zip(rows, padded, strict=True):
        label = Image.new("L", (LABEL_WIDTH, line.shape[0]))
        ImageDraw.Draw(label).text((4, line.shape[0] // 2), name, fill=255, anchor="lm")
        line[:, :LABEL_WIDTH] = np.asarray(label)[..., None] if line.ndim == 3 else np.asarray(label)
    return np.concatenate(padded, 0)
