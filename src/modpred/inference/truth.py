"""A prediction you can check: the clip's first input frames in, the frames after them as the truth,
scored per frame by the evaluation's own metrics beside copy-last (what doing nothing scores)."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import torch

from modpred.evaluation.evaluate import copy_last_frame, score_predictor
from modpred.evaluation.lpips_metric import make_lpips_scorer
from modpred.models.bundle import Bundle, model_predictor

SHOWN = ("lpips", "ssim", "mse_frame")  # the report's three columns, in its order


class Checked(NamedTuple):
    prediction: np.ndarray  # (future, C, h, w) floats in [0, 1]
    model: dict[str, list[float | None]]  # metric -> one value per predicted frame
    copy_last: dict[str, list[float | None]]

    def means(self, who: str) -> dict[str, float | None]:
        scores = self.model if who == "model" else self.copy_last
        return {key: None if None in v else float(np.mean(v)) for key, v in scores.items()}  # type: ignore[arg-type]

    def line(self) -> str:
        """'LPIPS 0.212 (copy-last 0.255), SSIM ..., MSE/frame ...': the means, lower/higher as the report's."""
        model, copy = self.means("model"), self.means("copy_last")
        names = {"lpips": "LPIPS", "ssim": "SSIM", "mse_frame": "MSE/frame"}
        return ", ".join(
            f"{names[key]} {model[key]:.3f} (copy-last {copy[key]:.3f})"
            for key in SHOWN
            if model[key] is not None and copy[key] is not None
        )


def check_against_truth(bundle: Bundle, window: np.ndarray, device: torch.device) -> Checked:
    """Predict `window`'s frames after its first `input_len` from those frames and score them against
    the truth, as evaluate scores a test sequence. `window`: uint8 (input_len + future, C, h, w)."""
    future = len(window) - bundle.input_len
    prediction = model_predictor(bundle, future, device)(window[None, : bundle.input_len])[0]
    lpips = make_lpips_scorer(device)
    per_frame = {}
    for who, fn in (("model", lambda _: prediction[None]), ("copy_last", copy_last_frame(future))):
        table = score_predictor(fn, window[None], bundle.input_len, 1, device, f"check {who}", lpips).per_frame
        per_frame[who] = {key: [None if np.isnan(v) else float(v) for v in table[key]] for key in SHOWN}
    return Checked(prediction, per_frame["model"], per_frame["copy_last"])
