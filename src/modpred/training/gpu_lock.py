"""One training per GPU: a second cell started on a GPU that is already training stops with one line.

Two cells sharing a GPU (`dvc queue start -j 2` sends every worker to GPU 0) would each run at a
fraction of the speed and may run out of memory midway; so a training holds an exclusive lock on
its GPU, named by the GPU's UUID (so `CUDA_VISIBLE_DEVICES` renumbering cannot fool it), for as long
as it runs. The kernel releases the lock when the process ends, however it ends. CPU runs take none.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import torch

from modpred.errors import UserError

LOCKS = Path(tempfile.gettempdir()) / "modpred-gpu-locks"


@contextlib.contextmanager
def hold(key: str, what: str, label: str = "", folder: Path = LOCKS) -> Iterator[None]:
    """Hold the lock named `key` (shown as `label`) while the block runs; refuse, naming the holder, if another
    process has it."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{key}.lock"
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
    except PermissionError:  # another user's lock file: locking needs no write access
        fd = os.open(path, os.O_RDONLY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as err:
            if err.errno not in (errno.EWOULDBLOCK, errno.EACCES):
                raise
            holder = path.read_text().strip() or "another process"
            raise UserError(
                f"{label or key} is already training ({holder}); two cells on one GPU at once are not supported: "
                "run cells one after another (`dvc repro`, `dvc queue start -j 1`), each on its own GPU "
                "(`python -m stages fanout --gpus`), or one cell on several GPUs with torchrun"
            ) from None
        with contextlib.suppress(OSError):  # read-only lock file: the holder stays unnamed
            os.ftruncate(fd, 0)
            os.write(fd, f"pid {os.getpid()}: {what}".encode())
        yield
    finally:
        os.close(fd)


def gpu_key(device: torch.device) -> str | None:
    """The lock name of a CUDA device (its UUID), or None for a device that takes no lock."""
    if device.type != "cuda":
        return None
    return f"gpu-{torch.cuda.get_device_properties(device).uuid}"


def hold_gpu(device: torch.device, what: str) -> contextlib.AbstractContextManager[None]:
    """`hold` for the device's GPU; nothing on the CPU."""
    key = gpu_key(device)
    if key is None:
        return contextlib.nullcontext()
    return hold(key, what, f"GPU {device} ({torch.cuda.get_device_name(device)})")
