"""Step time and peak memory of each predictor x mode, at the default and paper sizes.

A benchmark, not a test: prints a table. Runs on CUDA when there is one, else on the CPU.
Usage: python bench/step_time.py [--steps N] [--sizes default,paper]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

import torch
import torch.nn.functional as F

from modpred.models.registry import build_predictor, count_params
from modpred.training.compute import peak_memory, pick_device, reset_peak_memory, synchronize

# (predictor model params, batch) per size; the paper's are its Section IV-C settings.
SIZES = {
    "default": {
        "predrnn": ({"layers": 2, "hidden": 32, "filter": 3}, 8),
        "tctn": ({"layers": 2, "hidden": 32, "heads": 4, "ffn_mult": 2}, 8),
    },
    "paper": {
        "predrnn": ({"layers": 4, "hidden": 64, "filter": 5}, 8),
        "tctn": ({"layers": 6, "hidden": 64, "heads": 4, "ffn_mult": 3}, 8),
    },
}
# Both modes present a 16x16 grid: base = 64x64 pixels in 4x4 patches (16 channels),
# modular = VQ-VAE codes on a 16x16 grid (code_dim channels: 16 default, 64 paper).
CHANNELS = {("default", "base"): 16, ("default", "modular"): 16, ("paper", "base"): 16, ("paper", "modular"): 64}


def time_steps(name: str, model_params: dict, channels: int, batch: int, steps: int, device: torch.device) -> dict:
    torch.manual_seed(0)
    model = build_predictor(name, model_params, channels, 16, "bench").to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-4)
    frames = torch.rand(batch, 20, channels, 16, 16, device=device)
    reset_peak_memory(device)
    for step in range(steps + 1):
        if step == 1:
            synchronize(device)
            start = time.perf_counter()
        loss = F.mse_loss(model(frames, 10), frames[:, 1:])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    synchronize(device)
    seconds = (time.perf_counter() - start) / steps
    return {"params": count_params(model), "s_per_step": seconds, **peak_memory(device)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=3)
    parser.add_argument("--sizes", default="default,paper")
    args = parser.parse_args()
    device = pick_device()
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else f"cpu ({torch.get_num_threads()} threads)"
    print(f"device: {name}; batch 8, 20 frames, 16x16 grid; {args.steps} timed steps after 1 warm-up")
    print(f"{'size':8} {'predictor':9} {'mode':8} {'params':>10} {'s/step':>8} {'s/100 it':>9} {'peak MiB':>9}  memory")
    for size in args.sizes.split(","):
        for predictor, (model_params, batch) in SIZES[size].items():
            for mode in ("base", "modular"):
                r = time_steps(predictor, model_params, CHANNELS[size, mode], batch, args.steps, device)
                print(
                    f"{size:8} {predictor:9} {mode:8} {r['params']:>10,} {r['s_per_step']:>8.3f} "
                    f"{100 * r['s_per_step']:>9.1f} {r['peak_memory_mib']:>9.0f}  {r['memory_kind']}"
                )


if __name__ == "__main__":
    main()
