"""Train one (dataset, predictor, mode) cell: read its inputs, build its space, run the loop."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from modpred import paths
from modpred.data.sequences import read_sequences, sequence_layout
from modpred.data.shards import read_shards
from modpred.errors import UserError
from modpred.evaluation.evaluate import score_predictor
from modpred.evaluation.lpips_metric import make_lpips_scorer
from modpred.models import count_params
from modpred.models.bundle import Bundle, model_predictor
from modpred.models.contract import ModelShape
from modpred.models.predictors import build_predictor, predictor_spec
from modpred.models.spaces import LatentSpace, PixelSpace
from modpred.models.vqvae import DOWNSAMPLE, load_frozen_vqvae
from modpred.params import build_config
from modpred.plugins import MODES, check_name
from modpred.training.compute import place_dataset
from modpred.training.distributed import Dist
from modpred.training.resume import RESUME_DIR, ResumeState, fingerprint
from modpred.training.selection import Validator
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
    check_name(mode, MODES, "mode")
    key = f"train.{predictor}"
    cfg = train_config(params, key)
    torch.manual_seed(cfg.seed)
    frozen = 0
    train_file = root / paths.sequences_file(ds, "train")
    if mode == "base":
        input_len, seq_len, image = sequence_layout(train_file)
        space: PixelSpace | LatentSpace = _pixel_space(cfg.patch, image, key)
        frames = read_sequences(train_file)
        sha = ""
        inputs = [hashlib.sha256(frames.tobytes()).hexdigest()]
        pool = frames
    else:
        folder = root / paths.latents_dir(ds)
        vqvae, sha = load_frozen_vqvae(folder / paths.FROZEN_VQVAE_FILE, device)
        codes_np, meta = read_shards(folder, "train", sha)
        input_len, seq_len, image = meta["input_len"], meta["seq_len"], meta["image"]
        inputs = [sha, hashlib.sha256(codes_np.tobytes()).hexdigest()]
        space = LatentSpace(vqvae, image)
        frozen = count_params(vqvae, trainable=False)
        pool = codes_np  # int16 codes: 4x smaller than int64
    held_out = validation_split(len(pool), cfg.val_sequences, key)
    data = place_dataset(torch.from_numpy(pool[:held_out]), device)

    def sample(gen: torch.Generator) -> torch.Tensor:
        pick = torch.randint(len(data), (cfg.batch,), generator=gen).to(data.device)
        batch = data[pick].to(device, non_blocking=True)
        return space.encode(batch) if mode == "base" else space.embed(batch)

    shape = ModelShape(space.channels, space.grid, input_len, pixels=mode == "base")
    model = build_cell_model(predictor, params, cfg, shape).to(device)
    bundle = Bundle(predictor, model, space, input_len, seq_len, sha)
    validate = None
    if cfg.val_sequences:  # scored in pixels, as evaluate does: the held-out sequences' frames
        val_frames = pool[held_out:] if mode == "base" else read_sequences(train_file, start=held_out)
        if mode == "modular" and len(val_frames) != cfg.val_sequences:
            raise UserError(f"{train_file} and the latent shards hold different numbers of sequences; rerun the DAG")
        validate = validator(bundle, val_frames, cfg.select_by, device, key)
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
        validate=validate,
    )
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
    if result.selection is not None:
        compute.update(
            selected_iteration=result.selection.best_iteration,
            select_by=cfg.select_by,
            selected_validation_score=result.selection.best_score,
            validation_sequences=cfg.val_sequences,
        )
    return bundle, result, compute, resume


def train_config(params: Any, key: str) -> TrainConfig:
    """The trainer's keys of a `train.<predictor>` section (all but `model`)."""
    if not isinstance(params, dict) or "model" not in params:
        raise UserError(f"missing params key '{key}.model'")
    return build_config(TrainConfig, {k: v for k, v in params.items() if k != "model"}, key)


def build_cell_model(predictor: str, params: dict, cfg: TrainConfig, shape: ModelShape) -> nn.Module:
    """The predictor of a train cell: its `model` section, with `base_hidden` for base models."""
    model_params = dict(params["model"])
    width = predictor_spec(predictor).width
    if shape.pixels and cfg.base_hidden:
        if width is None:
            raise UserError(f"params key 'train.{predictor}.base_hidden': {predictor} has no width to replace")
        model_params[width] = cfg.base_hidden
    return build_predictor(predictor, model_params, shape, f"train.{predictor}.model")


def planned_shape(cfg: TrainConfig, mode: str, image: int, code_dim: int, input_len: int, key: str) -> ModelShape:
    """The space a cell's predictor will see, from params alone (the bench and the profile checks)."""
    if mode == "base":
        space = _pixel_space(cfg.patch, image, key)
        return ModelShape(space.channels, space.grid, input_len, pixels=True)
    return ModelShape(code_dim, image // DOWNSAMPLE, input_len, pixels=False)


def validation_split(count: int, val_sequences: int, key: str) -> int:
    """Index where the held-out validation sequences (the last `val_sequences`) begin."""
    if val_sequences >= count:
        raise UserError(
            f"params key '{key}.val_sequences' ({val_sequences}) must leave training sequences (there are {count})"
        )
    return count - val_sequences


def validator(bundle: Bundle, frames: np.ndarray, metric: str, device: torch.device, key: str) -> Validator:
    """Mean validation metrics of the model being trained, computed exactly as `evaluate` computes them."""
    lpips = make_lpips_scorer(device)
    if metric.startswith("lpips") and lpips[0] is None:
        raise UserError(f"params key '{key}.select_by' is {metric}, but {lpips[1]}")
    future = bundle.seq_len - bundle.input_len

    def validate(model: nn.Module) -> dict[str, float]:
        _, summary = score_predictor(
            model_predictor(bundle, future, device), frames, bundle.input_len, 32, device, "validate", lpips
        )
        return {k: v for k, v in summary["mean"].items() if v is not None}

    return validate


def _pixel_space(patch: int, image: int, key: str) -> PixelSpace:
    if image % patch:
        raise UserError(f"params key '{key}.patch' ({patch}) must divide the image size {image}")
    return PixelSpace(patch, image)
