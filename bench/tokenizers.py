"""Tokenizer choices measured by what they cost a modular model: each VQ-VAE is pretrained on a
dataset's training frames, then scored on its test split as the oracle stage scores one (the true
future frames through the VQ-VAE, decoded directly and decoded as a change onto the last input
frame), beside copy-last.

    python bench/tokenizers.py [--dataset videos] [--params params.yaml] [--only NAME ...]
        [--out metrics/experiments/tokenizers/driving.csv]

The data must be generated first (`python -m stages generate DATASET --params ...`). Each choice is
the dataset's VQ-VAE (`vqvae.model` with its `data.<ds>.vqvae` overrides) with the keys below set;
the pretraining is the params' `vqvae.train`. Prints one row per choice: parameters, pretraining
seconds, reconstruction PSNR/SSIM on the test frames, codes in use, and each oracle's LPIPS and MSE
per frame. The CPU is printed with the table: times and last digits move with it.
"""

from __future__ import annotations

import argparse
import platform
import sys
from dataclasses import replace
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from modpred import paths  # noqa: E402
from modpred.data.sequences import read_sequences, sequence_layout  # noqa: E402
from modpred.device import pick_device  # noqa: E402
from modpred.evaluation.evaluate import copy_last_frame, score_predictor  # noqa: E402
from modpred.evaluation.lpips_metric import make_lpips_scorer  # noqa: E402
from modpred.evaluation.oracle import reconstruct_future  # noqa: E402
from modpred.models.vqvae import vqvae_config  # noqa: E402
from modpred.params import ParamsFile, build_config  # noqa: E402
from modpred.training.vqvae import VQVAETrainConfig, pretrain_vqvae, vqvae_quality  # noqa: E402

VQ = {"quantizer": "vq", "num_codes": 256}  # the recipe before the tokenizer table: the paper's quantizer, 256 codes

CHOICES: dict[str, dict] = {  # name -> the vqvae.model keys it sets over the dataset's recipe (train: vqvae.train's)
    "vq (recipe)": VQ,
    "cosine 1024x8": {"quantizer": "cosine", "num_codes": 1024, "lookup_dim": 8},
    "fsq 8,8,8,6,5": {"quantizer": "fsq", "num_codes": 15360, "levels": [8, 8, 8, 6, 5]},
    "fsq 8,8,8,6,5 hidden 64": {"quantizer": "fsq", "num_codes": 15360, "hidden": 64, "res_hidden": 32},
    "cosine 1024x8 hidden 64": {
        "quantizer": "cosine",
        "num_codes": 1024,
        "lookup_dim": 8,
        "hidden": 64,
        "res_hidden": 32,
    },
    "vq + gradient term 1.0": {**VQ, "train": {"gdl_weight": 1.0}},
    "vq + LPIPS term 0.2 (the metric itself)": {**VQ, "train": {"lpips_weight": 0.2}},
    "cosine 1024x8 + LPIPS term 0.2 (the metric itself)": {
        "quantizer": "cosine",
        "num_codes": 1024,
        "lookup_dim": 8,
        "train": {"lpips_weight": 0.2},
    },
}


def cpu_name() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines() if Path("/proc/cpuinfo").exists() else []:
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown CPU"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="videos")
    parser.add_argument("--params", type=Path, default=Path("params.yaml"))
    parser.add_argument("--only", nargs="*", default=None, help="names of CHOICES to run (default: all)")
    parser.add_argument(
        "--out", type=Path, default=None, help="also write the table here (CSV; rows of other choices kept)"
    )
    args = parser.parse_args()
    p = ParamsFile(args.params)
    device = pick_device()
    train_file, test_file = paths.sequences_file(args.dataset, "train"), paths.sequences_file(args.dataset, "test")
    layout = sequence_layout(test_file)
    train, test = read_sequences(train_file), read_sequences(test_file)
    train_cfg = build_config(VQVAETrainConfig, p.get("vqvae.train"), "vqvae.train")
    lpips = make_lpips_scorer(device)

    def scored(predict, sees_future: bool) -> dict[str, float]:
        m = score_predictor(predict, test, layout.input_len, 32, device, "score", lpips, sees_future)
        last = m.per_frame.iloc[-1]
        return {
            "lpips": m.mean["lpips"],
            "lpips_first": m.per_frame["lpips"].iloc[0],
            "lpips_last": last["lpips"],
            "mse_frame": m.mean["mse_frame"],
        }

    rows = [
        {"choice": "copy last", **{f"change_{k}": v for k, v in scored(copy_last_frame(layout.future), False).items()}}
    ]
    for name, keys in CHOICES.items():
        if args.only and name not in args.only:
            continue
        keys = dict(keys)
        trainer = replace(train_cfg, **keys.pop("train", {}))
        overrides = {**p.get(f"data.{args.dataset}.vqvae"), **keys}
        cfg = replace(vqvae_config(p.get("vqvae.model"), overrides, 1, args.dataset), in_channels=layout.channels)
        done = pretrain_vqvae(train, cfg, trainer, device)
        quality = vqvae_quality(done, test, device, train_cfg.eval_frames)
        row = {
            "choice": name,
            "params": quality.params,
            "pretrain_s": round(done.train_seconds or 0.0, 1),
            "psnr": quality.recon_psnr,
            "ssim": quality.recon_ssim,
            "codes_used": quality.codes_used,
            "num_codes": cfg.num_codes,
        }
        for decode, prefix in (("quantize", "direct"), ("change", "change")):
            oracle = reconstruct_future(done.model, layout.future, device, decode)
            row |= {f"{prefix}_{k}": v for k, v in scored(oracle, True).items()}
        rows.append(row)
        print(pd.DataFrame([row]).to_string(index=False), flush=True)
    table = pd.DataFrame(rows)
    if args.out and args.out.is_file():  # keep the rows of choices not run this time
        kept = pd.read_csv(args.out)
        table = pd.concat([kept[~kept["choice"].isin(table["choice"])], table], ignore_index=True)
        order = ["copy last", *CHOICES]
        table = table.sort_values("choice", key=lambda c: c.map(lambda n: order.index(n) if n in order else 99))
    print(f"\n{args.dataset}: {len(test)} test windows, {train_cfg.iters} pretraining iterations, {cpu_name()}")
    print(table.to_markdown(index=False, floatfmt=".3f"))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        table.to_csv(args.out, index=False, float_format="%.4f")


if __name__ == "__main__":
    main()
