"""How far a hand-made guess can get from copy-last on a dataset's test windows: the headroom a
trained model has, on each metric, before it learns anything of the scene.

    python bench/hand_priors.py [--sequences data/videos/base/test.h5]

Each guess predicts every future frame from the input frames alone (no training, no truth):
copy-last itself; the last frame zoomed about the centre (a forward-moving camera) by a factor per
frame, resampled bilinearly or bicubically; a blur of the last frame that grows over the horizon
(what an MSE-trained model drifts to); the mean of the last two frames. Per guess: LPIPS, SSIM and
MSE per frame (means over windows and frames, at frames 1, 5 and 10 of the horizon), and its
paired difference from copy-last with the report's 95% interval (one "replicate": the guesses are
deterministic). The best zoom per window (picked with the truth) is the ceiling of a global zoom.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from modpred.data.sequences import read_sequences, sequence_layout  # noqa: E402
from modpred.evaluation.frame_metrics import frame_metrics  # noqa: E402
from modpred.evaluation.lpips_metric import make_lpips_scorer  # noqa: E402
from modpred.reporting.verdicts import compare  # noqa: E402

Guess = Callable[[torch.Tensor, int], torch.Tensor]  # inputs (N, T_in, C, H, W) in [0, 1], future -> (N, future, ...)
ZOOMS = (1.005, 1.01, 1.02)


def copy_last(inputs: torch.Tensor, future: int) -> torch.Tensor:
    return inputs[:, -1:].expand(-1, future, -1, -1, -1)


def zoom(per_frame: float, mode: str) -> Guess:
    """The last frame scaled about its centre by per_frame**k at the k-th predicted frame."""

    def guess(inputs: torch.Tensor, future: int) -> torch.Tensor:
        last = inputs[:, -1]
        frames = []
        for k in range(1, future + 1):
            s = per_frame**k
            theta = torch.tensor([[1 / s, 0.0, 0.0], [0.0, 1 / s, 0.0]]).expand(len(last), 2, 3)
            grid = F.affine_grid(theta, list(last.shape), align_corners=False)
            frames.append(F.grid_sample(last, grid, mode=mode, padding_mode="border", align_corners=False))
        return torch.stack(frames, 1).clamp(0, 1)

    return guess


def blur_ramp(strength: float) -> Guess:
    """The last frame mixed with its 3x3 binomial blur, the blur's share growing to `strength` at the horizon."""

    def guess(inputs: torch.Tensor, future: int) -> torch.Tensor:
        last = inputs[:, -1]
        k = torch.tensor([1.0, 2.0, 1.0])
        kernel = (k[:, None] * k[None]) / 16
        channels = last.shape[1]
        blurred = F.conv2d(
            F.pad(last, (1, 1, 1, 1), mode="replicate"), kernel.expand(channels, 1, 3, 3), groups=channels
        )
        return torch.stack([last + strength * (i + 1) / future * (blurred - last) for i in range(future)], 1)

    return guess


def mean_of_last_two(inputs: torch.Tensor, future: int) -> torch.Tensor:
    return ((inputs[:, -1] + inputs[:, -2]) / 2)[:, None].expand(-1, future, -1, -1, -1)


GUESSES: dict[str, Guess] = {
    "copy last": copy_last,
    **{f"zoom {z} bilinear": zoom(z, "bilinear") for z in ZOOMS},
    **{f"zoom {z} bicubic": zoom(z, "bicubic") for z in ZOOMS},
    "blur ramp to 0.3": blur_ramp(0.3),
    "blur ramp to 1.0": blur_ramp(1.0),
    "mean of the last two": mean_of_last_two,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sequences", type=Path, default=Path("data/videos/base/test.h5"))
    args = parser.parse_args()
    layout = sequence_layout(args.sequences)
    frames = torch.from_numpy(read_sequences(args.sequences)).float() / 255
    inputs, truth = frames[:, : layout.input_len], frames[:, layout.input_len :].numpy()
    scorer, status = make_lpips_scorer(torch.device("cpu"))
    if scorer is None:
        raise SystemExit(status)
    print(f"{args.sequences}: {len(frames)} windows, {layout.input_len} frames in, {layout.future} out")
    print(f"{'guess':24} {'LPIPS':>7} {'@1':>6} {'@5':>6} {'@10':>6} {'MSE/frame':>9}  vs copy-last: LPIPS, MSE")
    scores = {}
    for name, guess in GUESSES.items():
        pred = guess(inputs, layout.future).numpy()
        lpips = scorer(pred, truth)["lpips"]  # (windows, frames)
        mse = frame_metrics(pred, truth)["mse_frame"]
        scores[name] = (lpips, mse)
        at = lpips.mean(0)[[0, min(4, layout.future - 1), layout.future - 1]]
        versus = ""
        if name != "copy last":
            words = [
                compare(key, [(a.mean(1), b.mean(1))])
                for key, a, b in (("lpips", lpips, scores["copy last"][0]), ("mse_frame", mse, scores["copy last"][1]))
            ]
            versus = ", ".join(f"{v.mean:+.4f} {v.interval(4)} {v.word}" for v in words)
        print(f"{name:24} {lpips.mean():7.4f} {at[0]:6.3f} {at[1]:6.3f} {at[2]:6.3f} {mse.mean():9.1f}  {versus}")
    zooms = np.stack([scores["copy last"][0].mean(1)] + [scores[f"zoom {z} bicubic"][0].mean(1) for z in ZOOMS])
    print(f"best bicubic zoom per window, picked with the truth (its ceiling): LPIPS {zooms.min(0).mean():.4f}")


if __name__ == "__main__":
    main()
