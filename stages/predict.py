"""predict: a trained model continues a user's clip (not a DVC stage; a tool for trained models)."""

from __future__ import annotations

from pathlib import Path

import typer

from modpred.device import pick_device
from modpred.inference.predict import predict_clip
from stages.app import stage


@stage("predict")
def predict(
    model: Path = typer.Argument(..., help="a trained model, e.g. data/mmnist/models/predrnn-modular/model.pt"),
    clip: Path = typer.Argument(
        ..., help="a clip of at least the model's input frames (10 by default): .npy, .gif or a video"
    ),
    out: Path = typer.Option(Path("prediction"), "--out", help="folder for prediction.{gif,png,npy}"),
    resize: bool = typer.Option(
        True, "--resize/--no-resize", help="fit a clip of another size (its centred square, resized; warns)"
    ),
    truth: bool = typer.Option(
        False,
        "--truth",
        help="predict from the clip's first input frames and score the frames after them (and copy-last's)",
    ),
) -> None:
    """Predict the frames that follow CLIP with a trained MODEL (not a DVC stage; no params file).

    CLIP: .npy as (T, H, W), (T, C, H, W) or (T, H, W, C), uint8 or floats in [0, 1]; a GIF; or a
    video (.mp4 .avi .mov .mkv .webm .m4v .mpg .mpeg .ogv .wmv, read with PyAV). Its last input-length
    frames are the input (10 for every model of the default), fitted to the model's size and channels;
    with --truth its first input-length frames are, and the frames after them are the truth.
    OUT gets prediction.gif (the predicted frames: 10 by default), prediction.png (rows named on their left: inputs,
    the truth with --truth, predictions), prediction.npy (uint8, (T, H, W) gray or (T, H, W, 3)
    colour) and, with --truth, scores.json (each frame's LPIPS, SSIM and MSE, the model's and copy-last's).
    """
    frames, checked = predict_clip(model, clip, out, resize, pick_device(), truth)
    typer.echo(f"wrote {len(frames)} predicted frames to {out}/prediction.gif and prediction.png")
    if checked is not None:
        typer.echo(f"against the truth, means over the {len(frames)} frames: {checked.line()}")
