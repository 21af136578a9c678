"""Step time and peak memory of each predictor x mode, at the default and paper sizes.

A benchmark, not a test: prints a table. Runs on CUDA when there is one, else on the CPU.
Modes: base (pixels in 4x4 patches), large base (base with hidden units doubled, Table III's
"large"), modular (VQ-VAE codes; the frozen VQ-VAE is not in the step, its latents are precomputed).
Usage: python bench/step_time.py [--steps N] [--sizes default,paper] [--amp bf16] [--channels-last]
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
from modpred.models.registry import build_predictor
from modpred.profiles import apply_profile, load_profile
from modpred.training.compute import peak_memory, pick_device, reset_peak_memory, synchronize
from modpred.training.trainer import to_channels_last

BATCH = 8  # the official PredRNN and TCTN batch size; the default params use it too


def sizes() -> dict[str, tuple[dict[str, dict], int]]:
    """Per size, each predictor's model params and the modular code dimension: the default from
    params.yaml, the paper size from params.yaml with profiles/paper.yaml applied (nothing copied)."""
    default = yaml.safe_load(Path("params.yaml").read_text())
    paper = apply_profile(default, load_profile("paper"))
    return {
        name: (
            {p: dict(params["train"][p]["model"]) for p in params["predictors"]},
            params["vqvae"]["model"]["code_dim"],
        )
        for name, params in (("default", default), ("paper", paper))
    }


def time_steps(
    name: str, model_params: dict, channels: int, steps: int, device: torch.device, amp: bool, channels_last: bool
) -> dict:
    torch.manual_seed(0)
    model = build_predictor(name, model_params, channels, 16, "bench").to(device)
    if channels_last:
        to_channels_last(model)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-4)
    frames = torch.rand(BATCH, 20, channels, 16, 16, device=device)

    def step() -> None:
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=amp):
            loss = F.mse_loss(model(frames, 10).float(), frames[:, 1:])
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
    parser.add_argument("--amp", choices=("off", "bf16"), default="off")
    parser.add_argument("--channels-last", action="store_true")
    args = parser.parse_args()
    device = pick_device()
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else f"cpu ({torch.get_num_threads()} threads)"
    print(
        f"device: {name}; batch {BATCH}, 20 frames on a 16x16 grid; amp {args.amp}; channels-last "
        f"{args.channels_last}; {args.steps} timed steps after 1 warm-up"
    )
    print(
        f"{'size':8} {'predictor':9} {'mode':11} {'params':>11} {'GFLOP/step':>10} {'s/step':>8} {'s/100 it':>9} "
        f"{'peak MiB':>9}  memory"
    )
    for size in args.sizes.split(","):
        predictors, code_dim = sizes()[size]
        for predictor, model_params in predictors.items():
            modes = (
                ("base", model_params, 16),
                ("large base", {**model_params, "hidden": 2 * model_params["hidden"]}, 16),
                ("modular", model_params, code_dim),
            )
            for mode, mp, channels in modes:
                r = time_steps(predictor, mp, channels, args.steps, device, args.amp == "bf16", args.channels_last)
                print(
                    f"{size:8} {predictor:9} {mode:11} {r['params']:>11,} {r['gflop']:>10.1f} {r['s_per_step']:>8.3f} "
                    f"{100 * r['s_per_step']:>9.1f} {r['peak_memory_mib']:>9.0f}  {r['memory_kind']}",
                    flush=True,
                )


if __name__ == "__main__":
    main()
