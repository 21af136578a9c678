"""Figures like the paper's: prediction strips (Fig. 4), per-frame metric curves (Fig. 5),
VQ-VAE reconstructions beside originals, training-loss and validation curves.

Each is written twice: a 150-dpi PNG (the report shows it) and a PDF beside it (vector, for a
paper). A model has one colour everywhere (`colors.py`) and a line style per mode: modular solid,
base dashed; each baseline its own gray, dash pattern and marker; one legend per figure. Metadata
(dates, software) is left out of both files, so identical results give identical bytes (DVC sees
no change).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.artist import Artist
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

from modpred.baselines import BASELINES
from modpred.metrics import CI_SUFFIX, metric
from modpred.modes import MODES, MODULAR
from modpred.results import DEFAULT_LOSS
from modpred.training.losses import LOSSES, curve_words

CURVE_METRICS = tuple(metric(key) for key in ("lpips", "ssim", "mse_frame"))  # LPIPS as published: the tables
CURVE_UNITS = {  # the y axis of each per-frame panel: what the number is
    "lpips": "LPIPS distance (0: identical)",
    "ssim": "SSIM (1: identical)",
    "mse_frame": "squared error summed over a frame (pixels in [0, 1])",
}
KEPT_LABEL = "kept iterate (best validation)"
LOG_WHEN_SPREAD = 20.0  # a per-frame axis whose largest value is this many times its smallest goes logarithmic
KEPT_MARKER: dict[str, Any] = {
    "marker": "*",
    "markersize": 11,
    "markeredgecolor": "black",
    "markeredgewidth": 0.6,
    "linestyle": "none",
}
PNG_DPI = 150
PDF_METADATA = {"CreationDate": None, "Producer": None, "Creator": None}


@dataclass(frozen=True)
class Curve:
    """One line of a figure: its label, colour and table; `mode` is a mode's name for a trained
    model (its line style; with `loss`, its loss panel), or a baseline's name (`modpred.baselines`)."""

    label: str
    color: str
    table: pd.DataFrame
    mode: str = MODULAR.name
    kept: int | None = None  # the iteration best-iterate selection kept (marked on loss and validation curves)
    seconds_per_iteration: float = 0.0  # training steps only (train.json), for the validation curve's time axis
    loss: str = DEFAULT_LOSS  # the loss it trained on (train.json): its loss panel

    @property
    def baseline(self) -> bool:
        return self.mode in BASELINES

    @property
    def style(self) -> Any:
        return BASELINES[self.mode].line_style if self.baseline else MODES[self.mode].line_style

    @property
    def marker(self) -> str:
        return BASELINES[self.mode].marker if self.baseline else "o"


