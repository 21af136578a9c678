"""evaluate@<dataset>-<predictor>-<mode>: predict every test sequence's targets and score them."""

from __future__ import annotations

from pathlib import Path

import typer

from modpred import paths
from modpred.atomic import write_json, write_text
from modpred.data.sequences import read_sequences, sequence_layout
from modpred.evaluation.evaluate import EvaluateConfig, model_predictor, score_predictor
from modpred.models.bundle import load_bundle
from modpred.params import DATASETS, MODES, PREDICTORS, ParamsFile, build_config, check_choice
from modpred.training.compute import pick_device
from stages.app import ParamsOption, stage


@stage("evaluate")
def evaluate(
    dataset: str = typer.Argument(..., help="dataset name"),
    predictor: str = typer.Argument(..., help="predrnn or tctn"),
    mode: str = typer.Argument(..., help="base or modular"),
    params: Path = ParamsOption,
) -> None:
    """Score a trained model per frame (MSE, MAE, PSNR, SSIM, LPIPS); write JSON and per-frame CSV."""
    check_choice(dataset, DATASETS, "dataset")
    check_choice(predictor, PREDICTORS, "predictor")
    check_choice(mode, MODES, "mode")
    cfg = build_config(EvaluateConfig, ParamsFile(params).get("evaluate"), "evaluate")
    device = pick_device()
    bundle = load_bundle(paths.model_dir(dataset, predictor, mode) / "model.pt", device, cfg.modular_decode)
    test_file = paths.sequences_file(dataset, "test")
    input_len, seq_len, _ = sequence_layout(test_file)
    frames = read_sequences(test_file)
    predict = model_predictor(bundle, seq_len - input_len, device)
    table, summary = score_predictor(
        predict, frames, input_len, cfg.batch, device, desc=f"evaluate {dataset}-{predictor}-{mode}"
    )
    out = paths.run_metrics_dir(dataset, predictor, mode)
    summary.update(
        dataset=dataset, predictor=predictor, mode=mode, decode=cfg.modular_decode if mode == "modular" else "pixels"
    )
    write_json(out / "eval.json", summary)
    write_text(out / "per_frame.csv", table.to_csv(index=False, float_format="%.6g"))
