"""Train one (dataset, predictor, mode) cell: read its inputs, build its space, run the loop."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import torch

from modpred import paths
from modpred.data.sequences import read_sequences, sequence_layout
from modpred.data.shards import read_shards
from modpred.errors import UserError
from modpred.models.bundle import Bundle, load_frozen_vqvae
from modpred.models.registry import build_predictor, count_params
from modpred.models.spaces import LatentSpace, PixelSpace
from modpred.params import MODES, build_config, check_choice
from modpred.training.compute import place_dataset
from modpred.training.distributed import Dist
from modpred.training.resume import RESUME_DIR, ResumeState, fingerprint
from modpred.training.trainer import TrainConfig, TrainResult, train_loop


def train_cell(
    ds: str,
    predictor: str,
    mode: str,
    params: dict,
    device: torch.device,
    root: Path = Path("."),
    on_log: Callable[[list[tuple[int, float]]], None] | None = None,
    dist: Dist | None = None,
    resume_dir: Path | None = RESUME_DIR,
) -> tuple[Bundle, TrainResult, dict, ResumeState | None]:
    """Train predictor `predictor` in `mode` on dataset `ds`; `params` is the `train.<predictor>` section.

    With `resume_dir`, a state saved there by a killed run with the same params and data is resumed.
    """
    check_choice(mode, MODES, "mode")
    key = f"train.{predictor}"
    if not isinstance(params, dict) or "model" not in params:
        raise UserError(f"missing params key '{key}.model'")
    cfg = build_config(TrainConfig, {k: v for k, v in params.items() if k != "model"}, key)
    torch.manual_seed(cfg.seed)
    frozen = 0
    if mode == "base":
        input_len, seq_len, image = sequence_layout(root / paths.sequences_file(ds, "train"))
        space: PixelSpace | LatentSpace = _pixel_space(cfg.patch, image, key)
        frames = read_sequences(root / paths.sequences_file(ds, "train"))
        sha = ""
        inputs = [hashlib.sha256(frames.tobytes()).hexdigest()]
        data = place_dataset(torch.from_numpy(frames), device)

        def sample(gen: torch.Generator) -> torch.Tensor:
            pick = torch.randint(len(data), (cfg.batch,), generator=gen).to(data.device)
            return space.encode(data[pick].to(device, non_blocking=True))
    else:
        folder = root / paths.latents_dir(ds)
        vqvae, sha = load_frozen_vqvae(folder / paths.FROZEN_VQVAE_FILE, device)
        codes_np, meta = read_shards(folder, "train", sha)
        input_len, seq_len, image = meta["input_len"], meta["seq_len"], meta["image"]
        inputs = [sha, hashlib.sha256(codes_np.tobytes()).hexdigest()]
        space = LatentSpace(vqvae, image)
        codes = place_dataset(torch.from_numpy(codes_np), device)  # int16: 4x smaller than int64
        frozen = count_params(vqvae, trainable=False)

        def sample(gen: torch.Generator) -> torch.Tensor:
            pick = torch.randint(len(codes), (cfg.batch,), generator=gen).to(codes.device)
            return space.embed(codes[pick].to(device, non_blocking=True))

    model_params = dict(params["model"])
    if mode == "base" and cfg.base_hidden:
        model_params["hidden"] = cfg.base_hidden
    model = build_predictor(predictor, model_params, space.channels, space.grid, f"{key}.model").to(device)
    resume = None
    if resume_dir is not None:
        resume = ResumeState(root / resume_dir / ds / f"{predictor}-{mode}.pt", fingerprint(params, inputs))
    result = train_loop(
        model,
        sample,
        input_len,
        cfg,
        device,
        f"train {ds}-{predictor}-{mode}",
        on_log,
        resume,
        dist,
        advice=f"lower train.{predictor}.lr",
    )
    bundle = Bundle(predictor, model, space, input_len, seq_len, sha)
    compute = {
        "trainable_params": count_params(model),
        "frozen_vqvae_params": frozen,
        "seconds_per_100_iters": result.seconds_per_100_iters,
        **result.memory,
        "device": str(device) if device.type == "cpu" else torch.cuda.get_device_name(device),
        "iters": cfg.iters,
        "batch": cfg.batch,
        "final_loss": result.losses[-1][1],
        "processes": (dist or Dist()).world,
        "resumed_from_iteration": result.resumed_from,
    }
    return bundle, result, compute, resume


def _pixel_space(patch: int, image: int, key: str) -> PixelSpace:
    if image % patch:
        raise UserError(f"params key '{key}.patch' ({patch}) must divide the image size {image}")
    return PixelSpace(patch, image)