def save_figure(fig: plt.Figure, path: Path) -> None:
    """`path` (PNG) and the same figure as a PDF beside it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=PNG_DPI, bbox_inches="tight", metadata={"Software": None})
    fig.savefig(path.with_suffix(".pdf"), bbox_inches="tight", metadata=PDF_METADATA)
    plt.close(fig)


def _shared_legend(fig: plt.Figure, axes: list) -> None:
    """One legend for the whole figure, below its panels and their axis labels, each label once."""
    labels: dict[str, Artist] = {}
    for ax in axes:
        for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
            labels.setdefault(label, handle)
    if KEPT_LABEL in labels:  # the marker's entry after every line's
        labels[KEPT_LABEL] = labels.pop(KEPT_LABEL)
    columns = min(len(labels), 4)
    # where the tick and axis labels end, in figure coordinates
    below = min(ax.get_tightbbox().transformed(fig.transFigure.inverted()).y0 for ax in axes)
    fig.legend(
        list(labels.values()), list(labels), loc="upper center", bbox_to_anchor=(0.5, below), ncol=columns, fontsize=8
    )


def _plain_log_axis(ax: plt.Axes) -> None:
    """A logarithmic y axis whose ticks read 0.02, 0.05, 0.1 or 20, 50, 100, not 2x10^-2."""
    ax.set_yscale("log")
    ax.yaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
    ax.yaxis.set_minor_formatter(NullFormatter())


def frame_strip(
    rows: list[tuple[str, np.ndarray]], path: Path, column_titles: list[str] | None = None, title: str = ""
) -> None:
    """Labelled rows of frames, uint8 (T, H, W) gray or (T, H, W, 3) colour each; columns titled t=1, 2, ...
    unless given."""
    cols = max(len(frames) for _, frames in rows)
    fig, axes = plt.subplots(len(rows), cols, figsize=(cols * 0.9, len(rows) * 0.95), squeeze=False)
    for r, (label, frames) in enumerate(rows):
        for c in range(cols):
            ax = axes[r, c]
            ax.set_xticks([])
            ax.set_yticks([])
            if c < len(frames):
                ax.imshow(frames[c], cmap="gray", vmin=0, vmax=255)  # colour frames (H, W, 3) ignore the cmap
            else:
                ax.axis("off")
            if r == 0:
                ax.set_title(column_titles[c] if column_titles else f"t={c + 1}", fontsize=7)
        axes[r, 0].set_ylabel(label, rotation=0, ha="right", va="center", fontsize=8)
    fig.subplots_adjust(wspace=0.03, hspace=0.05)
    if title:
        fig.suptitle(title, fontsize=9, y=1.0 + 0.12 / len(rows))
    save_figure(fig, path)


def per_frame_curves(curves: list[Curve], path: Path) -> list[str]:
    """`per_frame_figure`, saved; returns the metrics drawn."""
    fig, drawn = per_frame_figure(curves)
    save_figure(fig, path)
    return drawn


def per_frame_figure(curves: list[Curve]) -> tuple[plt.Figure, list[str]]:
    """One panel per metric (LPIPS only where measured), one line per model with its 95% interval over
    the test sequences as a band; an axis that spans more than LOG_WHEN_SPREAD x (a blank frame's MSE
    beside the models') is logarithmic."""
    drawn = [m for m in CURVE_METRICS if any(m.key in c.table and c.table[m.key].notna().any() for c in curves)]
    fig, axes = plt.subplots(1, len(drawn), figsize=(4.4 * len(drawn), 3.3), squeeze=False)
    for ax, m in zip(axes[0], drawn, strict=True):
        values = []
        for c in curves:
            if m.key not in c.table or not c.table[m.key].notna().any():
                continue
            frame, mean = c.table["frame"], c.table[m.key]
            ax.plot(frame, mean, linestyle=c.style, color=c.color, marker=c.marker, markersize=3, label=c.label)
            band = c.table.get(f"{m.key}{CI_SUFFIX}")
            if band is not None and band.notna().all():
                ax.fill_between(frame, mean - band, mean + band, color=c.color, alpha=0.18, linewidth=0)
            values += list(mean.dropna())
        positive = [v for v in values if v > 0]
        if positive and max(positive) > LOG_WHEN_SPREAD * min(positive):
            _plain_log_axis(ax)
        ax.set_xlabel("frame index t (predicted frames)")
        ax.set_ylabel(CURVE_UNITS[m.key], fontsize=8)
        ax.set_title(m.title, fontsize=10)
        ax.grid(alpha=0.3)
    fig.subplots_adjust(wspace=0.3)
    _shared_legend(fig, list(axes[0]))
    return fig, [m.key for m in drawn]


def _mark_kept(ax: plt.Axes, c: Curve, x: pd.Series, y: pd.Series, iterations: pd.Series) -> None:
    """A star in the model's colour at the iteration best-iterate selection kept (the nearest point
    drawn); the legend shows one white star for all."""
    if c.kept is None or not len(iterations):
        return
    at = int((iterations - c.kept).abs().idxmin())
    ax.plot([x[at]], [y[at]], color=c.color, markerfacecolor=c.color, **KEPT_MARKER)
    if KEPT_LABEL not in ax.get_legend_handles_labels()[1]:
        ax.plot([], [], color="white", label=KEPT_LABEL, **KEPT_MARKER)


def loss_curves(curves: list[Curve], path: Path) -> None:
    """One panel per loss (a pixel MSE and a code-vector MSE are different units), in the order of the
    modes and of the losses' table, titled by the loss each model recorded; the kept iterate starred."""
    panels = sorted(
        {(c.mode, c.loss) for c in curves}, key=lambda k: (list(MODES).index(k[0]), list(LOSSES).index(k[1]))
    )
    fig, axes = plt.subplots(1, len(panels), figsize=(5.2 * len(panels), 3.5), squeeze=False)
    for ax, (mode, loss) in zip(axes[0], panels, strict=True):
        for c in curves:
            if (c.mode, c.loss) == (mode, loss):
                t = c.table
                ax.plot(t["iteration"], t["loss"], linestyle=c.style, color=c.color, label=c.label)
                _mark_kept(ax, c, t["iteration"], t["loss"], t["iteration"])
        title, unit = curve_words(MODES[mode], loss)
        _plain_log_axis(ax)
        ax.set_xlabel("training iteration")
        ax.set_ylabel(f"training loss: {unit}", fontsize=8)
        ax.set_title(title, fontsize=10)
        ax.grid(alpha=0.3)
    fig.subplots_adjust(wspace=0.3)
    _shared_legend(fig, list(axes[0]))
    save_figure(fig, path)


def validation_curves(curves: list[Curve], path: Path, device: str, scored_on: str) -> None:
    """Validation LPIPS against training iteration and against training seconds (the paper's argument:
    a modular model gets there sooner), base and modular, the kept iterate starred; `scored_on` names
    the validation windows (held-out training sequences, or windows of held-out clips)."""
    fig, axes = plt.subplots(1, 2, figsize=(10.4, 3.5), squeeze=False)
    for ax, x_label in zip(axes[0], ("training iteration", f"training seconds (steps only, {device})"), strict=True):
        for c in curves:
            t = c.table
            x = t["iteration"] if x_label.startswith("training iteration") else t["iteration"] * c.seconds_per_iteration
            ax.plot(x, t["lpips"], linestyle=c.style, color=c.color, marker="o", markersize=3, label=c.label)
            _mark_kept(ax, c, x, t["lpips"], t["iteration"])
        ax.set_xlabel(x_label)
        ax.set_ylabel(f"validation LPIPS ({scored_on})", fontsize=8)
        ax.grid(alpha=0.3)
    axes[0][0].set_title("validation LPIPS by iteration (↓)", fontsize=10)
    axes[0][1].set_title("validation LPIPS by training time (↓)", fontsize=10)
    fig.subplots_adjust(wspace=0.3)
    _shared_legend(fig, list(axes[0]))
    save_figure(fig, path)
