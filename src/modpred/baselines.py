"""The baselines scored beside the models, one record each: what a row of every table and a line of
every figure is when no model was trained for it.

Two trivial predictors every model must beat (`baselines` stage: their predictions in
`evaluation.evaluate.TRIVIAL_PREDICTORS`) and one oracle per modular decoding (`oracle` stage: the
frozen VQ-VAE's reconstruction of the true future, the ceiling of every modular model decoded that
way). Paths, the stages, the report, the figures and the charts read these records, as they read
`modpred.modes`, so a new baseline is one record here and its predictor.
"""

from __future__ import annotations

from dataclasses import dataclass

BASELINE_MODE = "baseline"  # the `mode` of a baseline's eval.json, and the first word of its label


@dataclass(frozen=True)
class Baseline:
    name: str  # its records' file stem (metrics/runs/<ds>/baselines/<name>.json) and its scores key
    sees_future: bool  # an oracle encodes the true frames: a ceiling, not a competitor
    decode: str | None  # an oracle: the modular decoding (`modes.DECODINGS`) it is the ceiling of
    color: str  # a gray: baselines are told apart by shape
    line_style: str | tuple[int, tuple[float, ...]]  # matplotlib's dash spec
    marker: str

    @property
    def label(self) -> str:
        """Its name in tables, figures and charts, e.g. `baseline: copy last`."""
        return f"{BASELINE_MODE}: {self.name.replace('_', ' ')}"


COPY_LAST = Baseline("copy_last", False, None, "#404040", "-.", "s")  # the baseline to beat: the last input frame
BLANK = Baseline("blank", False, None, "#a0a0a0", ":", "x")  # blank frames
ORACLE = Baseline("vqvae_oracle", True, "quantize", "#000000", (0, (1, 1.5)), "^")
ORACLE_CHANGE = Baseline("vqvae_oracle_change", True, "change", "#707070", (0, (4, 1.5, 1, 1.5)), "v")
BASELINES: dict[str, Baseline] = {b.name: b for b in (COPY_LAST, BLANK, ORACLE, ORACLE_CHANGE)}
TRIVIAL = tuple(b for b in BASELINES.values() if not b.sees_future)  # what the `baselines` stage scores
ORACLES = tuple(b for b in BASELINES.values() if b.sees_future)  # what the `oracle` stage scores
