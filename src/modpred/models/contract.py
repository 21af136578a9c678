"""The predictor contract: what a predictor is given and returns, in training and at test time.

A predictor is a `torch.nn.Module` in its own file, `models/predictors/<name>.py`, which defines
`PREDICTOR = PredictorSpec(...)`. With its `train.<name>` section in params.yaml (a `model:`
mapping for its config plus the trainer's keys) and its name in `predictors:`, `dvc repro`
trains, evaluates, plots and reports it in both modes; nothing else names it.

- Config: a frozen dataclass whose fields carry the project's rules (`modpred.params.positive`,
  `between`, `choice`, ...; cross-field rules in `__post_init__` as ValueError). It is built from
  `train.<name>.model`, saved in the checkpoint and rebuilt from it, so errors name the key.
- Space: the predictor sees float sequences (B, T, C, grid, grid): patch-reshaped pixels in
  [0, 1] (base mode) or the frozen VQ-VAE's code vectors (modular). `ModelShape` tells it C, the
  grid, the number of input frames and which of the two it is (a predictor that brings its own
  pixel encoder, like SimVP, builds it only for pixels).
- Training: `forward(frames, input_len, teacher)` -> `TrainOutput`. `frames` is the whole
  sequence; `teacher` (B, T-2) is the scheduled-sampling mask for steps 1..T-2 (1: feed the true
  frame, 0: the model's own prediction), which a predictor without feedback ignores. The trainer
  minimises the cell's loss (`training.losses`) on that output: by default `train_loss` below,
  `frame_mse` (MSE(pred, frames[:, first:])) + aux_loss, so a next-frame
  predictor returns first=1 and a one-shot predictor returns first=input_len; an extra loss term
  is returned, never left as state on the module.
- Test time: `predict(inputs, future)`, inputs (B, input_len, C, grid, grid) -> the next `future`
  frames, (B, future, C, grid, grid), with no true frame after the inputs.
- Start (`ModelShape.start`, the cell's `train.<name>.start`): `scratch` (the paper's predictors:
  each frame synthesised by the last layer) or `copy`: each predicted frame is the frame the step
  was given (the true frame or the model's own previous prediction; a one-shot predictor's last
  input frame) plus a learned change, whose last layer starts at zero. An untrained model then
  predicts exactly copy-last, and training can only move it from there. A predictor builds its
  last layer through `starts_at_zero` and returns `add_change(given, change, shape)`.
- Counting: trainable parameters are `models.count_params(model)`; the bench counts FLOPs of one
  training step with torch's FlopCounterMode, so nothing needs declaring.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple, Protocol, runtime_checkable

import torch
import torch.nn.functional as F
from torch import nn

from modpred.modes import mode_record


class TrainOutput(NamedTuple):
    pred: torch.Tensor  # predictions of frames[:, first:], (B, T - first, C, H, W)
    first: int  # index of the first predicted frame
    aux_loss: torch.Tensor | float = 0.0  # an extra loss term, already weighted (0.0: none)


class Batch(NamedTuple):
    """A training batch: the sequences in model space and the training pool's entries they came from."""

    frames: torch.Tensor  # (B, T, C, grid, grid) floats: what the predictor sees
    pool: torch.Tensor | None = None  # (B, T, ...) as the pool stores them: uint8 frames or code indices


def frame_mse(out: TrainOutput, frames: torch.Tensor) -> torch.Tensor:
    """The one MSE of predicted frames in model space: pixels in base mode, code vectors in modular.

    The predictions are cast to float32 first, so the loss is the same under bf16 autocast.
    """
    return F.mse_loss(out.pred.float(), frames[:, out.first :])


def train_loss(out: TrainOutput, frames: torch.Tensor) -> torch.Tensor:
    """The paper's training loss of every predictor: `frame_mse`, plus the predictor's own term."""
    return frame_mse(out, frames) + out.aux_loss


STARTS = ("scratch", "copy")  # what an untrained predictor outputs: its last layer's synthesis, or its given frame


@dataclass(frozen=True)
class ModelShape:
    channels: int  # C of the sequences the predictor sees
    grid: int  # their height and width
    input_len: int  # frames given at test time
    mode: str  # a name of `modpred.modes.MODES`: patch-reshaped pixels or VQ-VAE code vectors
    start: str = "scratch"  # one of STARTS: `copy` predicts given frame + learned change

    def __post_init__(self) -> None:
        mode_record(self.mode)
        if self.start not in STARTS:
            raise ValueError(f"unknown start '{self.start}': expected one of {', '.join(STARTS)}")

    @property
    def copies(self) -> bool:
        """True when each prediction is its given frame plus a learned change."""
        return self.start == "copy"

    @property
    def pixels(self) -> bool:
        """True when the predictor sees pixels (a predictor with its own pixel encoder builds it then)."""
        return mode_record(self.mode).pixels


@runtime_checkable
class Predictor(Protocol):
    cfg: Any

    def forward(self, frames: torch.Tensor, input_len: int, teacher: torch.Tensor | None = None) -> TrainOutput: ...

    def predict(self, inputs: torch.Tensor, future: int) -> torch.Tensor: ...


@dataclass(frozen=True)
class PredictorSpec:
    """What a predictor module registers: its config class and how to build it for a space."""

    config: type  # the frozen dataclass built from `train.<name>.model`
    build: Callable[[ModelShape, Any], nn.Module]  # (shape, an instance of `config`) -> the module
    width: str | None = "hidden"  # the config field that `train.<name>.base_hidden` replaces in base mode


def starts_at_zero(layer: nn.Module, shape: ModelShape) -> nn.Module:
    """A predictor's last layer; when the shape copies, its weights and bias zeroed, so the change it
    outputs starts at zero and an untrained model predicts exactly its given frames."""
    if shape.copies:
        with torch.no_grad():
            for p in layer.parameters():
                p.zero_()
    return layer


def add_change(given: torch.Tensor, change: torch.Tensor, start: str) -> torch.Tensor:
    """A predicted frame: the last layer's output itself (`scratch`) or the given frame plus it (`copy`)."""
    return given + change if start == "copy" else change


def step_input(
    frames: torch.Tensor, t: int, input_len: int, teacher: torch.Tensor | None, previous: torch.Tensor | None
) -> torch.Tensor:
    """The input of step t of a recurrent predictor that feeds its predictions back (PredRNN, ConvLSTM).

    Test time (`teacher` None): the true frame inside the input window, the previous prediction
    after it. Training: the `teacher` mask mixes the true frame (1) and the previous prediction (0)
    at every step after the first, as the official PredRNN trainer does.
    """
    if teacher is None:
        if t < input_len:
            return frames[:, t]
        assert previous is not None, "a step after the input window needs the previous prediction"
        return previous
    if t == 0:
        return frames[:, 0]
    assert previous is not None, "a step after the first needs the previous prediction"
    keep = teacher[:, t - 1].view(-1, 1, 1, 1)
    return keep * frames[:, t] + (1 - keep) * previous


def feedback_predict(model: nn.Module, inputs: torch.Tensor, future: int) -> torch.Tensor:
    """`predict` of a next-frame predictor: the inputs, then `future` steps on its own predictions.

    The frames after the inputs are zeros that `step_input` never reads (no `teacher` at test
    time), so the predictions of steps t_in-1 .. t_in+future-2 are the next `future` frames.
    """
    t_in = inputs.shape[1]
    pad = inputs.new_zeros(inputs.shape[0], future, *inputs.shape[2:])
    return model(torch.cat([inputs, pad], dim=1), t_in).pred[:, t_in - 1 :]
