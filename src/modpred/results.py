"""A run's results as typed records: what train.json, eval.json, vqvae.json and data.json hold, and
how each row is named.

Each record is built whole by the module that computes it and written by `JsonRecord.write`; every
reader (the report, the chart tables, the figures, the compact scores file, the sweep) locates
results through `paths` and reads these records by field, never folder names or loose keys.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Self

from modpred import paths
from modpred.atomic import write_json
from modpred.baselines import BASELINE_MODE, BASELINES
from modpred.cell import Cell, model_label
from modpred.errors import UserError
from modpred.metrics import HEADLINE

DEFAULT_LOSS = "mse"  # the paper's loss: what a train.json from before `loss` was recorded trained on
VQVAE_KEY = "vqvae"
VQVAE_HEADLINE = ("recon_psnr", "recon_ssim", "perplexity", "codes_used")  # of vqvae.json, in the scores file


def baseline_label(name: str) -> str:
    """The name of a baseline in tables, figures and charts, e.g. `baseline: copy last`."""
    return BASELINES[name].label if name in BASELINES else f"{BASELINE_MODE}: {name.replace('_', ' ')}"


class JsonRecord:
    """A dataclass written as one JSON object; read back by field, keys it does not know ignored.

    Fields named in `omit_when_none` are left out of the file while None (a baseline's eval.json has
    no seed and no decoding)."""

    omit_when_none: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> Self:
        known = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
        return cls(**{k: v for k, v in values.items() if k in known})

    @classmethod
    def read(cls, path: Path) -> Self:
        return cls.from_dict(json.loads(Path(path).read_text()))

    def write(self, path: Path) -> None:
        values = dataclasses.asdict(self)  # type: ignore[call-overload]
        write_json(path, {k: v for k, v in values.items() if not (v is None and k in self.omit_when_none)})


@dataclass(frozen=True)
class RunFacts(JsonRecord):
    """What a train cell records about itself in train.json: where and how it ran, and what it cost."""

    dataset: str
    predictor: str
    mode: str
    trainable_params: int
    frozen_vqvae_params: int
    seconds_per_100_iters: float  # training steps only: warm-up and validation excluded
    peak_memory_mib: float
    memory_kind: str  # cuda_max_allocated or cpu_process_max_rss
    device: str
    iters: int
    batch: int
    final_loss: float  # of `loss`
    processes: int
    resumed_from_iteration: int
    seed: int = 0  # the replicate (one of the `seeds` params list)
    selected_iteration: int | None = None  # best-iterate selection, when the cell validated
    select_by: str | None = None
    selected_validation_score: float | None = None
    validation_sequences: int = 0
    loss: str = DEFAULT_LOSS  # the `train.<p>.loss` it trained on (training.losses.LOSSES): its curve's title and unit
    code: str | None = None  # git commit of the code that trained it ("-dirty": uncommitted changes; None: no git)
    trained_at: str | None = None  # UTC time the run ended (both here, not in the checkpoint, whose bytes DVC hashes)

    @classmethod
    def of_cell(cls, values: dict[str, Any], dataset: str, predictor: str, mode: str) -> RunFacts:
        """A train.json of any age: those from before the record named its cell get the cell's names."""
        return cls.from_dict({"dataset": dataset, "predictor": predictor, "mode": mode, **values})

    @property
    def label(self) -> str:
        return model_label(self.predictor, self.mode)

    @property
    def cell(self) -> Cell:
        return Cell(self.dataset, self.predictor, self.mode, self.seed)

    @property
    def train_seconds(self) -> float:
        """Measured training time of the whole run (iterations x seconds per iteration)."""
        return self.iters * self.seconds_per_100_iters / 100


@dataclass(frozen=True)
class Scores(JsonRecord):
    """What evaluate and baselines write to eval.json / <baseline>.json: mean metrics on the test split."""

    dataset: str
    predictor: str  # the predictor, or the baseline's name
    mode: str  # base, modular or BASELINE_MODE
    mean: dict[str, float | None]  # metric key (modpred.metrics) -> mean over sequences and frames
    test_sequences: int
    lpips_status: str
    lpips_source: str | None = None
    decode: str | None = None  # a trained model's decoding path; None for a baseline
    seed: int | None = None  # the replicate of a trained model; None for a baseline (it has no training)

    omit_when_none: ClassVar[tuple[str, ...]] = ("decode", "seed")

    @property
    def is_baseline(self) -> bool:
        return self.mode == BASELINE_MODE

    @property
    def label(self) -> str:
        return baseline_label(self.predictor) if self.is_baseline else model_label(self.predictor, self.mode)


@dataclass(frozen=True)
class EncodeFacts(JsonRecord):
    """What encode_latents records in encode.json: its time, which Table III charges to the modular models."""

    seconds: float
    processes: int = 1


