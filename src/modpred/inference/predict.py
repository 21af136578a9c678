"""Predict the frames that follow a clip with a trained model, and save them as a GIF and a PNG strip."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from PIL import Image

from modpred.atomic import atomic_path
from modpred.data.frames import as_images
from modpred.errors import UserError
from modpred.evaluation.frame_metrics import to_uint8
from modpred.inference.clips import fit_clip, read_clip
from modpred.models.bundle import load_bundle, model_predictor


def predict_clip(model_path: Path, clip_path: Path, out_dir: Path, resize: bool, device: torch.device) -> np.ndarray:
    """Write `prediction.gif`, `prediction.png` (inputs then predictions) and `prediction.npy`; return the uint8
    frames, (T, H, W) gray or (T, H, W, 3) colour as the model was trained."""
    if out_dir.exists() and not out_dir.is_dir():
        raise UserError(
            f"--out {out_dir} is an existing file: name a folder (it is created, or its predictions replaced)"
        )
    bundle = load_bundle(model_path, device)
    space = bundle.space
    inputs = fit_clip(read_clip(clip_path), bundle.input_len, space.image, space.frame_channels, resize, clip_path)
    future = bundle.seq_len - bundle.input_len
    pred = model_predictor(bundle, future, device)(inputs[None])[0]
    frames, shown = as_images(to_uint8(pred)), as_images(inputs)
    with atomic_path(out_dir) as tmp:
        tmp.mkdir()
        gif = [Image.fromarray(f) for f in frames]
        gif[0].save(tmp / "prediction.gif", save_all=True, append_images=gif[1:], duration=150, loop=0)
        strip = np.concatenate([np.concatenate(list(shown), 1), np.concatenate(list(frames), 1)], 0)
        Image.fromarray(strip).save(tmp / "prediction.png")
        np.save(tmp / "prediction.npy", frames)
    return frames
