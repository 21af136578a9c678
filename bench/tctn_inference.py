"""TCTN causal inference: recomputing the prefix for every predicted frame against the cached steps.

A benchmark, not a test: prints a table. `predict_recompute` runs the whole decoder over the
sequence so far for each new frame (what `evaluate` and validation did before issue 20);
`predict_cached` steps each frame once through every layer, keeping the past's keys, values and
causal-convolution inputs (tests/test_tctn.py checks the two agree within 1e-5). Both are timed on
the space each train cell builds (base: pixel patches, modular: VQ-VAE codes), at evaluate's
batch, with the dataset's input and future lengths; the last columns scale one batch to a
validation (`val_sequences`) and to an evaluation of the test split.
Usage: python bench/tctn_inference.py [--sizes default,paper] [--repeats N]
"""

from __future__ import annotations

import argparse
import math
import time
from collections.abc import Callable
from functools import partial

import torch
from step_time import DATASET, sizes

from modpred.data.generate import planned_layout
from modpred.device import pick_device
from modpred.modes import MODES
from modpred.training.cell_config import CellConfig
from modpred.training.compute import synchronize


def seconds(fn: Callable[[], torch.Tensor], device: torch.device, repeats: int) -> float:
    """Best of `repeats` timed calls after one warm-up: the least disturbed by the other core's load."""
    fn()
    best = math.inf
    for _ in range(repeats):
        synchronize(device)
        start = time.perf_counter()
        fn()
        synchronize(device)
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="default,paper")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    device = pick_device()
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else f"cpu ({torch.get_num_threads()} threads)"
    print(f"device: {name}; {DATASET}; batch = evaluate.batch; best of {args.repeats} after 1 warm-up")
    print(
        f"{'size':8} {'mode':8} {'space':>10} {'batch':>5} {'recompute s':>11} {'cached s':>9} {'speed-up':>8} "
        f"{'max |diff|':>10} {'val s (old/new)':>16} {'eval s (old/new)':>17}"
    )
    all_sizes = sizes()
    for size in args.sizes.split(","):
        params = all_sizes[size]
        data, section = params["data"][DATASET], params["train"]["tctn"]
        batch, future = params["evaluate"]["batch"], data["seq_len"] - data["input_len"]
        code_dim = params["vqvae"]["model"]["code_dim"]
        downsample = params["vqvae"]["model"].get("downsample", 4)
        for mode in MODES:
            cell = CellConfig.from_section("tctn", mode, section)
            shape = cell.planned_shape(planned_layout(DATASET, data), code_dim, downsample)
            torch.manual_seed(0)
            model = cell.build_model(shape).to(device).eval()
            inputs = torch.rand(batch, shape.input_len, shape.channels, shape.grid, shape.grid, device=device)
            with torch.no_grad():
                old = seconds(partial(model.predict_recompute, inputs, future), device, args.repeats)
                new = seconds(partial(model.predict_cached, inputs, future), device, args.repeats)
                diff = (model.predict_recompute(inputs, future) - model.predict_cached(inputs, future)).abs().max()
            val_batches = math.ceil(section["val_sequences"] / batch)
            eval_batches = math.ceil(data["num_test"] / batch)
            space = f"{shape.channels}x{shape.grid}x{shape.grid}"
            print(
                f"{size:8} {mode:8} {space:>10} {batch:>5} {old:>11.3f} {new:>9.3f} {old / new:>7.1f}x "
                f"{diff.item():>10.1e} {f'{old * val_batches:.1f}/{new * val_batches:.1f}':>16} "
                f"{f'{old * eval_batches:.1f}/{new * eval_batches:.1f}':>17}",
                flush=True,
            )


if __name__ == "__main__":
    main()