@dataclass(frozen=True)
class VqvaeQuality(JsonRecord):
    """What pretrain_vqvae writes to vqvae.json: the frozen VQ-VAE's reconstructions of test frames,
    its codebook use, and what its pretraining was."""

    recon_mse_per_pixel: float
    recon_psnr: float
    recon_ssim: float
    perplexity: float
    codes_used: int
    codes_used_fraction: float
    dead_codes: int
    eval_frames: int  # test frames reconstructed
    params: int
    collapsed: bool = False  # under `COLLAPSED` of the codes in use: the log and the report warn
    seed: int | None = None  # vqvae.train.seed: the replicates run varies it (None: a record from before it)
    train_seconds: float | None = None  # Table III charges it to the modular models (bench/table3.py)
    resumed_from_iteration: int = 0

    @property
    def num_codes(self) -> int:
        return self.codes_used + self.dead_codes

    def of_model(self) -> dict[str, float | int | bool | None]:
        """What the checkpoint carries for model cards: the quality, not how long this run took
        (identical runs, resumed or not, write identical checkpoints)."""
        values = dataclasses.asdict(self)
        return {k: v for k, v in values.items() if k not in ("train_seconds", "resumed_from_iteration")}


@dataclass(frozen=True)
class DataFacts(JsonRecord):
    """What generate records in data.json: the split sizes, and what an interval over the test
    sequences rests on (windows of one clip are not independent draws, as rendered sequences are)."""

    dataset: str
    train: int
    test: int
    test_clips: int | None = None  # clips the test windows are cut from; None: every sequence drawn on its own
    test_overlap: bool = False  # whether test windows of one clip share frames

    @classmethod
    def from_sizes(cls, dataset: str, sizes: dict[str, int]) -> DataFacts:
        """From a dataset writer's return value (`DatasetSpec.write`)."""
        clips = sizes.get("test_clips")
        return cls(dataset, sizes["train"], sizes["test"], clips, bool(sizes.get("test_overlap", 0)))

    @property
    def test_basis(self) -> str:
        """The test sequences in words, for the report's setting line."""
        if self.test_clips is None:
            return f"{self.test:,} test sequences, each drawn independently"
        shared = (
            "that share frames (overlapping windows: the intervals are too narrow)"
            if self.test_overlap
            else "that share no frame"
        )
        return f"{self.test:,} test windows from {self.test_clips} clip{'s' if self.test_clips != 1 else ''}, {shared}"


def dataset_scores(ds: str, cells: list[Cell], root: Path = Path(".")) -> list[Scores]:
    """The scores of the given cells of `ds` that were evaluated (one per seed), then of every baseline."""
    found = [root / c.scores_file for c in cells if c.dataset == ds]
    found += [root / paths.baseline_json(ds, name) for name in BASELINES]
    return [Scores.read(path) for path in found if path.is_file()]


def display_rank(predictor: str, order: Sequence[str]) -> tuple[int, str]:
    """Where a predictor's rows go in a table: in `order` (the params' `predictors` list: the paper's
    first), then any other by name."""
    return (list(order).index(predictor) if predictor in order else len(order), predictor)


def trained_cells(ds: str, root: Path = Path("."), order: Sequence[str] = ()) -> list[RunFacts]:
    """Every train cell of `ds` with a train.json (the report and charts show what ran), by predictor
    in `order`, then mode (base before modular) and seed."""
    folder = root / paths.RUNS / ds
    facts = [RunFacts.read(path) for path in folder.glob(f"*/seed*/{paths.TRAIN_JSON}")]
    return sorted(facts, key=lambda f: (display_rank(f.predictor, order), f.mode, f.seed))


def datasets_with_results(root: Path = Path(".")) -> list[str]:
    runs = root / paths.RUNS
    return sorted(p.name for p in runs.iterdir() if p.is_dir()) if runs.is_dir() else []


def _mean(values: list[float | None]) -> float | None:
    return None if any(v is None for v in values) else sum(v for v in values if v is not None) / len(values)


def compact_scores(ds: str, cells: list[Cell], root: Path = Path(".")) -> dict[str, dict[str, float | None]]:
    """The DVC metrics of a dataset: {model or baseline name: {headline metric: value}}, short keys
    (`predrnn-modular.lpips`, `copy_last.lpips`, `vqvae.recon_psnr`) so `dvc exp show` fits a terminal.
    A model's value is its mean over the replicate seeds, and `seeds` says how many."""
    missing = [path for c in cells if c.dataset == ds and not (path := root / c.scores_file).is_file()]
    if missing:
        raise UserError(f"missing {missing[0]} (run `dvc repro` for its evaluate stage)")
    grouped: dict[str, list[Scores]] = {}
    for s in dataset_scores(ds, cells, root):
        grouped.setdefault(s.predictor if s.is_baseline else model_label(s.predictor, s.mode), []).append(s)
    out: dict[str, dict[str, float | None]] = {}
    for name, runs in grouped.items():
        out[name] = {key: _mean([s.mean.get(key) for s in runs]) for key in HEADLINE}
        if not runs[0].is_baseline:
            out[name]["seeds"] = len(runs)
    vqvae = root / paths.vqvae_metrics(ds)
    if vqvae.is_file():  # the frozen VQ-VAE's reconstruction quality and codebook use
        quality = VqvaeQuality.read(vqvae)
        out[VQVAE_KEY] = {key: getattr(quality, key) for key in VQVAE_HEADLINE}
    return out
