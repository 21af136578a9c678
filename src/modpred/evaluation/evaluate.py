"""Predict the target frames of every test sequence and score them frame by frame.

Also scores the two trivial baselines (copy the last input frame; predict blank frames), which
every trained model must beat; `oracle` scores the VQ-VAE's ceiling through the same function.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd
import torch

from modpred import paths
from modpred.atomic import write_text
from modpred.baselines import BLANK, COPY_LAST
from modpred.data.sequences import read_sequences, sequence_layout
from modpred.evaluation.frame_metrics import frame_metrics
from modpred.evaluation.lpips_metric import LpipsScorer, make_lpips_scorer
from modpred.metrics import CI_SUFFIX, CI_Z, LPIPS_KEYS
from modpred.modes import DECODINGS
from modpred.params import ParamsFile, build_config, choice, overridden, positive
from modpred.progress import progress
from modpred.results import Scores

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class EvaluateConfig:
    batch: int = positive(default=32)
    modular_decode: str = choice(DECODINGS, default="quantize")


def evaluate_config(p: ParamsFile, dataset: str) -> EvaluateConfig:
    """The `evaluate` section with the dataset's `data.<ds>.evaluate` overrides (videos: the change decoding)."""
    section = overridden(p.get("evaluate"), p.get(f"data.{dataset}.evaluate"), f"data.{dataset}.evaluate")
    return build_config(EvaluateConfig, section, "evaluate")


def modular_decode(p: ParamsFile, dataset: str) -> str:
    """`evaluate.modular_decode` as this dataset sets it: what train reads so that a modular model's
    validation decodes as its evaluation will (train lists only these two keys, not `evaluate.batch`)."""
    section = {"modular_decode": p.get("evaluate.modular_decode")}
    overrides = p.get(f"data.{dataset}.evaluate")
    if isinstance(overrides, dict):
        overrides = {k: v for k, v in overrides.items() if k == "modular_decode"}
    return build_config(
        EvaluateConfig, overridden(section, overrides, f"data.{dataset}.evaluate"), "evaluate"
    ).modular_decode


PredictFn = Callable[[np.ndarray], np.ndarray]  # uint8 inputs (B, T_in, C, H, W) -> float [0, 1] (B, T_out, ...)


class Measured(NamedTuple):
    per_frame: pd.DataFrame  # frame index, each metric's mean over the sequences and its `_ci95`
    per_sequence: pd.DataFrame  # sequence index, each metric's mean over its predicted frames
    mean: dict[str, float | None]  # the means over all sequences and frames (None: LPIPS not measured)
    lpips_status: str  # how LPIPS was measured, or why not
    lpips_source: str | None  # where its AlexNet weights came from


class Scored(NamedTuple):
    scores: Scores  # eval.json (a baseline's <name>.json), whole
    per_frame: pd.DataFrame
    per_sequence: pd.DataFrame


def copy_last_frame(future: int) -> PredictFn:
    return lambda inputs: np.repeat(inputs[:, -1:].astype(np.float32) / 255.0, future, axis=1)


def blank_frames(future: int) -> PredictFn:
    return lambda inputs: np.zeros((inputs.shape[0], future, *inputs.shape[2:]), dtype=np.float32)


TRIVIAL_PREDICTORS: dict[str, Callable[[int], PredictFn]] = {
    COPY_LAST.name: copy_last_frame,
    BLANK.name: blank_frames,
}  # the trivial baselines' predictions (`modpred.baselines.TRIVIAL`)


def _batches(n: int, size: int) -> Iterator[slice]:
    for start in range(0, n, size):
        yield slice(start, min(start + size, n))


