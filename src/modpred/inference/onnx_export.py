"""A trained cell's test-time path as three ONNX graphs, checked in onnxruntime against PyTorch.

- `encoder.onnx`: uint8 frames (B, T, C, H, W) -> model space (B, T, C', g, g): the pixel patches
  (base) or the frozen VQ-VAE's code vectors (modular: encoder, nearest code, codebook lookup);
- `predictor.onnx`: the input frames in model space -> the next `future` frames in model space,
  the predictor's own test-time rollout (`predict`), unrolled for that many frames;
- `decoder.onnx`: model space -> frames in [0, 1] (the patches put back, or the frozen decoder
  after the cell's decoding path, `quantize` or `direct`; `change` also takes the uint8 input
  frames, `input_frames`, and decodes onto the last of them).

Chained they compute what `model_predictor` (evaluate, predict, `modpred.load`) computes. The
batch size is free; the number of input frames and of predicted frames is fixed at export.
`onnx`, `onnxscript` and `onnxruntime` are an optional install (`make onnx`).
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from modpred.errors import UserError
from modpred.models.bundle import Bundle

PARTS = ("encoder", "predictor", "decoder")
OPSET = 18


class _Part(nn.Module):
    """One part of the test-time path as the module the tracer exports. Trainable weights it reads
    (the predictor's) are registered as `weights`; frozen ones (the VQ-VAE's) are traced in as constants."""

    def __init__(self, run: Callable[..., torch.Tensor], weights: nn.Module | None = None) -> None:
        super().__init__()
        self.run, self.weights = run, weights

    def forward(self, *x: torch.Tensor) -> torch.Tensor:
        return self.run(*x)


@dataclass(frozen=True)
class Exported:
    files: dict[str, Path]  # part -> its .onnx file
    future: int


def _import_onnx() -> Any:
    try:
        import onnxruntime
    except ImportError:
        raise UserError(
            "ONNX export needs the optional install: `make onnx` (pinned onnx, onnxscript, onnxruntime)"
        ) from None
    return onnxruntime


def export_cell(bundle: Bundle, out: Path, future: int | None = None) -> Exported:
    """Write encoder.onnx, predictor.onnx and decoder.onnx of `bundle` (on the CPU) into `out`."""
    _import_onnx()
    future = future or bundle.future
    space = bundle.space
    frames = torch.zeros(2, bundle.input_len, space.frame_channels, space.image, space.image, dtype=torch.uint8)
    with torch.no_grad():
        latent = space.encode(frames)
        predicted = bundle.rollout(latent, future)
    out.mkdir(parents=True, exist_ok=True)
    onto = space.decodes_onto_inputs  # the change decoding reads the input frames too
    parts = {
        "encoder": (_Part(space.encode), (frames,), ("frames",), "model_space"),
        "predictor": (
            _Part(partial(bundle.rollout, future=future), bundle.model),
            (latent,),
            ("inputs",),
            "predicted",
        ),
        "decoder": (
            _Part(space.decode),
            (predicted, frames) if onto else (predicted,),
            ("predicted", "input_frames") if onto else ("predicted",),
            "frames",
        ),
    }
    files = {}
    for name, (module, example, given, made) in parts.items():
        path = out / f"{name}.onnx"
        try:
            with warnings.catch_warnings():
                # the input length is fixed at export (the tracer says so for every `t < input_len`)
                warnings.simplefilter("ignore", torch.jit.TracerWarning)
                warnings.simplefilter("ignore", DeprecationWarning)  # the TorchScript exporter's own notice
                torch.onnx.export(
                    module.eval(),
                    example,
                    str(path),
                    input_names=list(given),
                    output_names=[made],
                    dynamic_axes={**{g: {0: "batch"} for g in given}, made: {0: "batch"}},
                    opset_version=OPSET,
                    dynamo=False,  # torch 2.14's dynamo exporter fails to convert 6 of the 8 cells' graphs
                )
        except Exception as exc:  # the exporter raises many types; one line says which part and why
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise UserError(
                f"{bundle.predictor_name} {space.mode}: its {name} does not export to ONNX: {reason}"
            ) from None
        files[name] = path
    return Exported(files, future)


@dataclass(frozen=True)
class Check:
    sequences: int
    max_diff: dict[str, float]  # part (and "frames": the whole chain) -> largest |onnxruntime - PyTorch|
    seconds_per_sequence: dict[str, float]  # "pytorch", "onnxruntime": the whole chain, CPU


def check_export(bundle: Bundle, exported: Exported, frames: np.ndarray, batch: int = 32) -> Check:
    """Run the three graphs in onnxruntime (CPU) on uint8 sequences (N, T, C, H, W) and compare each
    part, and the chain, with PyTorch on the same inputs."""
    ort = _import_onnx()
    sessions = {
        name: ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        for name, path in exported.files.items()
    }
    diffs = dict.fromkeys((*PARTS, "frames"), 0.0)
    seconds = {"pytorch": 0.0, "onnxruntime": 0.0}
    inputs = frames[:, : bundle.input_len]
    for start in range(0, len(inputs), batch):
        x = inputs[start : start + batch]
        began = time.perf_counter()  # PyTorch's chain, part by part: what `model_predictor` runs
        with torch.no_grad():
            latent = bundle.encode(torch.from_numpy(x))
            predicted = bundle.rollout(latent, exported.future)
            decoded = bundle.decode(predicted, torch.from_numpy(x)).numpy()
        seconds["pytorch"] += time.perf_counter() - began
        began = time.perf_counter()
        chained = sessions["encoder"].run(None, {"frames": x})[0]
        chained = sessions["predictor"].run(None, {"inputs": chained})[0]
        onto = {"input_frames": x} if bundle.space.decodes_onto_inputs else {}
        chained = sessions["decoder"].run(None, {"predicted": chained, **onto})[0]
        seconds["onnxruntime"] += time.perf_counter() - began
        for name, ours, theirs in (  # each part on PyTorch's own inputs, then the whole chain
            ("encoder", latent.numpy(), sessions["encoder"].run(None, {"frames": x})[0]),
            ("predictor", predicted.numpy(), sessions["predictor"].run(None, {"inputs": latent.numpy()})[0]),
            ("decoder", decoded, sessions["decoder"].run(None, {"predicted": predicted.numpy(), **onto})[0]),
            ("frames", decoded, chained),
        ):
            diffs[name] = max(diffs[name], float(np.abs(ours - theirs).max()))
    return Check(len(inputs), diffs, {k: v / len(inputs) for k, v in seconds.items()})
