"""Step time, FLOPs and peak memory of each predictor x mode, at the default and paper sizes.

A benchmark, not a test: prints a table. Runs on CUDA when there is one, else on the CPU.
Every predictor in src/modpred/models/predictors is measured, in the space its train cell builds
(`training.run.planned_shape`: base = pixels in the cell's patches, large base = base with the
width doubled, Table III's "large"; modular = VQ-VAE codes, the frozen VQ-VAE not in the step since
its latents are precomputed), with its own batch size, and one step is the trainer's loss,
backward and Adam update.
Usage: python bench/step_time.py [--steps N] [--sizes default,paper] [--predictors a,b] [--amp bf16] [--channels-last]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import torch
import torch.nn.functional as F
import yaml
from torch.utils.flop_counter import FlopCounterMode

from modpred.models import count_params
from modpred.models.contract import ModelShape
from modpred.models.predictors import predictor_spec
from modpred.plugins import predictor_names
from modpred.profiles import apply_profile, load_profile
from modpred.training.compute import peak_memory, pick_device, reset_peak_memory, synchronize
from modpred.training.run import build_cell_model, planned_shape, train_config
from modpred.training.trainer import to_channels_last


def sizes() -> dict[str, dict]:
    """params.yaml (default) and params.yaml with profiles/paper.yaml applied (paper): nothing copied."""
    default = yaml.safe_load(Path("params.yaml").read_text())
    return {"default": default, "paper": apply_profile(default, load_profile("paper"))}


def cells(params: dict, predictor: str) -> list[tuple[str, dict, ModelShape, int]]:
    """(mode, train section, shape, batch) of base, large base and modular for one predictor."""
    section = params["train"][predictor]
    cfg = train_config(section, f"train.{predictor}")
    data = params["data"]["mmnist"]
    code_dim = params["vqvae"]["model"]["code_dim"]
    width = predictor_spec(predictor).width
    out = []
    for mode in ("base", "large base", "modular"):
        s = section
        if mode == "large base" and width is not None:
            s = {**section, "base_hidden": 2 * section["model"][width]}
        elif mode == "large base":
            continue
        shape = planned_shape(cfg, mode.split()[-1], data["image"], code_dim, data["input_len"], predictor)
        out.append((mode, s, shape, cfg.batch))
    return out


def time_steps(
    name: str, section: dict, shape: ModelShape, batch: int, steps: int, device: torch.device, amp: bool, cl: bool
) -> dict:
    torch.manual_seed(0)
    cfg = train_config(section, name)
    model = build_cell_model(name, section, cfg, shape).to(device)
    if cl:
        to_channels_last(model)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-4)
    frames = torch.rand(batch, 20, shape.channels, shape.grid, shape.grid, device=device)
    teacher = torch.ones(batch, 18, device=device)

    def step() -> None:
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=amp):
            out = model(frames, shape.input_len, teacher)
            loss = F.mse_loss(out.pred.float(), frames[:, out.first :]) + out.aux_loss
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
        **peak_memory(device),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=3)
    parser.add_argument("--sizes", default="default,paper")
    parser.add_argument("--predictors", default=",".join(predictor_names()))
    parser.add_argument("--amp", choices=("off", "bf16"), default="off")
    parser.add_argument("--channels-last", action="store_true")
    args = parser.parse_args()
    device = pick_device()
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else f"cpu ({torch.get_num_threads()} threads)"
    print(
        f"device: {name}; 20-frame sequences, each predictor's own batch and space; amp {args.amp}; "
        f"channels-last {args.channels_last}; {args.steps} timed steps after 1 warm-up"
    )
    print(
        f"{'size':8} {'predictor':9} {'mode':11} {'space':>12} {'batch':>5} {'params':>11} {'GFLOP/step':>10} "
        f"{'s/step':>8} {'s/100 it':>9} {'peak MiB':>9}  memory"
    )
    all_sizes = sizes()
    for size in args.sizes.split(","):
        for predictor in args.predictors.split(","):
            for mode, section, shape, batch in cells(all_sizes[size], predictor):
                r = time_steps(
                    predictor, section, shape, batch, args.steps, device, args.amp == "bf16", args.channels_last
                )
                space = f"{shape.channels}x{shape.grid}x{shape.grid}"
                print(
                    f"{size:8} {predictor:9} {mode:11} {space:>12} {batch:>5} {r['params']:>11,} {r['gflop']:>10.1f} "
                    f"{r['s_per_step']:>8.3f} {100 * r['s_per_step']:>9.1f} {r['peak_memory_mib']:>9.0f}  "
                    f"{r['memory_kind']}",
                    flush=True,
                )


if __name__ == "__main__":
    main()
