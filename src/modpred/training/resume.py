"""Resumable training state, kept outside DVC's outputs so a killed stage loses at most a few iterations.

DVC deletes a stage's outputs before running it, so the state lives in `.resume/` (git- and
DVC-ignored). It is written atomically every `checkpoint_every` iterations and removed once the
stage's real outputs are written. A state is used only if its fingerprint (the params section, the
identity of the training data and the hash of the code the stage runs) matches the current run;
otherwise training starts afresh, and the log says which of the three changed.
What is saved is the loop's `TrainState`, whole, plus torch's global random state.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, TypeVar, cast

import torch

from modpred import paths
from modpred.checkpoint import read_checkpoint, save_checkpoint

log = logging.getLogger(__name__)


S = TypeVar("S", bound=Mapping[str, object])  # a loop's own record of its state (a TypedDict)


class Resumable(Protocol[S]):
    """What the training loop hands over: its whole state as tensors, numbers and lists."""

    iteration: int

    def state_dict(self) -> S: ...

    def load_state_dict(self, state: S) -> None: ...


def fingerprint(params: Mapping[str, object], inputs: list[str], code: str) -> dict[str, str]:
    """What a resumed run must share, by part: hashes of the params section and of the input identities
    (file hashes), and the hash of the code its stage runs (`code_deps.code_hash`)."""
    return {"params": _sha256(params), "data": _sha256(inputs), "code": code}


def _sha256(value: object) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()


def vqvae_resume_file(ds: str, root: Path = Path(".")) -> Path:
    """Where the VQ-VAE pretraining of `ds` keeps its resumable state."""
    return root / paths.RESUME_DIR / ds / "vqvae.pt"


@dataclass
class ResumeState:
    path: Path
    fingerprint: dict[str, str]  # `fingerprint(...)`: params, data and code, each a hash
    iteration: int = 0  # the iteration the saved state continues from (0: nothing saved)

    def save(self, state: Resumable[S]) -> None:
        self.iteration = state.iteration
        save_checkpoint(
            self.path, {"fingerprint": self.fingerprint, **state.state_dict(), "torch_rng": torch.get_rng_state()}
        )

    def restore(self, state: Resumable[S]) -> bool:
        """Load a matching saved state into `state`; False if there is none (a damaged one is ignored,
        never trusted)."""
        payload = read_checkpoint(self.path)
        if payload is None:
            return False
        saved = payload.get("fingerprint")
        if saved != self.fingerprint:
            old = saved if isinstance(saved, dict) else {}
            changed = [k for k, v in self.fingerprint.items() if old.get(k) != v]
            log.info("%s was saved under other %s: training starts afresh", self.path, " and ".join(changed))
            return False
        state.load_state_dict(cast(S, payload))
        torch.set_rng_state(cast(torch.Tensor, payload["torch_rng"]))
        self.iteration = state.iteration
        return True

    def clear(self) -> None:
        self.path.unlink(missing_ok=True)
