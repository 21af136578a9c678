"""Train one (dataset, predictor, mode) cell: read its training set, build its model, run the loop."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from modpred.cell import Cell
from modpred.device import device_name
from modpred.distributed import Dist
from modpred.errors import UserError
from modpred.evaluation.evaluate import score_predictor
from modpred.evaluation.lpips_metric import make_lpips_scorer
from modpred.models import count_params
from modpred.models.bundle import Bundle, model_predictor
from modpred.models.card import ModelCard, code_commit
from modpred.results import RunFacts
from modpred.training.cell_config import CellConfig
from modpred.training.curves import CurveSink
from modpred.training.losses import make_loss
from modpred.training.resume import ResumeState, fingerprint
from modpred.training.selection import BestIterate, Validator
from modpred.training.trainer import LoopHooks, TrainResult, train_loop
from modpred.training.training_set import TrainingSet, load_training_set


@dataclass
class CellResult:
    bundle: Bundle  # the trained model with its space: what save_bundle writes
    training: TrainResult  # the loss curve and the validation curve
    facts: RunFacts  # train.json
    resume: ResumeState  # cleared by the stage once its outputs are written


def train_cell(
    ds: str,
    cell: CellConfig,
    device: torch.device,
    curves: CurveSink | None = None,
    dist: Dist | None = None,
    code: str = "",
) -> CellResult:
    """Train the cell `cell` describes on dataset `ds`, resuming a killed run with the same params, data and
    `code` (the hash of the files the stage runs; "": not checked)."""
    dist = dist or Dist()
    cfg = cell.trainer
    torch.manual_seed(cfg.seed)  # before the VQ-VAE and the predictor are built: both draw their initial weights
    where = Cell(ds, cell.predictor, cell.mode, cell.seed)
    data = load_training_set(ds, cell, device)
    held_out = data.held_out_from(cfg.val_sequences, cell.key)
    validation_sequences = len(data.pool) - held_out if cfg.val_sequences else 0
    sample = data.sampler(held_out, cfg.batch, device)
    model = cell.build_model(data.space.shape(data.layout.input_len)).to(device)
    bundle = Bundle(cell.predictor, model, data.space, data.layout.input_len, data.layout.seq_len, start=cell.start)
    validate = None
    if validation_sequences:  # scored in pixels, as evaluate does: the held-out sequences' frames
        validate = validator(bundle, data.validation_frames(held_out), cfg.select_by, device, cell.key)
    resume = ResumeState(
        where.resume_file,
        fingerprint({**cell.section, "seed": cell.seed}, data.identity, code),
    )
    hooks = LoopHooks(
        desc=f"train {where.item}",
        curves=curves,
        resume=resume,
        advice=f"lower {cell.key}.lr",
        validate=validate,
        loss_fn=make_loss(cell.loss, data.space, data.pool[:held_out]),
        validate_start=cell.start == "copy",  # the untrained model is copy-last: keep it if training only hurts
    )
    result = train_loop(model, sample, data.layout.input_len, cfg, device, hooks, dist)
    selection = result.selection
    facts = RunFacts(
        dataset=ds,
        predictor=cell.predictor,
        mode=cell.mode,
        seed=cell.seed,
        trainable_params=count_params(model),
        frozen_vqvae_params=data.frozen_params,
        seconds_per_100_iters=result.seconds_per_100_iters,
        peak_memory_mib=result.memory.peak_mib,
        memory_kind=result.memory.kind,
        device=device_name(device),
        iters=cfg.iters,
        batch=cfg.batch,
        loss=cell.loss.loss,
        final_loss=result.losses[-1][1],
        processes=dist.world,
        resumed_from_iteration=result.resumed_from,
        selected_iteration=selection.best_iteration if selection is not None else None,
        select_by=cfg.select_by if selection is not None else None,
        selected_validation_score=selection.best_score if selection is not None else None,
        validation_sequences=validation_sequences if selection is not None else 0,
        code=code_commit(),
        trained_at=datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    )
    bundle.card = model_card(ds, cell, data, facts, selection)
    return CellResult(bundle, result, facts, resume)


def model_card(
    ds: str, cell: CellConfig, data: TrainingSet, facts: RunFacts, selection: BestIterate | None
) -> ModelCard:
    """What the checkpoint will say it is (`models.card`)."""
    kept = None
    if selection is not None:
        kept = next((row for row in selection.curve if row["iteration"] == selection.best_iteration), None)
    return ModelCard(
        dataset=ds,
        layout=data.layout,
        predictor=cell.predictor,
        mode=cell.mode,
        seed=cell.seed,
        params=cell.section,
        loss=cell.loss.loss,
        iterations=facts.iters,
        kept_iteration=facts.selected_iteration,
        validation={k: v for k, v in kept.items() if k != "iteration"} if kept else None,
        validation_sequences=facts.validation_sequences,
        trainable_params=facts.trainable_params,
        vqvae_sha256=data.vqvae_sha256,
        vqvae_quality=data.vqvae_quality,
        device=facts.device,
        precision=cell.trainer.amp,
    )


def validator(bundle: Bundle, frames: np.ndarray, metric: str, device: torch.device, key: str) -> Validator:
    """Mean validation metrics of the model being trained, computed exactly as `evaluate` computes them."""
    lpips = make_lpips_scorer(device)
    if metric.startswith("lpips") and lpips[0] is None:
        raise UserError(f"params key '{key}.select_by' is {metric}, but {lpips[1]}")
    future = bundle.future

    def validate(model: nn.Module) -> dict[str, float]:
        scored = score_predictor(
            model_predictor(bundle, future, device), frames, bundle.input_len, 32, device, "validate", lpips
        )
        return {k: v for k, v in scored.mean.items() if v is not None}

    return validate
