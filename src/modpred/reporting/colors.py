"""One colour per model, the same in every figure and in every chart of the `dvc plots` page.

A predictor keeps one hue wherever it appears: its modular model the dark shade of Tableau 20's
pair, its base model the light one. Hues follow the predictor's place in the plug-in folder, so
adding a predictor to a run never recolours the others. Baselines are grays, the VQ-VAE black.
"""

from __future__ import annotations

from modpred import paths
from modpred.plugins import MODES, predictor_names
from modpred.results import baseline_label, model_label

# Tableau 20 as (dark, light) pairs, its gray pair left out for the baselines
HUES = (
    ("#1f77b4", "#aec7e8"),
    ("#ff7f0e", "#ffbb78"),
    ("#2ca02c", "#98df8a"),
    ("#d62728", "#ff9896"),
    ("#9467bd", "#c5b0d5"),
    ("#8c564b", "#c49c94"),
    ("#e377c2", "#f7b6d2"),
    ("#bcbd22", "#dbdb8d"),
    ("#17becf", "#9edae5"),
)
SHADE = {"modular": 0, "base": 1}  # the paper's model dark, its pixel counterpart light
BASELINE_COLORS = {"copy_last": "#555555", "blank": "#a0a0a0", "vqvae_oracle": "#000000"}
VQVAE_LABEL, VQVAE_COLOR = "vqvae", "#000000"


def model_color(predictor: str, mode: str) -> str:
    names = predictor_names()
    hue = names.index(predictor) if predictor in names else len(names)  # a predictor no longer in the folder
    return HUES[hue % len(HUES)][SHADE[mode]]


def baseline_color(name: str) -> str:
    return BASELINE_COLORS[name]


def palette() -> dict[str, str]:
    """Label -> colour for every model any run can have, every baseline and the VQ-VAE."""
    colors = {model_label(p, m): model_color(p, m) for p in predictor_names() for m in MODES}
    colors |= {baseline_label(name): baseline_color(name) for name in paths.BASELINES}
    return colors | {VQVAE_LABEL: VQVAE_COLOR}
