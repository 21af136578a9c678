"""Figures like the paper's: prediction strips (Fig. 4), per-frame metric curves (Fig. 5),
VQ-VAE reconstructions beside originals, and training-loss curves.

Each is written twice: a 150-dpi PNG (the report shows it) and a PDF beside it (vector, for a
paper). A model has one colour everywhere (`colors.py`) and a line style per mode: modular solid,
base dashed, baselines dotted gray; one legend per figure. Metadata (dates, software) is left
out of both files, so identical results give identical bytes (DVC sees no change).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.artist import Artist

from modpred.metrics import metric

CURVE_METRICS = tuple(metric(key) for key in ("lpips", "lpips_published", "ssim", "mse_frame"))
LOSS_SPACES = {"base": "base models: MSE on pixels in [0, 1]", "modular": "modular models: MSE on code vectors"}
LOSS_UNITS = {"base": "pixel MSE (per pixel, frames in [0, 1])", "modular": "code-vector MSE (per element)"}
CURVE_UNITS = {  # the y axis of each per-frame panel: what the number is
    "lpips": "LPIPS distance (0: identical)",
    "lpips_published": "LPIPS distance (0: identical)",
    "ssim": "SSIM (1: identical)",
    "mse_frame": "squared error summed over a frame (pixels in [0, 1])",
}
LINE_STYLES = {"modular": "-", "base": "--", "baseline": ":"}
PNG_DPI = 150
PDF_METADATA = {"CreationDate": None, "Producer": None, "Creator": None}


@dataclass(frozen=True)
class Curve:
    """One line of a figure: its label, colour, and table; baselines are drawn dashed."""

    label: str
    color: str
    table: pd.DataFrame
    baseline: bool = False
    mode: str = ""  # base or modular for a trained model (which loss panel it goes to)

    @property
    def style(self) -> str:
        return LINE_STYLES["baseline" if self.baseline else self.mode or "modular"]


def _save(fig: plt.Figure, path: Path) -> None:
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
    columns = min(len(labels), 5)
    # where the tick and axis labels end, in figure coordinates
    below = min(ax.get_tightbbox().transformed(fig.transFigure.inverted()).y0 for ax in axes)
    fig.legend(
        list(labels.values()), list(labels), loc="upper center", bbox_to_anchor=(0.5, below), ncol=columns, fontsize=8
    )


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
                ax.imshow(frames[c], cmap="gray", vmin=0, vmax=255)  # colour frames (H, W, 3) ignore the cmap
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
                ax.plot(
                    c.table["frame"], c.table[m.key], c.style, color=c.color, marker="o", markersize=3, label=c.label
                )
        ax.set_xlabel("frame index t (predicted frames)")
        ax.set_ylabel(CURVE_UNITS[m.key], fontsize=8)
        ax.set_title(m.title, fontsize=10)
        ax.grid(alpha=0.3)
    fig.subplots_adjust(wspace=0.3)
    _shared_legend(fig, list(axes[0]))
    _save(fig, path)
    return [m.key for m in drawn]


def loss_curves(curves: list[Curve], path: Path) -> None:
    """One panel per loss space: a pixel MSE and a code-vector MSE are different units."""
    spaces = [(mode, title) for mode, title in LOSS_SPACES.items() if any(c.mode == mode for c in curves)]
    fig, axes = plt.subplots(1, len(spaces), figsize=(5.2 * len(spaces), 3.5), squeeze=False)
    for ax, (mode, title) in zip(axes[0], spaces, strict=True):
        for c in curves:
            if c.mode == mode:
                ax.plot(c.table["iteration"], c.table["loss"], c.style, color=c.color, label=c.label)
        ax.set_yscale("log")
        ax.set_xlabel("training iteration")
        ax.set_ylabel(f"training loss: {LOSS_UNITS[mode]}", fontsize=8)
        ax.set_title(title, fontsize=10)
        ax.grid(alpha=0.3)
    fig.subplots_adjust(wspace=0.3)
    _shared_legend(fig, list(axes[0]))
    _save(fig, path)