def score_predictor(
    predict: PredictFn,
    frames: np.ndarray,
    input_len: int,
    batch: int,
    device: torch.device,
    desc: str = "evaluate",
    lpips: tuple[LpipsScorer | None, str] | None = None,
    sees_future: bool = False,
) -> Measured:
    """Per-frame and per-sequence tables of metric means, and the means over all frames.

    LPIPS is computed only when verified AlexNet weights are present (see `lpips_metric`);
    otherwise its columns are empty and the summary says why. `lpips` passes a scorer made once
    by `make_lpips_scorer`, for a caller that scores many times (validation during training).
    `sees_future` hands `predict` whole sequences instead of their inputs (the oracle only).
    """
    scorer, lpips_status = lpips or make_lpips_scorer(device)
    parts: dict[str, list[np.ndarray]] = {}
    seconds = {"total": time.perf_counter(), "lpips": 0.0}
    for sl in progress(list(_batches(len(frames), batch)), desc):
        pred = predict(frames[sl] if sees_future else frames[sl, :input_len])
        gt = frames[sl, input_len:].astype(np.float32) / 255.0
        scores = frame_metrics(pred, gt)
        if scorer is not None:
            started = time.perf_counter()
            scores.update(scorer(pred, gt))
            seconds["lpips"] += time.perf_counter() - started
        for key, value in scores.items():
            parts.setdefault(key, []).append(value)
    seconds["total"] = time.perf_counter() - seconds["total"]
    log.info("%s: %.1f s, of which LPIPS %.1f s", desc, seconds["total"], seconds["lpips"])
    per_seq = {key: np.concatenate(value) for key, value in parts.items()}  # (N, T_out) each
    future = frames.shape[1] - input_len
    table = pd.DataFrame({"frame": np.arange(input_len + 1, input_len + future + 1)})
    for key, value in per_seq.items():  # each frame's mean, and its 95% normal interval over sequences (bands)
        table[key] = value.mean(0)
        table[f"{key}{CI_SUFFIX}"] = CI_Z * value.std(0, ddof=1) / np.sqrt(len(value)) if len(value) > 1 else np.nan
    mean: dict[str, float | None] = {key: float(value.mean()) for key, value in per_seq.items()}
    sequences = pd.DataFrame({"sequence": np.arange(len(frames))})
    for key, value in per_seq.items():
        sequences[key] = value.mean(1)
    for key in LPIPS_KEYS:  # never a made-up number: empty when not measured
        if scorer is None:
            table[key] = table[f"{key}{CI_SUFFIX}"] = np.nan
            sequences[key] = np.nan
        mean.setdefault(key, None)
    return Measured(table, sequences, mean, lpips_status, scorer.source if scorer is not None else None)


def score_test_split(
    dataset: str,
    make_predictor: Callable[[int], PredictFn],
    batch: int,
    device: torch.device,
    name: tuple[str, str],
    seed: int | None = None,
    decode: str | None = None,
    sees_future: bool = False,
) -> Scored:
    """Score `make_predictor(future)` on the dataset's test split (its layout read from the file).

    `name` is (predictor, mode) of a trained model, or (baseline, `BASELINE_MODE`); with `seed` and
    `decode` (a trained model's) it makes the eval.json record whole.
    """
    test_file = paths.sequences_file(dataset, "test")
    layout = sequence_layout(test_file)
    frames = read_sequences(test_file)
    predict = make_predictor(layout.future)
    desc = " ".join(str(part) for part in (dataset, *name, seed) if part is not None)
    measured = score_predictor(predict, frames, layout.input_len, batch, device, desc, sees_future=sees_future)
    scores = Scores(
        dataset=dataset,
        predictor=name[0],
        mode=name[1],
        mean=measured.mean,
        test_sequences=len(frames),
        lpips_status=measured.lpips_status,
        lpips_source=measured.lpips_source,
        decode=decode,
        seed=seed,
    )
    return Scored(scores, measured.per_frame, measured.per_sequence)


def save_scores(json_path: Path, per_frame_csv: Path, per_sequence_csv: Path, scored: Scored) -> None:
    scored.scores.write(json_path)
    write_text(per_frame_csv, scored.per_frame.to_csv(index=False, float_format="%.6g"))
    write_text(per_sequence_csv, scored.per_sequence.to_csv(index=False, float_format="%.6g"))
