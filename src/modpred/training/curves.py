"""Training curves through DVCLive, and the one reader of them.

A run's curves live in a DVCLive folder (`paths.LIVE_DIR` beside train.json, `paths.vqvae_live`
for the VQ-VAE): a step file per metric, `plots/metrics/loss.tsv` (step = iteration index, loss)
and `plots/metrics/validation/<metric>.tsv` (step = iterations done), each grown a row at a time
as training goes, and `metrics.json`, the latest values (with the kept iterate at the end), which
`dvc exp show` reads while a queued experiment runs. No timestamps: identical runs write
identical files.

A resumed run writes again the points its checkpoint holds and goes on from there, so its curve
has no gap and no repeat; a failed run leaves the folder as it found it. `read_loss_curve` and
`read_validation_curve` read these files, or the loss.csv / validation.csv of runs from before.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import pandas as pd

from modpred import paths

if TYPE_CHECKING:
    from dvclive import Live

LOSS = "loss"
VALIDATION = "validation"  # the folder of the validation metrics' step files
STEP = "step"
LEGACY_LOSS_CSV = "loss.csv"  # runs written before DVCLive
LEGACY_VALIDATION_CSV = "validation.csv"
METRICS = Path("plots") / "metrics"  # DVCLive's folder of step files, inside its directory


class CurveSink(Protocol):
    """Where the loop's curves go as it runs (`LiveCurves`: DVCLive step files)."""

    def start(self, losses: list[tuple[int, float]], validations: list[dict[str, float]]) -> None: ...

    def loss(self, iteration: int, value: float) -> None: ...

    def validation(self, iterations_done: int, scores: dict[str, float]) -> None: ...


class LiveCurves:
    """The curves of one run, logged through DVCLive as the loop goes (rank 0 only).

    `start` is given what a resumed run restored from its checkpoint (nothing for a fresh run) and
    writes it again, so the curve depends on the checkpoint alone, never on rows a killed run left
    after it: no gap, no repeat. `discard` (a failed run) puts back what the folder held before.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.live: Live | None = None
        self.previous: dict[Path, bytes] | None = None

    def start(self, losses: list[tuple[int, float]], validations: list[dict[str, float]]) -> None:
        from dvclive import Live  # only a training process needs it

        files = [p for p in self.folder.rglob("*") if p.is_file()] if self.folder.is_dir() else []
        self.previous = {p: p.read_bytes() for p in files}
        shutil.rmtree(self.folder, ignore_errors=True)
        self.live = Live(str(self.folder), resume=False, save_dvc_exp=False, dvcyaml=None, report=None)
        # in the loop's own order, so the summary's keys come in an unbroken run's order: the scores
        # after i iterations are logged before the loss of iteration i
        rows = [(int(row["iteration"]), 0, _validation(row)) for row in validations]
        rows += [(it, 1, {LOSS: value}) for it, value in losses]
        for step, _, values in sorted(rows, key=lambda row: row[:2]):
            self._log(step, values)

    def loss(self, iteration: int, value: float) -> None:
        self._log(iteration, {LOSS: value})

    def validation(self, iterations_done: int, scores: dict[str, float]) -> None:
        self._log(iterations_done, _validation(scores))

    def end(self, **summary: int | None) -> None:
        """The last summary (the kept iterate, when there is one) and DVCLive's own ending."""
        if self.live is None:
            return
        self.live.summary.update(summary)
        self.live.make_summary()
        self.live.end()

    def discard(self) -> None:
        """A failed run changes nothing: the folder as it was before `start`."""
        if self.previous is None:
            return
        shutil.rmtree(self.folder, ignore_errors=True)
        for path, data in self.previous.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        self.previous = None

    def _log(self, step: int, values: dict[str, float]) -> None:
        assert self.live is not None, "start() comes first"
        self.live.step = step
        for name, value in values.items():
            self.live.log_metric(name, value)
        self.live.make_summary()  # metrics.json: what `dvc exp show` reads while the run goes on


@contextmanager
def recorded(curves: LiveCurves | None) -> Iterator[dict[str, int | None]]:
    """Around a run that logs to `curves` (None: a rank that does not): a failure puts the folder back
    as it was (`discard`), a success ends DVCLive with the summary the block filled in."""
    summary: dict[str, int | None] = {}
    try:
        yield summary
    except BaseException:
        if curves is not None:  # a failed run leaves no partial curve; its resume state keeps the progress
            curves.discard()
        raise
    if curves is not None:
        curves.end(**summary)


def _validation(scores: dict[str, float]) -> dict[str, float]:
    return {f"{VALIDATION}/{key}": value for key, value in scores.items() if key != "iteration"}


def read_loss_curve(run: Path) -> pd.DataFrame:
    """(iteration, loss) of the train cell whose metrics folder is `run`."""
    return _loss(Path(run) / paths.LIVE_DIR, Path(run) / LEGACY_LOSS_CSV)


def read_vqvae_loss_curve(ds: str, root: Path = Path(".")) -> pd.DataFrame:
    """(iteration, loss) of the VQ-VAE's pretraining on `ds`."""
    return _loss(root / paths.vqvae_live(ds), root / paths.RUNS / ds / "vqvae_loss.csv")


def has_loss_curve(run: Path) -> bool:
    return (Path(run) / paths.LIVE_DIR / METRICS / f"{LOSS}.tsv").is_file() or (Path(run) / LEGACY_LOSS_CSV).is_file()


def _loss(live: Path, legacy: Path) -> pd.DataFrame:
    tsv = live / METRICS / f"{LOSS}.tsv"
    if not tsv.is_file() and legacy.is_file():
        return pd.read_csv(legacy)
    return pd.read_csv(tsv, sep="\t").rename(columns={STEP: "iteration"})[["iteration", LOSS]]


def read_validation_curve(run: Path) -> pd.DataFrame | None:
    """(iteration, one column per validation metric) of a train cell; None when it did not validate."""
    files = sorted((Path(run) / paths.LIVE_DIR / METRICS / VALIDATION).glob("*.tsv"))
    if not files:
        legacy = Path(run) / LEGACY_VALIDATION_CSV
        table = pd.read_csv(legacy) if legacy.is_file() else None
        return table if table is not None and len(table) else None
    merged = pd.read_csv(files[0], sep="\t")
    for path in files[1:]:
        merged = merged.merge(pd.read_csv(path, sep="\t"), on=STEP)
    return merged.rename(columns={STEP: "iteration"})
