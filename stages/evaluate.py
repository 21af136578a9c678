"""evaluate@<dataset>-<predictor>-<mode>: predict every test sequence's targets and score them."""

from __future__ import annotations

from pathlib import Path

from modpred import paths
from modpred.cell import Cell
from modpred.device import pick_device
from modpred.evaluation.evaluate import evaluate_config, save_scores, score_test_split
from modpred.models.bundle import load_bundle, model_predictor
from modpred.params import ParamsFile
from stages.app import DatasetArg, ModeArg, ParamsOption, PredictorArg, SeedArg, check_cell, stage


@stage("evaluate")
def evaluate(
    dataset: str = DatasetArg,
    predictor: str = PredictorArg,
    mode: str = ModeArg,
    seed: int = SeedArg,
    params: Path = ParamsOption,
) -> None:
    """Score a trained model on every test sequence (MSE, MAE, PSNR, SSIM, LPIPS) and write the scores.

    Reads data/DATASET/models/PREDICTOR-MODE/seedSEED/model.pt and data/DATASET/base/test.h5;
    settings: the `evaluate` params section, with the keys `data.DATASET.evaluate` overrides. Writes
    metrics/runs/DATASET/PREDICTOR-MODE/seedSEED/:
    eval.json (the means and how LPIPS was measured), per_frame.csv (per predicted frame) and
    per_sequence.csv (per test sequence).
    """
    check_cell(dataset, predictor, mode)
    cell = Cell(dataset, predictor, mode, seed)
    cfg = evaluate_config(ParamsFile(params), dataset)
    device = pick_device()
    bundle = load_bundle(cell.model_file, device, cfg.modular_decode, (predictor, mode))
    scored = score_test_split(
        dataset,
        lambda future: model_predictor(bundle, future, device),
        cfg.batch,
        device,
        (predictor, mode),
        seed=seed,
        decode=bundle.space.decoding,
    )
    out = cell.run_dir
    save_scores(out / paths.EVAL_JSON, out / paths.PER_FRAME_CSV, out / paths.PER_SEQUENCE_CSV, scored)
