"""Issue 38's next lever, probed: a predictor that moves the pixels of its given frame along a learned
flow (a warp, DMVFN's idea) instead of adding a change, on real footage.

    python bench/warp_probe.py --train data/videos/base/train.h5 --test data/videos/base/test.h5 \
        [--head warp|copy|warp+change|smooth] [--interp bicubic] [--lr 1e-3] [--iters 1500] [--seed 0] \
        [--loss mse|l1] [--gdl 0] [--flip]

The dashcam run with held-out validation clips (`data.videos.val`, docs/datasets.md) writes the
train.h5 it reads: its last `validation_windows` windows select the iterate (LPIPS), the rest train.
A ConvLSTM (the project's cell, 2 x 32, 4 x 4 patches) on pixels; its head gives a flow at the
patch grid (upsampled to pixels) and/or a change, both starting at zero, so iteration 0 is
copy-last exactly: `copy` adds a change per pixel of each 4 x 4 patch, `smooth` one per patch,
upsampled bilinearly (no block edges). `--loss l1` trains on the median, which does not hedge
between futures as the mean does; `--gdl` adds a gradient-difference term; `--flip` mirrors half of
each batch left-right (a mirrored road scene is a plausible one: more footage without more clips).
Scheduled sampling to 0 at 3/4 of the iterations, Adam at a constant rate. Prints the validation
and test scores at each scoring and the kept iterate's test verdicts against copy-last (the report's
paired 95% intervals). Outside the pipeline: a probe.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import h5py
import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from modpred.data.sequences import read_sequences
from modpred.evaluation.frame_metrics import frame_metrics
from modpred.evaluation.lpips_metric import LpipsScorer, make_lpips_scorer
from modpred.models.predictors.convlstm import ConvLSTMCell
from modpred.models.spaces import patchify, unpatchify
from modpred.reporting.verdicts import compare
from modpred.training.image_terms import gradient_difference

P = 4  # patch size: the ConvLSTM runs on the 16 x 16 grid of 4 x 4 patches of a 64 x 64 frame
INPUT_LEN = 10


def warp(img: torch.Tensor, flow: torch.Tensor, mode: str) -> torch.Tensor:
    """img (B,C,H,W), flow (B,2,H,W) in pixels (dx, dy): sample img at x + flow."""
    h, w = img.shape[-2:]
    ys, xs = torch.meshgrid(torch.arange(h, dtype=img.dtype), torch.arange(w, dtype=img.dtype), indexing="ij")
    gx = (xs + flow[:, 0]) * 2 / (w - 1) - 1
    gy = (ys + flow[:, 1]) * 2 / (h - 1) - 1
    return F.grid_sample(img, torch.stack([gx, gy], -1), mode=mode, padding_mode="border", align_corners=True)


class Model(nn.Module):
    """ConvLSTM whose head warps (and/or changes) each step's given frame; an untrained one is copy-last."""

    def __init__(self, head: str, interp: str, hidden: int = 32, layers: int = 2) -> None:
        super().__init__()
        self.head, self.interp, self.hidden = head, interp, hidden
        ch = 3 * P * P
        self.cells = nn.ModuleList(ConvLSTMCell(ch if i == 0 else hidden, hidden, 16, 3, False) for i in range(layers))
        self.change = nn.Conv2d(hidden, 3 if head == "smooth" else ch, 1, bias=False)
        self.flow = nn.Conv2d(hidden, 2, 1)
        for p in [*self.change.parameters(), *self.flow.parameters()]:
            nn.init.zeros_(p)

    def step(self, given: torch.Tensor, h: torch.Tensor) -> torch.Tensor:
        out = given
        if "warp" in self.head:
            flow = F.interpolate(self.flow(h) * P, scale_factor=P, mode="bilinear", align_corners=False)
            out = warp(given, flow, self.interp)
        if self.head in ("copy", "warp+change"):
            out = out + unpatchify(self.change(h)[:, None], P, 3)[:, 0]
        if self.head == "smooth":  # a change at the patch grid, upsampled: no 4 x 4 block edges
            out = out + F.interpolate(self.change(h), scale_factor=P, mode="bilinear", align_corners=False)
        return out

    def forward(self, frames: torch.Tensor, input_len: int, teacher: torch.Tensor | None) -> torch.Tensor:
        b, t_total = frames.shape[:2]
        zeros = frames.new_zeros(b, self.hidden, 16, 16)
        h, c = [zeros] * len(self.cells), [zeros] * len(self.cells)
        outs, prev = [], None
        for t in range(t_total - 1):
            if t < input_len:
                x = frames[:, t]
            elif teacher is None:
                x = prev
            else:
                keep = teacher[:, t - 1].view(-1, 1, 1, 1)
                x = keep * frames[:, t] + (1 - keep) * prev
            below = patchify(x[:, None], P)[:, 0]
            for i, cell in enumerate(self.cells):
                h[i], c[i] = cell(below, h[i], c[i])
                below = h[i]
            prev = self.step(x, h[-1])
            outs.append(prev)
        return torch.stack(outs, 1)


def predict(model: Model, inputs: torch.Tensor, future: int) -> torch.Tensor:
    pad = inputs.new_zeros(inputs.shape[0], future, *inputs.shape[2:])
    with torch.no_grad():
        return model(torch.cat([inputs, pad], 1), inputs.shape[1], None)[:, inputs.shape[1] - 1 :].clamp(0, 1)


