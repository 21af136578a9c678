"""What the figures show (issue 28): colours that stay apart under colour-vision deficiencies, bands
for the intervals, and an MSE axis that a huge baseline does not flatten."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from modpred.baselines import BASELINES
from modpred.metrics import CI_SUFFIX
from modpred.plugins import predictor_names
from modpred.reporting.colors import baseline_color, model_color
from modpred.reporting.figures import Curve, per_frame_figure

# Machado, Oliveira and Fernandes (2009), severity 1.0, on linear RGB
DEFICIENCIES = {
    "protanopia": [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216], [-0.003882, -0.048116, 1.051998]],
    "deuteranopia": [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413], [-0.011820, 0.042940, 0.968881]],
    "tritanopia": [[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602], [0.004733, 0.691367, 0.303900]],
}
MIN_DELTA_E = 15.0  # CIE76 distance between two predictors' hues, as a person with the deficiency sees them


def _linear(hex_color: str) -> np.ndarray:
    srgb = np.array([int(hex_color[i : i + 2], 16) for i in (1, 3, 5)]) / 255.0
    return np.where(srgb <= 0.04045, srgb / 12.92, ((srgb + 0.055) / 1.055) ** 2.4)


def _lab(linear: np.ndarray) -> np.ndarray:
    xyz = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]]) @ linear
    xyz = xyz / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > (6 / 29) ** 3, np.cbrt(xyz), xyz / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def test_every_pair_of_predictor_hues_stays_apart_under_colour_vision_deficiencies():
    hues = {name: _linear(model_color(name, "modular")) for name in predictor_names()}
    assert len(hues) >= 4
    for deficiency, matrix in {"normal vision": np.eye(3), **DEFICIENCIES}.items():
        seen = {name: _lab(np.clip(np.array(matrix) @ rgb, 0, 1)) for name, rgb in hues.items()}
        for a, b in itertools.combinations(seen, 2):
            distance = float(np.linalg.norm(seen[a] - seen[b]))
            assert distance >= MIN_DELTA_E, (deficiency, a, b, round(distance, 1))


def test_baselines_differ_in_gray_dash_and_marker():
    looks = {b.name: (b.color, b.line_style, b.marker) for b in BASELINES.values()}
    for part in range(3):
        assert len({str(look[part]) for look in looks.values()}) == len(looks), part


def _per_frame(values: list[float], ci: float) -> pd.DataFrame:
    table = pd.DataFrame({"frame": np.arange(11, 11 + len(values))})
    for key in ("lpips", "ssim", "mse_frame"):
        table[key] = values
        table[f"{key}{CI_SUFFIX}"] = ci
    return table


def test_per_frame_panels_draw_interval_bands_and_a_log_axis_when_a_baseline_dwarfs_the_models():
    name = predictor_names()[0]
    models = [Curve(f"{name}-modular", model_color(name, "modular"), _per_frame([0.2, 0.3, 0.4], 0.02))]
    blank = Curve("baseline: blank", baseline_color("blank"), _per_frame([40.0, 40.0, 40.0], 0.0), mode="blank")
    fig, drawn = per_frame_figure(models)
    assert drawn == ["lpips", "ssim", "mse_frame"]
    assert all(ax.get_yscale() == "linear" for ax in fig.axes)
    assert all(len(ax.collections) == 1 for ax in fig.axes)  # one band: the model's interval
    fig, _ = per_frame_figure([*models, blank])  # 40 against 0.2: over 20x
    assert [ax.get_yscale() for ax in fig.axes] == ["log", "log", "log"]
    labels = [t.get_text() for t in fig.axes[2].get_yticklabels() if t.get_text()]
    assert labels and not any("times" in t or "^" in t for t in labels), labels  # 0.2, 0.5, 1, not 2x10^-1


def test_loss_curves_are_titled_by_the_loss_each_model_trained_on(tmp_path, monkeypatch):
    """Issue 29: a modular model trained on the codes loss gets its own panel, titled by that loss, not
    "MSE on code vectors"."""
    from modpred.modes import MODES
    from modpred.reporting import figures
    from modpred.training.losses import LOSSES, curve_words

    drawn = []
    monkeypatch.setattr(figures, "save_figure", lambda fig, path: drawn.append(fig))
    table = pd.DataFrame({"iteration": [0, 10, 20], "loss": [1.0, 0.5, 0.25]})
    name = predictor_names()[0]
    curves = [
        Curve(f"{name}-{mode}", model_color(name, mode), table, mode=mode, loss=loss)
        for mode in MODES
        for loss in LOSSES
        if not (LOSSES[loss].needs_codebook and MODES[mode].pixels)
    ]
    figures.loss_curves(curves, tmp_path / "loss.png")
    titles = [ax.get_title() for ax in drawn[0].axes if ax.get_title()]
    assert titles == [curve_words(MODES[c.mode], c.loss)[0] for c in curves]
    assert len(set(titles)) == len(curves)  # one panel per loss: no two units share an axis
