"""Step time, FLOPs and peak memory of each predictor x mode, at the default and paper sizes.

A benchmark, not a test: prints a table. Runs on CUDA when there is one, else on the CPU.
Every predictor in src/modpred/models/predictors is measured, in the space its train cell builds
(`CellConfig.planned_shape`: base = pixels in the cell's patches, large base = base with the
width doubled, Table III's "large"; modular = VQ-VAE codes, the frozen VQ-VAE not in the step since
its latents are precomputed), with its own batch size and the dataset's sequence layout
(`--dataset`: its channels too, 3 for colour videos), and one step is the trainer's loss
(`contract.train_loss`), backward and Adam update.
Usage: python bench/step_time.py [--steps N] [--sizes default,paper] [--predictors a,b] [--dataset mmnist]
[--amp bf16] [--channels-last]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import torch
import yaml
from torch.utils.flop_counter import FlopCounterMode

from modpred.data.generate import planned_layout
from modpred.device import pick_device
from modpred.models import count_params
from modpred.models.contract import ModelShape, train_loss
from modpred.models.predictors import predictor_spec
from modpred.modes import BASE, MODULAR
from modpred.plugins import predictor_names
from modpred.profiles import apply_profile, load_profile
from modpred.training.cell_config import CellConfig
from modpred.training.compute import peak_memory, reset_peak_memory, synchronize
from modpred.training.sampling import teacher_mask
from modpred.training.trainer import to_channels_last

DATASET = "mmnist"  # the sizes the paper's Table III reports


def sizes() -> dict[str, dict]:
    """params.yaml (default) and params.yaml with profiles/paper.yaml applied (paper): nothing copied."""
    default = yaml.safe_load(Path("params.yaml").read_text())
    return {"default": default, "paper": apply_profile(default, load_profile("paper"))}


def cells(params: dict, predictor: str, dataset: str = DATASET) -> list[tuple[str, CellConfig, ModelShape, int]]:
    """(row name, cell, shape, sequence length) of base, large base and modular for one predictor."""
    section = params["train"][predictor]
    layout = planned_layout(dataset, params["data"][dataset])
    code_dim = params["vqvae"]["model"]["code_dim"]
    downsample = params["vqvae"]["model"].get("downsample", 4)
    width = predictor_spec(predictor).width
    out = []
    for row, mode in ((BASE.name, BASE), (f"large {BASE.name}", BASE), (MODULAR.name, MODULAR)):
        s = section
        if row.startswith("large") and width is not None:
            s = {**section, "base_hidden": 2 * section["model"][width]}
        elif row.startswith("large"):
            continue
        cell = CellConfig.from_section(predictor, mode.name, s)
        out.append((row, cell, cell.planned_shape(layout, code_dim, downsample), layout.seq_len))
    return out


def time_steps(
    cell: CellConfig, shape: ModelShape, seq_len: int, steps: int, device: torch.device, amp: bool, cl: bool
) -> dict:
    torch.manual_seed(0)
    model = cell.build_model(shape).to(device)
    if cl:
        to_channels_last(model)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-4)
    batch = cell.trainer.batch
    frames = torch.rand(batch, seq_len, shape.channels, shape.grid, shape.grid, device=device)
    teacher = teacher_mask(batch, seq_len, shape.input_len, cell.trainer, 0, torch.Generator()).to(device)

    def step() -> None:
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=amp):
            loss = train_loss(model(frames, shape.input_len, teacher), frames)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    with FlopCounterMode(display=False) as counter:  # one step, counted, doubles as the warm-up
        step()
    reset_peak_memory(device)
    synchronize(device)
    start = time.perf_counter()
    for _ in range(steps):
        step()
    synchronize(device)
    seconds = (time.perf_counter() - start) / steps
    return {
        "params": count_params(model),
        "s_per_step": seconds,
        "gflop": counter.get_total_flops() / 1e9,
        "memory": peak_memory(device),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=3)
    parser.add_argument("--sizes", default="default,paper")
    parser.add_argument("--predictors", default=",".join(predictor_names()))
    parser.add_argument("--amp", choices=("fp32", "bf16"), default="fp32")
    parser.add_argument("--channels-last", action="store_true")
    parser.add_argument("--dataset", default=DATASET, help="whose sequence layout (and channels) to plan")
    args = parser.parse_args()
    device = pick_device()
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else f"cpu ({torch.get_num_threads()} threads)"
    print(
        f"device: {name}; {args.dataset}'s sequence layout, each predictor's own batch and space; amp {args.amp}; "
        f"channels-last {args.channels_last}; {args.steps} timed steps after 1 warm-up"
    )
    print(
        f"{'size':8} {'predictor':9} {'mode':11} {'space':>12} {'batch':>5} {'params':>11} {'GFLOP/step':>10} "
        f"{'s/step':>8} {'s/100 it':>9} {'peak MiB':>9}  memory"
    )
    all_sizes = sizes()
    for size in args.sizes.split(","):
        for predictor in args.predictors.split(","):
            for mode, cell, shape, seq_len in cells(all_sizes[size], predictor, args.dataset):
                r = time_steps(cell, shape, seq_len, args.steps, device, args.amp == "bf16", args.channels_last)
                batch = cell.trainer.batch
                space = f"{shape.channels}x{shape.grid}x{shape.grid}"
                print(
                    f"{size:8} {predictor:9} {mode:11} {space:>12} {batch:>5} {r['params']:>11,} {r['gflop']:>10.1f} "
                    f"{r['s_per_step']:>8.3f} {100 * r['s_per_step']:>9.1f} {r['memory'].peak_mib:>9.0f}  "
                    f"{r['memory'].kind}",
                    flush=True,
                )


if __name__ == "__main__":
    main()