def score(model: Model, frames: torch.Tensor, scorer: LpipsScorer) -> tuple[np.ndarray, np.ndarray]:
    """LPIPS and MSE per frame, (windows, future), of the model's predictions from the first INPUT_LEN frames."""
    pred = predict(model, frames[:, :INPUT_LEN], frames.shape[1] - INPUT_LEN).numpy()
    truth = frames[:, INPUT_LEN:].numpy()
    return scorer(pred, truth)["lpips"], frame_metrics(pred, truth)["mse_frame"]


def train(model: Model, pool: np.ndarray, args: argparse.Namespace, check: Callable[[int], None]) -> None:
    """Pixel MSE (or L1, + GDL), Adam at a constant rate, scheduled sampling to 0 at 3/4 of the iterations; `check`
    scores every `val_every` iterations, iteration 0 (copy-last) included."""
    rng = np.random.default_rng(args.seed)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    stop = int(0.75 * args.iters)
    future = pool.shape[1] - 2
    for it in range(args.iters + 1):
        if it % args.val_every == 0:
            check(it)
        if it == args.iters:
            return
        frames = torch.from_numpy(pool[np.sort(rng.choice(len(pool), args.batch, replace=False))]).float() / 255
        if args.flip:  # half the windows mirrored left-right: a dashcam scene's mirror is a plausible scene
            mirror = torch.from_numpy(rng.random(args.batch) < 0.5)
            frames[mirror] = frames[mirror].flip(-1)
        teacher = torch.from_numpy((rng.random((args.batch, future)) < max(0.0, 1 - it / stop)).astype(np.float32))
        teacher[:, : INPUT_LEN - 1] = 1.0
        pred = model(frames, INPUT_LEN, teacher)
        loss = (F.l1_loss if args.loss == "l1" else F.mse_loss)(pred, frames[:, 1:])
        if args.gdl:
            loss = loss + args.gdl * gradient_difference(pred.flatten(0, 1), frames[:, 1:].flatten(0, 1))
        opt.zero_grad()
        loss.backward()
        opt.step()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--train", type=Path, default=Path("data/videos/base/train.h5"))
    ap.add_argument("--test", type=Path, default=Path("data/videos/base/test.h5"))
    ap.add_argument("--head", default="warp", choices=("warp", "copy", "warp+change", "smooth"))
    ap.add_argument("--interp", default="bicubic", choices=("bicubic", "bilinear"))
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--iters", type=int, default=1500)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--loss", default="mse", choices=("mse", "l1"), help="l1: the median, which does not hedge")
    ap.add_argument("--flip", action="store_true", help="mirror half of each batch left-right")
    ap.add_argument("--gdl", type=float, default=0.0, help="weight of a gradient-difference term beside the MSE")
    ap.add_argument("--val-every", dest="val_every", type=int, default=150)
    args = ap.parse_args()
    torch.manual_seed(args.seed)
    pool = read_sequences(args.train)
    with h5py.File(args.train) as f:
        held_out = int(f.attrs.get("validation_windows", 0))  # held-out clips close the file (data.videos.val)
    if not held_out:
        raise SystemExit(f"{args.train} holds no validation clips: run the dashcam profile with data.videos.val set")
    val = torch.from_numpy(pool[-held_out:]).float() / 255
    test = torch.from_numpy(read_sequences(args.test)).float() / 255
    scorer, status = make_lpips_scorer(torch.device("cpu"))
    if scorer is None:
        raise SystemExit(status)
    model = Model(args.head, args.interp)
    best: dict[str, Any] = {"lpips": float("inf")}
    start = time.time()

    def check(it: int) -> None:
        (vl, vm), (tl, tm) = score(model, val, scorer), score(model, test, scorer)
        print(f"it {it:5d}  validation LPIPS {vl.mean():.4f} MSE {vm.mean():6.1f}  |  test LPIPS {tl.mean():.4f} "
              f"MSE {tm.mean():6.1f}  ({time.time() - start:.0f} s)", flush=True)  # fmt: skip
        if vl.mean() < best["lpips"]:
            best.update(lpips=vl.mean(), it=it, state={k: v.clone() for k, v in model.state_dict().items()})

    train(model, pool[:-held_out], args, check)
    model.load_state_dict(best["state"])
    lpips, mse = score(model, test, scorer)
    copy = test[:, INPUT_LEN - 1 : INPUT_LEN].expand(-1, test.shape[1] - INPUT_LEN, -1, -1, -1).numpy()
    c_lpips, c_mse = (
        scorer(copy, test[:, INPUT_LEN:].numpy())["lpips"],
        frame_metrics(copy, test[:, INPUT_LEN:].numpy())["mse_frame"],
    )
    print(
        f"kept iteration {best['it']} of {args.iters} (head {args.head}, {args.interp}, lr {args.lr}, seed {args.seed})"
    )
    for key, ours, theirs in (("lpips", lpips, c_lpips), ("mse_frame", mse, c_mse)):
        v = compare(key, [(ours.mean(1), theirs.mean(1))])
        first = f"first frame {ours.mean(0)[0]:.4f} against {theirs.mean(0)[0]:.4f}"
        verdict = f"{v.mean:+.4f} {v.interval(4)} {v.word}"
        print(f"test {key}: {ours.mean():.4f} against copy-last {theirs.mean():.4f}: {verdict}; {first}")


if __name__ == "__main__":
    main()
