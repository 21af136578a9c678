"""train@<dataset>-<predictor>-<mode>: train one predictor on pixels (base) or latents (modular)."""

from __future__ import annotations

from pathlib import Path

from modpred import paths
from modpred.cell import Cell
from modpred.code_deps import code_hash
from modpred.distributed import init_distributed
from modpred.evaluation.evaluate import modular_decode
from modpred.models.bundle import save_bundle
from modpred.params import ParamsFile, overridden
from modpred.training.cell_config import CellConfig
from modpred.training.curves import LiveCurves, recorded
from modpred.training.gpu_lock import hold_gpu
from modpred.training.run import train_cell
from stages.app import DatasetArg, ModeArg, ParamsOption, PredictorArg, SeedArg, check_cell, stage


@stage("train")
def train(
    dataset: str = DatasetArg,
    predictor: str = PredictorArg,
    mode: str = ModeArg,
    seed: int = SeedArg,
    params: Path = ParamsOption,
) -> None:
    """Train a predictor with one replicate seed; write its checkpoint, loss curve and measured compute figures.

    Reads data/DATASET/MODE/ (pixels or latent shards); settings: the `train.PREDICTOR` params
    section with the keys `data.DATASET.train` overrides, and `evaluate.modular_decode` as
    `data.DATASET.evaluate` sets it (a modular model's validation decodes as evaluate will).
    Writes data/DATASET/models/PREDICTOR-MODE/seedSEED/model.pt and
    metrics/runs/DATASET/PREDICTOR-MODE/seedSEED/ (train.json, and live/: DVCLive's loss and validation
    step files, grown as it trains, and metrics.json, the latest values); a killed run resumes from
    .resume/ on the next call, its curves continued from its checkpoint.
    """
    check_cell(dataset, predictor, mode)
    p = ParamsFile(params)
    key = f"data.{dataset}.train"
    section = overridden(p.get(f"train.{predictor}"), p.get(key), key, refused=("model",))
    cell = CellConfig.from_section(predictor, mode, section, seed, modular_decode(p, dataset))
    where = Cell(dataset, predictor, mode, seed)
    dist = init_distributed()
    out = where.run_dir
    curves = LiveCurves(out / paths.LIVE_DIR) if dist.main else None
    device = dist.device()
    code = code_hash(Path("."), __name__, {"predictor": predictor, "dataset": dataset})
    with recorded(curves) as summary:
        with hold_gpu(device, f"train {dataset} {predictor} {mode} seed {seed}"):
            result = train_cell(dataset, cell, device, curves=curves, dist=dist, code=code)
        if dist.main:  # rank 0 writes; the others trained the same weights
            save_bundle(where.model_file, result.bundle)
            result.facts.write(out / paths.TRAIN_JSON)
            summary["kept_iteration"] = result.facts.selected_iteration
    if dist.main:
        result.resume.clear()
    dist.barrier()
