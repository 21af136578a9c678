"""Which device a process computes on: the one choice every stage makes first, logged."""

from __future__ import annotations

import logging

import torch

log = logging.getLogger(__name__)


def pick_device(local_rank: int = 0) -> torch.device:
    """CUDA when available (the process's GPU under torchrun), else CPU; logged, so a run says where it ran."""
    if torch.cuda.is_available():
        device = torch.device("cuda", local_rank)
        log.info("device: %s (%s)", device, torch.cuda.get_device_name(device))
    else:
        device = torch.device("cpu")
        # Denormal floats (below 1.2e-38) take a slow path on many x86 CPUs: measured on an Intel Xeon
        # (AMX), a 3x3 convolution of denormal inputs 14x slower, and PredRNN's pixel model went from
        # 0.7 to 13 s an iteration once its activations decayed into that range. Flushed to zero they
        # cost nothing; no result needs numbers that small.
        torch.set_flush_denormal(True)
        log.info("device: cpu (%d threads, denormals flushed to zero)", torch.get_num_threads())
    return device


def device_name(device: torch.device) -> str:
    """What a record says the run ran on: `cpu`, or the GPU's model name."""
    return str(device) if device.type == "cpu" else torch.cuda.get_device_name(device)
