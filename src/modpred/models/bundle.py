"""A trained predictor saved with everything needed to use it: its space and, when modular, its VQ-VAE.

Self-contained so that evaluation (and anyone handed the file) decodes through exactly the frozen
VQ-VAE the predictor was trained on.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from modpred.atomic import atomic_path
from modpred.errors import UserError
from modpred.models.contract import ModelShape
from modpred.models.predictors import build_predictor
from modpred.models.spaces import LatentSpace, PixelSpace
from modpred.models.vqvae import VQVAE

Space = PixelSpace | LatentSpace


@dataclass
class Bundle:
    predictor_name: str
    model: nn.Module
    space: Space
    input_len: int
    seq_len: int
    vqvae_sha256: str = ""


def save_bundle(path: Path, bundle: Bundle) -> None:
    state = {
        "predictor": bundle.predictor_name,
        "model_config": asdict(bundle.model.cfg),
        "state_dict": bundle.model.state_dict(),
        "input_len": bundle.input_len,
        "seq_len": bundle.seq_len,
        "mode": bundle.space.mode,
    }
    if isinstance(bundle.space, PixelSpace):
        state["space"] = {
            "patch": bundle.space.patch,
            "image": bundle.space.image,
            "channels": bundle.space.img_channels,
        }
    else:
        state["space"] = {"image": bundle.space.image, "decode": bundle.space.decode_mode}
        state["vqvae"] = bundle.space.vqvae.state()
        state["vqvae_sha256"] = bundle.vqvae_sha256
    with atomic_path(path) as tmp:
        torch.save(state, tmp)


def load_bundle(path: Path, device: torch.device, decode: str | None = None) -> Bundle:
    """Rebuild a bundle; `decode` overrides the modular decoding path ("quantize" or "direct")."""
    if not Path(path).is_file():
        raise UserError(f"missing model checkpoint: {path} (run `dvc repro` for its train stage)")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises many types for a damaged file
        raise UserError(f"corrupt model checkpoint {path}: {str(exc).splitlines()[0]}") from None
    if state["mode"] == "base":
        space: Space = PixelSpace(state["space"]["patch"], state["space"]["image"], state["space"]["channels"])
    else:
        vqvae = VQVAE.from_state(state["vqvae"]).to(device)
        space = LatentSpace(vqvae, state["space"]["image"], decode or state["space"]["decode"])
    shape = ModelShape(space.channels, space.grid, state["input_len"], pixels=state["mode"] == "base")
    model = build_predictor(state["predictor"], state["model_config"], shape, f"{path}: model")
    model.load_state_dict(state["state_dict"])
    return Bundle(
        state["predictor"],
        model.to(device).eval(),
        space,
        state["input_len"],
        state["seq_len"],
        state.get("vqvae_sha256", ""),
    )


def model_predictor(bundle: Bundle, future: int, device: torch.device) -> Callable[[np.ndarray], np.ndarray]:
    """uint8 input frames (B, T_in, C, H, W) -> the bundle's `future` predicted frames, floats in [0, 1]."""

    @torch.no_grad()
    def predict(inputs: np.ndarray) -> np.ndarray:
        x = bundle.space.encode(torch.from_numpy(inputs).to(device))
        return bundle.space.decode(bundle.model.predict(x, future)).cpu().numpy()

    return predict
