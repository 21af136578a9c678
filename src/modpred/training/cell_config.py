"""One train cell's configuration, parsed once from its `train.<predictor>` section in `stages/train.py`.

The section is flat in params.yaml (users set `train.predrnn.lr` and `train.predrnn.patch` alike);
here it splits by what each key configures: the loop (`TrainConfig`), the pixel space (`patch`),
the loss (`LossConfig`: what a modular cell learns), the model (`model:`, the predictor's own
config), the start (`start`, with `base_start` replacing it in base mode only) and the large-base
width (`base_hidden`, which replaces the predictor's width in base mode only). The seed is not in
the section: it is the cell's replicate, one of the top-level `seeds` list, so that replicates
multiply the DAG's matrix and share everything else.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from torch import nn

from modpred.errors import UserError
from modpred.layout import SequenceLayout
from modpred.models.contract import STARTS, ModelShape
from modpred.models.predictors import build_from_config, predictor_config, predictor_spec
from modpred.models.spaces import planned_shape
from modpred.modes import MODES, mode_record
from modpred.params import build_config, choice, positive
from modpred.plugins import check_name
from modpred.training.losses import LossConfig, check_loss_applies
from modpred.training.trainer import TrainConfig


@dataclass(frozen=True)
class SpaceConfig:
    patch: int = positive(default=4)  # base mode: pixels reshaped into patch x patch cells (official PredRNN)


@dataclass(frozen=True)
class StartConfig:
    start: str = choice(STARTS, default="scratch")  # copy: each frame = given frame + a change starting at zero
    base_start: str = choice(("", *STARTS), default="")  # base (pixel) cells' start when not "": as base_hidden

    def of(self, mode: str) -> str:
        """The start of a cell in `mode`: `base_start` replaces `start` for the pixel model when set."""
        return self.base_start if self.base_start and mode_record(mode).pixels else self.start


@dataclass(frozen=True)
class WidthConfig:
    base_hidden: int = 0  # hidden units of the base (pixel) model when not 0: Table III's "large" base


@dataclass(frozen=True)
class CellConfig:
    predictor: str
    mode: str
    seed: int  # the replicate: initial weights, batch draws, sampling masks and the validation draw
    trainer: TrainConfig
    space: SpaceConfig
    start: str  # one of `contract.STARTS`: what the untrained predictor outputs
    loss: LossConfig
    model: Any  # the predictor's config dataclass, with `base_hidden` applied in base mode
    section: dict[str, Any]  # the raw section: what a resumed run must share (with the data)
    decode: str = "quantize"  # modular: how validation (and the saved model) decodes, `evaluate.modular_decode`

    @property
    def key(self) -> str:
        return f"train.{self.predictor}"

    def check_patch(self, image: int) -> None:
        """A one-line error when `patch` does not divide the frames (base mode reshapes them into patches)."""
        if image % self.space.patch:
            raise UserError(f"params key '{self.key}.patch' ({self.space.patch}) must divide the image size {image}")

    def planned_shape(self, layout: SequenceLayout, code_dim: int, downsample: int) -> ModelShape:
        """The shape this cell's predictor will see, from params alone (the bench and the profile checks)."""
        self.check_patch(layout.image)
        return planned_shape(self.mode, layout, self.space.patch, code_dim, downsample)

    def build_model(self, shape: ModelShape) -> nn.Module:
        """This cell's predictor, freshly initialised, for `shape` (with this cell's start)."""
        started = dataclasses.replace(shape, start=self.start)
        return build_from_config(self.predictor, self.model, started, f"{self.key}.model")

    @classmethod
    def from_section(
        cls, predictor: str, mode: str, section: Any, seed: int = 0, decode: str = "quantize"
    ) -> CellConfig:
        """Parse and check the whole section before any work; each error names its key."""
        check_name(mode, tuple(MODES), "mode")
        key = f"train.{predictor}"
        if not isinstance(section, dict) or "model" not in section:
            raise UserError(f"missing params key '{key}.model'")
        if "seed" in section:
            raise UserError(f"params key '{key}.seed' is gone: list the replicate seeds in the top-level `seeds`")
        parts = {
            cfg: {f.name for f in dataclasses.fields(cfg)} - {"seed"}
            for cfg in (TrainConfig, SpaceConfig, StartConfig, LossConfig, WidthConfig)
        }
        known = ["model", *(name for names in parts.values() for name in names)]
        unknown = sorted(set(section) - set(known))
        if unknown:
            raise UserError(f"unknown params key '{key}.{unknown[0]}' (known: {', '.join(known)})")
        built: dict[type, Any] = {
            cfg: build_config(cfg, {k: v for k, v in section.items() if k in names}, key)
            for cfg, names in parts.items()
        }
        width = built[WidthConfig]
        check_loss_applies(built[LossConfig].loss, mode_record(mode), key)
        return cls(
            predictor=predictor,
            mode=mode,
            seed=seed,
            trainer=dataclasses.replace(built[TrainConfig], seed=seed),
            space=built[SpaceConfig],
            start=built[StartConfig].of(mode),
            loss=built[LossConfig],
            model=cell_model_config(predictor, mode, section["model"], width.base_hidden, key),
            section=section,
            decode=decode,
        )


def cell_model_config(predictor: str, mode: str, model_params: Any, base_hidden: int, key: str) -> Any:
    """The predictor's typed config; in base mode with `base_hidden`, its width replaced (Table III)."""
    params = dict(model_params) if isinstance(model_params, dict) else model_params
    if base_hidden and mode_record(mode).base_hidden:
        width = predictor_spec(predictor).width
        if width is None:
            raise UserError(f"params key '{key}.base_hidden': {predictor} has no width to replace")
        params[width] = base_hidden
    return predictor_config(predictor, params, f"{key}.model")
