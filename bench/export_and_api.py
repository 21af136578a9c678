"""ONNX export of every default model checked in onnxruntime, and the Python API's latency beside `predict`'s.

A benchmark, not a test: prints two tables for the committed default run (after `make repro`; the
ONNX part needs `make onnx`). Per model: the largest |onnxruntime - PyTorch| of each exported part
on the first N test sequences (the encoder's and decoder's on their PyTorch inputs, the predictor's
on the PyTorch latents) and of the whole chain on the frames, and seconds per sequence of both on
the CPU. Then per model: `modpred.load` once, `predict` on one clip (median of 5 calls) and per
sequence in a batch of 32, beside `python -m stages predict` on the same clip (a whole process:
start, imports, load, predict, write).
Usage: python bench/export_and_api.py [--sequences 200] [--predictors a,b]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
import yaml

import modpred
from modpred import paths
from modpred.cell import cells
from modpred.data.sequences import read_sequences
from modpred.device import device_name
from modpred.inference.onnx_export import check_export, export_cell
from modpred.models.bundle import load_bundle

DATASET = "mmnist"


def models(params: dict, only: list[str]) -> list[tuple[str, str, Path]]:
    """The first seed's model of each cell of DATASET (of the `only` predictors, when given)."""
    first = [c for c in cells(params, datasets=[DATASET]) if c.seed == params["seeds"][0]]
    return [(c.predictor, c.mode, c.model_file) for c in first if not only or c.predictor in only]


def onnx_rows(cells: list[tuple[str, str, Path]], frames: np.ndarray) -> None:
    print(f"ONNX (opset 18) against PyTorch on {len(frames)} test sequences of {DATASET}, onnxruntime CPU")
    parts = f"{'encoder':>9} {'predictor':>9} {'decoder':>9} {'frames':>9}"
    print(f"{'model':18} {parts} {'PyTorch s/seq':>13} {'ORT s/seq':>9}")
    for predictor, mode, path in cells:
        bundle = load_bundle(path, torch.device("cpu"))
        with tempfile.TemporaryDirectory() as tmp:
            check = check_export(bundle, export_cell(bundle, Path(tmp)), frames)
        d, s = check.max_diff, check.seconds_per_sequence
        print(
            f"{predictor + '-' + mode:18} {d['encoder']:9.1e} {d['predictor']:9.1e} {d['decoder']:9.1e} "
            f"{d['frames']:9.1e} {s['pytorch']:13.4f} {s['onnxruntime']:9.4f}",
            flush=True,
        )


def api_rows(cells: list[tuple[str, str, Path]], frames: np.ndarray) -> None:
    clip = paths.figures_dir(DATASET) / paths.SAMPLE_CLIP
    one = np.load(clip)
    batch = frames[:32]  # (N, T, C, H, W): the API's batch layout
    print(f"\nPython API against the predict command, one clip {one.shape} ({clip}), CPU")
    print(f"{'model':18} {'load s':>7} {'predict s':>9} {'s/seq of 32':>11} {'command s':>9}")
    for predictor, mode, path in cells:
        began = time.perf_counter()
        model = modpred.load(path)
        loaded = time.perf_counter() - began
        times = []
        for _ in range(5):
            began = time.perf_counter()
            model.predict(one)
            times.append(time.perf_counter() - began)
        began = time.perf_counter()
        model.predict(batch)
        per_sequence = (time.perf_counter() - began) / len(batch)
        with tempfile.TemporaryDirectory() as tmp:
            began = time.perf_counter()
            command = [sys.executable, "-m", "stages", "predict", str(path), str(clip), "--out", f"{tmp}/out"]
            subprocess.run(command, check=True, capture_output=True)
            whole = time.perf_counter() - began
        print(
            f"{predictor + '-' + mode:18} {loaded:7.3f} {statistics.median(times):9.4f} "
            f"{per_sequence:11.4f} {whole:9.2f}",
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sequences", type=int, default=200)
    parser.add_argument("--predictors", default="")
    args = parser.parse_args()
    params = yaml.safe_load(Path("params.yaml").read_text())
    cells = models(params, [p for p in args.predictors.split(",") if p])
    frames = read_sequences(paths.sequences_file(DATASET, "test"), 0, args.sequences)
    print(f"device: {device_name(torch.device('cpu'))}, {torch.get_num_threads()} threads")
    onnx_rows(cells, frames)
    api_rows(cells, frames)


if __name__ == "__main__":
    main()
