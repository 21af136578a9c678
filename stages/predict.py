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
    clip: Path = typer.Argument(..., help="a clip of >= 10 frames: .npy (T,H,W), .gif, or a video file"),
    out: Path = typer.Option(Path("prediction"), "--out", help="folder for prediction.{gif,png,npy}"),
    resize: bool = typer.Option(True, "--resize/--no-resize", help="resize a clip of another size (warns)"),
) -> None:
    """Predict the frames after the last input-window frames of CLIP; write a GIF and a PNG strip."""
    frames = predict_clip(model, clip, out, resize, pick_device())
    typer.echo(f"wrote {len(frames)} predicted frames to {out}/prediction.gif and prediction.png")
