"""Every stage's inputs and outputs, named once here; dvc.yaml spells the same paths.

The folder each train cell reads is named after its mode, so one templated path
(`data/<dataset>/<mode>`) serves the whole matrix:

    data/<ds>/base/{train,test}.h5            pixel sequences (generate)
    data/<ds>/vqvae/model.pt                  the VQ-VAE (pretrain_vqvae)
    data/<ds>/modular/vqvae.pt                the frozen VQ-VAE the shards were made with (encode_latents)
    data/<ds>/modular/{train,test}/shard-*.h5 latent code shards (encode_latents)
    data/<ds>/models/<predictor>-<mode>/seed<k>/model.pt   predictor checkpoint of replicate seed k (train)
    metrics/runs/<ds>/vqvae.json, vqvae_live/     VQ-VAE quality and loss curve (pretrain_vqvae)
    metrics/runs/<ds>/encode.json                  encoding seconds (encode_latents)
    metrics/runs/<ds>/<predictor>-<mode>/seed<k>/  train.json, live/ (DVCLive: loss, validation) (train);
                                                   eval.json, per_frame.csv, per_sequence.csv (evaluate)
    metrics/runs/<ds>/baselines/                   <name>.json, <name>_per_frame.csv (baselines)
    metrics/scores/<ds>.json                  the DVC metrics: model x headline metric, short keys (scores)
    metrics/figures/<ds>/                          PNG figures (figures)
    metrics/report.md                         the report
"""

from __future__ import annotations

from pathlib import Path

from modpred.modes import BASE, MODULAR

DATA = Path("data")
METRICS = Path("metrics")
RUNS = METRICS / "runs"
RESUME_DIR = Path(".resume")  # resumable states of killed trainings (not DVC outputs)
REPORT = METRICS / "report.md"
PLOTS = METRICS / "plots"  # long-form CSVs that the charts of `dvc plots show` read (report)
SPLITS = ("train", "test")
MODEL_FILE = "model.pt"
FROZEN_VQVAE_FILE = "vqvae.pt"
TRAIN_JSON = "train.json"
LIVE_DIR = "live"  # a train cell's DVCLive folder: loss and validation step files, metrics.json (training.curves)
EVAL_JSON = "eval.json"
PER_FRAME_CSV = "per_frame.csv"
PER_SEQUENCE_CSV = "per_sequence.csv"  # each test sequence's means: the spread, and paired differences
PREDICTIONS_PNG = "predictions.png"  # the figures of metrics/figures/<ds>/
PER_FRAME_PNG = "per_frame.png"
VQVAE_RECONSTRUCTIONS_PNG = "vqvae_reconstructions.png"
TRAINING_LOSS_PNG = "training_loss.png"
VALIDATION_PNG = "validation.png"
SAMPLE_CLIP = "sample.npy"  # the shown test sequence, a ready-made clip for `predict`


def source_link(ds: str) -> Path:
    """The link to the folder a dataset reads (its clips), a DVC dependency of its generate stage."""
    return DATA / ds / "source"


def sequences_dir(ds: str) -> Path:
    return DATA / ds / BASE.name  # the pixel sequences: what a base cell reads


def sequences_file(ds: str, split: str) -> Path:
    return sequences_dir(ds) / f"{split}.h5"


def vqvae_dir(ds: str) -> Path:
    return DATA / ds / "vqvae"


def vqvae_checkpoint(ds: str) -> Path:
    return vqvae_dir(ds) / MODEL_FILE


def latents_dir(ds: str) -> Path:
    return DATA / ds / MODULAR.name  # the latent shards: what a modular cell reads


def frozen_vqvae(ds: str) -> Path:
    """The copy of the VQ-VAE beside the shards: a modular train cell reads only data/<ds>/modular."""
    return latents_dir(ds) / FROZEN_VQVAE_FILE


def seed_dir(seed: int) -> str:
    """A replicate's folder under its model's: one model, several trainings that differ only in the seed."""
    return f"seed{seed}"


def model_dir(ds: str, predictor: str, mode: str, seed: int) -> Path:
    return DATA / ds / "models" / f"{predictor}-{mode}" / seed_dir(seed)


def model_file(ds: str, predictor: str, mode: str, seed: int) -> Path:
    return model_dir(ds, predictor, mode, seed) / MODEL_FILE


def run_metrics_dir(ds: str, predictor: str, mode: str, seed: int) -> Path:
    return RUNS / ds / f"{predictor}-{mode}" / seed_dir(seed)


def data_facts(ds: str) -> Path:
    """What generate made: split sizes and the clips the test windows come from (results.DataFacts)."""
    return RUNS / ds / "data.json"


def vqvae_metrics(ds: str) -> Path:
    return RUNS / ds / "vqvae.json"


def encode_metrics(ds: str) -> Path:
    """How long encode_latents took (Table III charges it, with the pretraining, to the modular models)."""
    return RUNS / ds / "encode.json"


def vqvae_live(ds: str) -> Path:
    """The VQ-VAE pretraining's DVCLive folder: its loss step file."""
    return RUNS / ds / "vqvae_live"


def baselines_dir(ds: str) -> Path:
    return RUNS / ds / "baselines"


def baseline_json(ds: str, name: str) -> Path:
    return baselines_dir(ds) / f"{name}.json"


def baseline_per_frame(ds: str, name: str) -> Path:
    return baselines_dir(ds) / f"{name}_per_frame.csv"


def baseline_per_sequence(ds: str, name: str) -> Path:
    return baselines_dir(ds) / f"{name}_per_sequence.csv"


def scores_file(ds: str) -> Path:
    return METRICS / "scores" / f"{ds}.json"


def figures_dir(ds: str) -> Path:
    return METRICS / "figures" / ds
