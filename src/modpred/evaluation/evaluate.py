"""Predict the target frames of every test sequence and score them frame by frame.

Also scores the two trivial baselines (copy the last input frame; predict blank frames), which
every trained model must beat.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from tqdm import tqdm

from modpred import paths
from modpred.atomic import write_json, write_text
from modpred.data.sequences import read_sequences, sequence_layout
from modpred.evaluation.frame_metrics import frame_metrics
from modpred.evaluation.lpips_metric import LpipsScorer, lpips_unavailable_reason
from modpred.models.bundle import Bundle
from modpred.params import choice, positive


@dataclass(frozen=True)
class EvaluateConfig:
    batch: int = positive(default=32)
    modular_decode: str = choice(("quantize", "direct"), default="quantize")


Predictor = Callable[[np.ndarray], np.ndarray]  # uint8 inputs (B, T_in, C, H, W) -> float [0, 1] (B, T_out, ...)


def model_predictor(bundle: Bundle, future: int, device: torch.device) -> Predictor:
    @torch.no_grad()
    def predict(inputs: np.ndarray) -> np.ndarray:
        x = bundle.space.encode(torch.from_numpy(inputs).to(device))
        return bundle.space.decode(bundle.model.predict(x, future)).cpu().numpy()

    return predict


def copy_last_frame(future: int) -> Predictor:
    return lambda inputs: np.repeat(inputs[:, -1:].astype(np.float32) / 255.0, future, axis=1)


def blank_frames(future: int) -> Predictor:
    return lambda inputs: np.zeros((inputs.shape[0], future, *inputs.shape[2:]), dtype=np.float32)


def _batches(n: int, size: int) -> Iterator[slice]:
    for start in range(0, n, size):
        yield slice(start, min(start + size, n))


def score_predictor(
    predict: Predictor, frames: np.ndarray, input_len: int, batch: int, device: torch.device, desc: str = "evaluate"
) -> tuple[pd.DataFrame, dict]:
    """Per-frame table (frame index, metric means) and a summary with the means over all frames.

    LPIPS is computed only when its backbone weights are present; otherwise its column is empty
    and the summary says why.
    """
    reason = lpips_unavailable_reason()
    scorer = LpipsScorer(device) if reason is None else None
    parts: dict[str, list[np.ndarray]] = {}
    for sl in tqdm(list(_batches(len(frames), batch)), desc=desc, mininterval=2.0):
        pred = predict(frames[sl, :input_len])
        gt = frames[sl, input_len:].astype(np.float32) / 255.0
        scores = frame_metrics(pred, gt)
        if scorer is not None:
            scores["lpips"] = scorer(pred, gt)
            scores["lpips_published"] = scorer(pred, gt, published=True)
        for key, value in scores.items():
            parts.setdefault(key, []).append(value)
    per_seq = {key: np.concatenate(value) for key, value in parts.items()}  # (N, T_out) each
    future = frames.shape[1] - input_len
    table = pd.DataFrame({"frame": np.arange(input_len + 1, input_len + future + 1)})
    for key, value in per_seq.items():
        table[key] = value.mean(0)
    mean = {key: float(value.mean()) for key, value in per_seq.items()}
    for key in ("lpips", "lpips_published"):  # never a made-up number: empty when not measured
        if scorer is None:
            table[key] = np.nan
        mean.setdefault(key, None)
    summary = {"mean": mean, "test_sequences": len(frames), "lpips_status": reason or "ok: lpips 0.1.4, alex, v0.1"}
    return table, summary


def score_test_split(
    dataset: str, make_predictor: Callable[[int], Predictor], batch: int, device: torch.device, desc: str = "evaluate"
) -> tuple[pd.DataFrame, dict]:
    """Score `make_predictor(future)` on the dataset's test split (its layout read from the file)."""
    test_file = paths.sequences_file(dataset, "test")
    input_len, seq_len, _ = sequence_layout(test_file)
    return score_predictor(
        make_predictor(seq_len - input_len), read_sequences(test_file), input_len, batch, device, desc
    )


def save_scores(json_path: Path, csv_path: Path, table: pd.DataFrame, summary: dict) -> None:
    write_json(json_path, summary)
    write_text(csv_path, table.to_csv(index=False, float_format="%.6g"))
