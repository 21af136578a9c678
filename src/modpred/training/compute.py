"""Measured compute figures (peak memory, synchronised timing) and where a training set is kept."""

from __future__ import annotations

import resource
import sys

import torch


def reset_peak_memory(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)


def peak_memory(device: torch.device) -> dict:
    """Peak memory in MiB: the CUDA allocator's peak on a GPU, the process's peak RSS on the CPU.

    The CPU figure covers the whole process (Python, torch, the data held in memory), like the
    paper's "memory of the training data and the model itself".
    """
    if device.type == "cuda":
        return {"peak_memory_mib": torch.cuda.max_memory_allocated(device) / 2**20, "memory_kind": "cuda_max_allocated"}
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    rss_bytes = rss if sys.platform == "darwin" else rss * 1024
    return {"peak_memory_mib": rss_bytes / 2**20, "memory_kind": "cpu_process_max_rss"}


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
