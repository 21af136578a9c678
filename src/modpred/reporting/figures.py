"""Figures like the paper's: prediction strips (Fig. 4), per-frame metric curves (Fig. 5),
VQ-VAE reconstructions beside originals, and training-loss curves.

PNG metadata is left out so identical results give identical bytes (DVC sees no change).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from modpred.metrics import metric

CURVE_METRICS = tuple(metric(key) for key in ("lpips", "lpips_published", "ssim", "mse_frame"))
LOSS_SPACES = {"base": "base models: MSE on pixels in [0, 1]", "modular": "modular models: MSE on code vectors"}


@dataclass(frozen=True)
class Curve:
    """One line of a figure: its label, colour, and table; baselines are drawn dashed."""

    label: str
    color: str
    table: pd.DataFrame
    baseline: bool = False
    mode: str = ""  # base or modular for a trained model (which loss panel it goes to)


def _save(fig: plt.Figure, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100, bbox_inches="tight", metadata={"Software": None})
    plt.close(fig)


def frame_strip(rows: list[tuple[str, np.ndarray]], path: Path, column_titles: list[str] | None = None) -> None:
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
                ax.imshow(frames[c], cmap="gray", vmin=0, vmax=255)
            else:
                ax.axis("off")
            if r == 0:
                ax.set_title(column_titles[c] if column_titles else f"t={c + 1}", fontsize=7)
        axes[r, 0].set_ylabel(label, rotation=0, ha="right", va="center", fontsize=8)
    fig.subplots_adjust(wspace=0.03, hspace=0.05)
    _save(fig, path)


def per_frame_curves(curves: list[Curve], path: Path) -> list[str]:
    """One panel per metric (LPIPS only where measured), one line per model; returns the metrics drawn."""
    drawn = [m for m in CURVE_METRICS if any(m.key in c.table and c.table[m.key].notna().any() for c in curves)]
    fig, axes = plt.subplots(1, len(drawn), figsize=(4.2 * len(drawn), 3.2), squeeze=False)
    for ax, m in zip(axes[0], drawn, strict=True):
        for c in curves:
            if m.key in c.table and c.table[m.key].notna().any():
                style = "--" if c.baseline else "-"
                ax.plot(c.table["frame"], c.table[m.key], style, color=c.color, marker="o", markersize=3, label=c.label)
        ax.set_xlabel("frame")
        ax.set_title(m.title, fontsize=10)
        ax.grid(alpha=0.3)
    axes[0, -1].legend(fontsize=7, loc="best")
    _save(fig, path)
    return [m.key for m in drawn]


def loss_curves(curves: list[Curve], path: Path) -> None:
    """One panel per loss space: a pixel MSE and a code-vector MSE are different units."""
    spaces = [(mode, title) for mode, title in LOSS_SPACES.items() if any(c.mode == mode for c in curves)]
    fig, axes = plt.subplots(1, len(spaces), figsize=(5.2 * len(spaces), 3.5), squeeze=False)
    for ax, (mode, title) in zip(axes[0], spaces, strict=True):
        for c in curves:
            if c.mode == mode:
                ax.plot(c.table["iteration"], c.table["loss"], color=c.color, label=c.label)
        ax.set_yscale("log")
        ax.set_xlabel("iteration")
        ax.set_title(title, fontsize=10)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    axes[0, 0].set_ylabel("training loss")
    _save(fig, path)
