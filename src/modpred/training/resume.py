"""Resumable training state, kept outside DVC's outputs so a killed stage loses at most a few iterations.

DVC deletes a stage's outputs before running it, so the state lives in `.resume/` (git- and
DVC-ignored). It is written atomically every `checkpoint_every` iterations and removed once the
stage's real outputs are written. A state is used only if its fingerprint (the params section and
the identity of the training data) matches the current run; otherwise training starts afresh.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import nn

from modpred.atomic import atomic_path

RESUME_DIR = Path(".resume")


def fingerprint(params: Any, inputs: list[str]) -> str:
    """Hash of a params section and input identities (file hashes): what a resumed run must share."""
    text = json.dumps({"params": params, "inputs": inputs}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass
class ResumeState:
    path: Path
    fingerprint: str
    iteration: int = 0  # the next iteration to run
    losses: list[tuple[int, float]] = field(default_factory=list)
    extra: dict = field(default_factory=dict)  # the trainer's other state: LR scheduler, best-iterate selection

    def save(self, model: nn.Module, optimizer: torch.optim.Optimizer, gen: torch.Generator) -> None:
        state = {
            "fingerprint": self.fingerprint,
            "iteration": self.iteration,
            "losses": self.losses,
            "model": model.state_dict(),
            "optimizer": optimizer.state_dict(),
            "generator": gen.get_state(),
            "torch_rng": torch.get_rng_state(),
            "extra": self.extra,
        }
        with atomic_path(self.path) as tmp:
            torch.save(state, tmp)

    def restore(self, model: nn.Module, optimizer: torch.optim.Optimizer, gen: torch.Generator) -> bool:
        """Load a matching saved state into model, optimizer and generator; False if there is none."""
        if not self.path.is_file():
            return False
        try:
            state = torch.load(self.path, map_location="cpu", weights_only=True)
        except Exception:  # a damaged state is ignored, never trusted
            return False
        if state.get("fingerprint") != self.fingerprint:
            return False
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        gen.set_state(state["generator"])
        torch.set_rng_state(state["torch_rng"])
        self.iteration = int(state["iteration"])
        self.losses = [(int(i), float(v)) for i, v in state["losses"]]
        self.extra = state.get("extra", {})
        return True

    def clear(self) -> None:
        self.path.unlink(missing_ok=True)
