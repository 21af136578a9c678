"""The pipeline's modes, one record each: everything that differs between a base and a modular cell
outside the two spaces that implement them (`models/spaces.py`) and the loaders that fill them
(`training/training_set.py`).

Every other module reads these records (plug-in checks, reporting, paths, the sweep) and never
spells a mode's name, so a third mode is one record here, its space and its loader.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Mode:
    name: str  # the DAG's matrix value (`modes:` in params.yaml) and its data folder, data/<ds>/<name>
    sees: str  # what its predictor sees, in words (help text)
    pixels: bool  # its predictor sees pixels: no codebook (losses in code space refused), own encoders built
    mse_on: str  # what its MSE loss compares, in words (its loss panel's title)
    loss_unit: str  # the unit of that MSE (its loss panel's axis)
    shade: int  # 0: its predictor's full hue, 1: the lighter tint (`reporting/colors.py`)
    line_style: str  # its lines in every figure
    marker: str  # its points in the sweep's scatter
    base_hidden: bool  # whether `train.<p>.base_hidden` replaces its predictor's width (Table III's large base)

    @property
    def loss_title(self) -> str:
        return f"{self.name} models: MSE on {self.mse_on}"


BASE = Mode("base", "pixels", True, "pixels in [0, 1]", "pixel MSE (per pixel, frames in [0, 1])", 1, "--", "o", True)
MODULAR = Mode(
    "modular", "frozen VQ-VAE latents", False, "code vectors", "code-vector MSE (per element)", 0, "-", "^", False
)
# a modular prediction's ways to frames (`spaces.LatentSpace.decode`): snapped to the nearest codes,
# raw, or snapped and decoded as a change onto the last input frame
DECODINGS = ("quantize", "direct", "change")
MODES: dict[str, Mode] = {m.name: m for m in (BASE, MODULAR)}  # iterates over the names, in the DAG's order


def mode_record(name: str) -> Mode:
    """The record of mode `name`; a ValueError naming the modes for any other."""
    if name not in MODES:
        raise ValueError(f"unknown mode '{name}': expected one of {', '.join(MODES)}")
    return MODES[name]
