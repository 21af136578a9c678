"""A trained cell in a notebook or another program: `modpred.load(path).predict(frames, future)`.

`predict` takes frames in the layouts people hold, uint8 or floats in [0, 1]:

- (T, H, W): one gray clip -> (future, h, w), or (future, h, w, 3) for a colour model;
- (T, H, W, C): one clip, C 1 or 3 (4: RGBA, alpha dropped) -> (future, h, w, C of the model);
- (T, C, H, W): one clip, C 1 or 3 first -> (future, C of the model, h, w);
- (N, T, C, H, W): a batch of clips -> (N, future, C of the model, h, w);

and returns the predicted frames in the same layout and kind (uint8 for uint8, floats in [0, 1]
for floats), h = w the model's image size. Each clip is fitted exactly as `python -m stages
predict` fits one and as the datasets fit footage (`inference.clips`): its last `input_len`
frames, colour to gray by the datasets' luma or gray repeated, another size cropped to its centred
square and resized (with a warning). Bad input (a wrong rank or channel count, too few frames,
NaN or inf) is one `ValueError`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from modpred import paths
from modpred.errors import UserError
from modpred.evaluation.frame_metrics import to_uint8
from modpred.inference.clips import clip_layout, fit_clip, to_uint8_frames
from modpred.inference.truth import check_against_truth
from modpred.models.bundle import Bundle, load_bundle, model_predictor
from modpred.models.card import ModelCard

LAYOUTS = "(T, H, W), (T, C, H, W), (T, H, W, C) or (N, T, C, H, W)"


@dataclass
class TrainedModel:
    """A trained predictor with its space (and, when modular, its frozen VQ-VAE), ready to predict."""

    bundle: Bundle
    card: ModelCard | None  # None: a checkpoint written before cards
    test_scores: dict[str, float | None] | None  # from the cell's eval.json, when it sits in its project
    device: torch.device

    @property
    def input_len(self) -> int:
        return self.bundle.input_len

    @property
    def future(self) -> int:
        """The frames it was trained and evaluated to predict (`predict` may ask for another number)."""
        return self.bundle.future

    @property
    def image(self) -> int:
        return self.bundle.space.image

    @property
    def channels(self) -> int:
        return self.bundle.space.frame_channels

    def predict(self, frames: np.ndarray | torch.Tensor, future: int | None = None) -> np.ndarray:
        """The `future` frames (default: as trained) that follow `frames`, in their layout and kind."""
        array = frames.detach().cpu().numpy() if isinstance(frames, torch.Tensor) else np.asarray(frames)
        future = self.future if future is None else future
        if not isinstance(future, int) or isinstance(future, bool) or future < 1:
            raise ValueError(f"future must be a positive number of frames, got {future!r}")
        if array.ndim not in (3, 4, 5):
            raise ValueError(f"frames of shape {array.shape}: expected {LAYOUTS}")
        if array.ndim == 5 and array.shape[2] not in (1, 3):
            raise ValueError(f"frames of shape {array.shape}: (N, T, C, H, W) needs C 1 or 3, not {array.shape[2]}")
        clips = array if array.ndim == 5 else array[None]
        try:
            layout = "TCHW" if array.ndim == 5 else clip_layout(array.shape, Path("frames"))
            fitted = np.stack([self._fit(clip) for clip in clips])  # (N, input_len, C, h, w) uint8
        except UserError as exc:
            raise ValueError(str(exc)) from None
        pred = model_predictor(self.bundle, future, self.device)(fitted)  # (N, future, C, h, w) in [0, 1]
        out = to_uint8(pred) if array.dtype == np.uint8 else pred.astype(np.float32)
        if array.ndim == 5 or layout == "TCHW":
            return out if array.ndim == 5 else out[0]
        out = out[0].transpose(0, 2, 3, 1)  # (future, h, w, C)
        return out[..., 0] if layout == "THW" and self.channels == 1 else out

    def check(self, frames: np.ndarray | torch.Tensor) -> dict[str, dict[str, float | None]]:
        """Predict from the clip's first `input_len` frames and score the `future` frames after them, as
        `predict --truth` does: {"model": means, "copy_last": means} of LPIPS, SSIM and MSE per frame."""
        array = frames.detach().cpu().numpy() if isinstance(frames, torch.Tensor) else np.asarray(frames)
        span = self.input_len + self.future
        try:
            if len(array) < span:
                raise UserError(f"{len(array)} frames: a check needs {span} ({self.input_len} in, the rest truth)")
            checked = check_against_truth(self.bundle, self._fit(array[:span], span), self.device)
        except UserError as exc:
            raise ValueError(str(exc)) from None
        return {"model": checked.means("model"), "copy_last": checked.means("copy_last")}

    def _fit(self, clip: np.ndarray, count: int | None = None) -> np.ndarray:
        """One clip as the predict command fits it (the same normaliser: layouts, value ranges, refusals)."""
        what = Path("frames")  # named in the messages
        count = self.input_len if count is None else count
        return fit_clip(to_uint8_frames(clip, what), count, self.image, self.channels, True, what)


def load(path: str | Path, device: str | torch.device | None = None) -> TrainedModel:
    """A trained cell from its model.pt (a predictor checkpoint with its frozen VQ-VAE, or a base cell).

    Refuses, with a `ValueError`, a file that is no checkpoint of this project or whose card
    contradicts its tensors.
    """
    target = torch.device(device) if device is not None else torch.device("cpu")
    try:
        bundle = load_bundle(Path(path), target)
    except UserError as exc:
        raise ValueError(str(exc)) from None
    return TrainedModel(bundle, bundle.card, scores_beside(Path(path), bundle.card), target)


def scores_beside(path: Path, card: ModelCard | None) -> dict[str, float | None] | None:
    """The cell's test means from its eval.json, when the checkpoint sits in its project."""
    record = record_beside(path, card, paths.EVAL_JSON)
    return record["mean"] if record else None


def record_beside(path: Path, card: ModelCard | None, name: str) -> dict[str, Any] | None:
    """A record of the checkpoint's cell (eval.json, train.json), found from the checkpoint's place in its
    project (data/<ds>/models/<p>-<m>/seed<k>/model.pt -> metrics/runs/<ds>/<p>-<m>/seed<k>/NAME)."""
    if card is None:
        return None
    cell = card.cell
    model_file = cell.model_file
    resolved = path.resolve()
    if resolved.parts[-len(model_file.parts) :] != model_file.parts:
        return None
    root = Path(*resolved.parts[: -len(model_file.parts)])
    record = root / cell.run_dir / name
    return json.loads(record.read_text()) if record.is_file() else None
