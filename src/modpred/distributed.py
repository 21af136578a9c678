"""Distributed data parallel through PyTorch's own engine: `torchrun` sets the environment, we read it.

Under `torchrun --nproc_per_node N`, every rank draws the same global batch from the same seeded
generator and trains on its slice `batch[rank::N]`; DDP averages gradients, so N ranks take the
same steps as one process with the whole batch (up to floating-point summation order). Rank 0
writes every output.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import torch
import torch.distributed as dist

from modpred.device import pick_device


@dataclass(frozen=True)
class Dist:
    rank: int = 0
    world: int = 1
    local_rank: int = 0

    @property
    def enabled(self) -> bool:
        return self.world > 1

    @property
    def main(self) -> bool:
        return self.rank == 0

    def device(self) -> torch.device:
        return pick_device(self.local_rank)

    def barrier(self) -> None:
        if self.enabled:
            dist.barrier()

    def mean(self, value: torch.Tensor) -> torch.Tensor:
        """Average a tensor over ranks (identity when not distributed)."""
        if not self.enabled:
            return value
        value = value.detach().clone()
        dist.all_reduce(value)
        return value / self.world

    def broadcast(self, obj: object) -> object:
        """Rank 0's `obj` on every rank."""
        if not self.enabled:
            return obj
        box = [obj]
        dist.broadcast_object_list(box, src=0)
        return box[0]


def init_distributed() -> Dist:
    """Join the process group torchrun describes (gloo on CPU, nccl on GPUs); a plain run is rank 0 of 1."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world <= 1:
        return Dist()
    info = Dist(int(os.environ["RANK"]), world, int(os.environ.get("LOCAL_RANK", "0")))
    if not dist.is_initialized():
        if torch.cuda.is_available():
            torch.cuda.set_device(info.local_rank)
        dist.init_process_group(backend="nccl" if torch.cuda.is_available() else "gloo")
    return info
