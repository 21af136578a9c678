"""Measured compute figures (peak memory, synchronised timing) and where a training set is kept."""

from __future__ import annotations

import math
import resource
import sys
from pathlib import Path
from typing import NamedTuple

import torch

from modpred.errors import UserError

MEMINFO = Path("/proc/meminfo")


def reset_peak_memory(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)


class Memory(NamedTuple):
    peak_mib: float  # peak memory in MiB
    kind: str  # what was measured: cuda_max_allocated or cpu_process_max_rss


def peak_memory(device: torch.device) -> Memory:
    """Peak memory in MiB: the CUDA allocator's peak on a GPU, the process's peak RSS on the CPU.

    The CPU figure covers the whole process (Python, torch, the data held in memory), like the
    paper's "memory of the training data and the model itself".
    """
    if device.type == "cuda":
        return Memory(torch.cuda.max_memory_allocated(device) / 2**20, "cuda_max_allocated")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    rss_bytes = rss if sys.platform == "darwin" else rss * 1024
    return Memory(rss_bytes / 2**20, "cpu_process_max_rss")


def synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def place_dataset(data: torch.Tensor, device: torch.device, fraction: float = 0.25) -> torch.Tensor:
    """Keep a training set (uint8 frames or integer codes) where batches are drawn fastest.

    On a GPU, the whole set moves to GPU memory once when it takes under `fraction` of the free
    memory, so each step indexes on the device with no host-to-device copy; otherwise it stays in
    pinned host memory and batches copy asynchronously. On the CPU it stays where it is.
    """
    if device.type != "cuda":
        return data
    free, _ = torch.cuda.mem_get_info(device)
    if data.numel() * data.element_size() < fraction * free:
        return data.to(device)
    return data.pin_memory()


def available_memory() -> int | None:
    """Bytes of memory the kernel says a new allocation can get now (MemAvailable); None off Linux."""
    if not MEMINFO.is_file():
        return None
    for line in MEMINFO.read_text().splitlines():
        if line.startswith("MemAvailable:"):
            return int(line.split()[1]) * 1024
    return None


def check_fits_in_memory(shape: tuple[int, ...], itemsize: int, what: str) -> None:
    """Refuse, with the size needed, a training split that would not fit in memory (rather than be killed)."""
    needed, available = math.prod(shape) * itemsize, available_memory()
    if available is not None and needed > available:
        raise UserError(
            f"{what} needs {_size(needed)} in memory ({'x'.join(map(str, shape))} uint8) and "
            f"{_size(available)} is available: train on a machine with more memory, or on fewer or "
            "smaller sequences (the modular cells, which hold codes, need far less)"
        )


def _size(nbytes: int) -> str:
    return f"{nbytes / 2**30:.2f} GiB" if nbytes >= 2**30 else f"{nbytes / 2**20:.1f} MiB"
