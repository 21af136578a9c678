"""evaluate@<dataset>-<predictor>-<mode>: predict every test sequence's targets and score them."""

from __future__ import annotations

from pathlib import Path

from modpred import paths
from modpred.device import pick_device
from modpred.evaluation.evaluate import EvaluateConfig, save_scores, score_test_split
from modpred.models.bundle import load_bundle, model_predictor
from modpred.params import ParamsFile, build_config
from stages.app import DatasetArg, ModeArg, ParamsOption, PredictorArg, check_cell, stage


@stage("evaluate")
def evaluate(
    dataset: str = DatasetArg, predictor: str = PredictorArg, mode: str = ModeArg, params: Path = ParamsOption
) -> None:
    """Score a trained model per frame (MSE, MAE, PSNR, SSIM, LPIPS); write JSON and per-frame CSV."""
    check_cell(dataset, predictor, mode)
    cfg = build_config(EvaluateConfig, ParamsFile(params).get("evaluate"), "evaluate")
    device = pick_device()
    bundle = load_bundle(paths.model_file(dataset, predictor, mode), device, cfg.modular_decode, (predictor, mode))
    table, summary = score_test_split(
        dataset,
        lambda future: model_predictor(bundle, future, device),
        cfg.batch,
        device,
        desc=f"evaluate {dataset}-{predictor}-{mode}",
    )
    summary.update(dataset=dataset, predictor=predictor, mode=mode, decode=bundle.space.decoding)
    out = paths.run_metrics_dir(dataset, predictor, mode)
    save_scores(out / paths.EVAL_JSON, out / paths.PER_FRAME_CSV, table, summary)
