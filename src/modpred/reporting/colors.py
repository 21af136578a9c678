"""One colour per model, the same in every figure and in every chart of the `dvc plots` page.

A predictor keeps one hue wherever it appears: its modular model the hue itself, its base model a
lighter tint of it (and a dashed line). Hues are the Okabe-Ito palette, chosen to stay apart under
the common colour-vision deficiencies (tests/test_figures.py simulates them), and follow the
predictor's place in the plug-in folder, so adding a predictor never recolours the others.
Baselines are grays, each with its own dash pattern and marker (`modpred.baselines`); the VQ-VAE is black.
"""

from __future__ import annotations

from modpred.baselines import BASELINES
from modpred.cell import model_label
from modpred.modes import MODES
from modpred.plugins import predictor_names

OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00", "#56B4E9", "#F0E442")
TINT = 0.5  # a base model's shade: this share of white mixed into its predictor's hue


def _tint(hex_color: str, share: float) -> str:
    rgb = [int(hex_color[i : i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(c + (255 - c) * share):02x}" for c in rgb)


HUES = tuple((hue, _tint(hue, TINT)) for hue in OKABE_ITO)  # (modular, base) per predictor
VQVAE_LABEL, VQVAE_COLOR = "vqvae", "#000000"


def model_color(predictor: str, mode: str) -> str:
    names = predictor_names()
    hue = names.index(predictor) if predictor in names else len(names)  # a predictor no longer in the folder
    return HUES[hue % len(HUES)][MODES[mode].shade]  # the paper's model in the full hue, its pixel one lighter


def baseline_color(name: str) -> str:
    return BASELINES[name].color


def palette() -> dict[str, str]:
    """Label -> colour for every model any run can have, every baseline and the VQ-VAE."""
    colors = {model_label(p, m): model_color(p, m) for p in predictor_names() for m in MODES}
    colors |= {b.label: b.color for b in BASELINES.values()}
    return colors | {VQVAE_LABEL: VQVAE_COLOR}
