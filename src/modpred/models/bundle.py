"""A trained predictor saved with everything needed to use it: its space and, when modular, its VQ-VAE.

Self-contained so that evaluation (and anyone handed the file) decodes through exactly the frozen
VQ-VAE the predictor was trained on.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import cast

import numpy as np
import torch
from torch import nn

from modpred.checkpoint import ModelCheckpoint, load_model_checkpoint, save_checkpoint
from modpred.errors import UserError
from modpred.models.card import ModelCard, check_card
from modpred.models.contract import Predictor
from modpred.models.predictors import build_predictor
from modpred.models.spaces import SPACES, Space


@dataclass
class Bundle:
    predictor_name: str
    model: nn.Module
    space: Space
    input_len: int
    seq_len: int
    card: ModelCard | None = None  # what the checkpoint says it is (`models.card`); None before training ends
    start: str = "scratch"  # the predictor's start (`contract.STARTS`), which its construction needs

    @property
    def future(self) -> int:
        """The frames it was trained to predict after its inputs."""
        return self.seq_len - self.input_len

    def encode(self, frames: torch.Tensor) -> torch.Tensor:
        """uint8 frames (B, T, C, H, W) -> what the predictor sees (patches, or the VQ-VAE's code vectors)."""
        return self.space.encode(frames)

    def rollout(self, x: torch.Tensor, future: int) -> torch.Tensor:
        """The predictor's test-time prediction of `future` steps in its own space."""
        return cast(Predictor, self.model).predict(x, future)

    def decode(self, predicted: torch.Tensor, frames: torch.Tensor) -> torch.Tensor:
        """Predicted steps -> frames in [0, 1], through the cell's decoding (the change decoding reads `frames`)."""
        return self.space.decode(predicted, frames)


def save_bundle(path: Path, bundle: Bundle) -> None:
    """The checkpoint: the predictor's config and weights, its space (with the frozen VQ-VAE), and its card."""
    cfg = bundle.model.cfg
    assert not isinstance(cfg, (torch.Tensor, nn.Module)), "a predictor's cfg is its config dataclass"
    state: ModelCheckpoint = {
        "predictor": bundle.predictor_name,
        "model_config": asdict(cfg),
        "state_dict": bundle.model.state_dict(),
        "buffers": [name for name, _ in bundle.model.named_buffers()],
        "input_len": bundle.input_len,
        "seq_len": bundle.seq_len,
        "mode": bundle.space.mode,
        **({"start": bundle.start} if bundle.start != "scratch" else {}),  # absent: scratch, as before the option
        **bundle.space.state(),
        **({"card": bundle.card.entry()} if bundle.card is not None else {}),  # train always gives one
    }
    save_checkpoint(path, state)


def load_bundle(
    path: Path, device: torch.device, decode: str | None = None, expect: tuple[str, str] | None = None
) -> Bundle:
    """Rebuild a bundle; `decode` overrides the modular decoding path (`modes.DECODINGS`).

    `expect` (predictor, mode) refuses a checkpoint of another cell, which would otherwise be
    scored and reported under this cell's name.
    """
    state = load_model_checkpoint(path)
    if state["mode"] not in SPACES:
        raise UserError(f"model checkpoint {path} records an unknown mode '{state['mode']}'")
    if expect is not None and (state["predictor"], state["mode"]) != expect:
        raise UserError(
            f"model checkpoint {path} holds a {state['predictor']} {state['mode']} model, not {expect[0]} {expect[1]}; "
            "rerun its train stage (`dvc repro`)"
        )
    card = ModelCard.from_entry(state["card"]) if "card" in state else None  # None: written before cards
    if card is not None:
        check_card(card, state, Path(path))
    try:
        space = SPACES[state["mode"]].from_state(state, device, decode)
        shape = replace(space.shape(state["input_len"]), start=state.get("start", "scratch"))
        model = build_predictor(state["predictor"], state["model_config"], shape, f"{path}: model")
        model.load_state_dict(state["state_dict"])
    except (KeyError, RuntimeError, TypeError, ValueError) as exc:  # entries that contradict each other
        reason = str(exc).splitlines()[0]
        raise UserError(f"model checkpoint {path} contradicts itself: {reason}") from None
    return Bundle(
        state["predictor"], model.to(device).eval(), space, state["input_len"], state["seq_len"], card, shape.start
    )


def model_predictor(bundle: Bundle, future: int, device: torch.device) -> Callable[[np.ndarray], np.ndarray]:
    """uint8 input frames (B, T_in, C, H, W) -> the bundle's `future` predicted frames, floats in [0, 1]."""

    @torch.no_grad()
    def predict(inputs: np.ndarray) -> np.ndarray:
        frames = torch.from_numpy(inputs).to(device)
        return bundle.decode(bundle.rollout(bundle.encode(frames), future), frames).cpu().numpy()

    return predict
