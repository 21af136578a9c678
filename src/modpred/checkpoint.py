"""Every checkpoint the project writes or reads: a trained model, the VQ-VAE, a resumable state.

One save and one load for all of them. A checkpoint is a dict of tensors, numbers, strings, lists
and dicts, so it loads with torch's `weights_only=True` (no pickled code runs on a file someone
handed you), and it is written atomically (a killed stage never leaves half a file where DVC or a
resume would read it). Its bytes depend on its contents only: no clock time goes in.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, NotRequired, TypedDict, cast

import torch

from modpred.atomic import atomic_path
from modpred.errors import UserError

# what torch.load gives back before it is known which checkpoint it is: tensors, numbers, strings and
# nested lists and dicts, by the key each writer put there
Checkpoint = dict[str, object]
Tensors = dict[str, torch.Tensor]


class VqvaeCheckpoint(TypedDict):
    """data/<ds>/vqvae/model.pt (`VQVAE.state` and `pretrain_vqvae`); also the `vqvae` entry of a modular model."""

    config: dict[str, Any]  # `VQVAEConfig`'s fields (ints, floats, strings, a tuple)
    state_dict: Tensors
    quality: NotRequired[dict[str, float | int | bool | None]]  # `VqvaeQuality.of_model()`; absent in a model's copy


class SpaceEntry(TypedDict, total=False):
    """What rebuilds a model's space (`spaces.PixelSpace.state`, `LatentSpace.state`)."""

    patch: int
    image: int
    channels: int
    decode: str


class SpaceState(TypedDict):
    """A model's space, as its checkpoint holds it (`spaces.PixelSpace.state`, `LatentSpace.state`)."""

    space: SpaceEntry
    vqvae: NotRequired[VqvaeCheckpoint]  # modular: the frozen VQ-VAE travels with the model
    vqvae_sha256: NotRequired[str]


class ModelCheckpoint(TypedDict):
    """data/<ds>/models/<predictor>-<mode>/seed<k>/model.pt (`bundle.save_bundle`)."""

    predictor: str
    model_config: dict[str, object]  # the predictor's config dataclass, as a dict
    state_dict: Tensors
    buffers: list[str]  # the state_dict's buffer names (not counted as parameters)
    input_len: int
    seq_len: int
    mode: str
    start: NotRequired[str]  # absent: scratch, as before the option
    space: SpaceEntry  # this and the next two: `Space.state()`
    vqvae: NotRequired[VqvaeCheckpoint]  # modular: the frozen VQ-VAE travels with the model
    vqvae_sha256: NotRequired[str]
    card: NotRequired[dict[str, object]]  # `card.ModelCard.entry()`


MODEL_ENTRIES = ("predictor", "model_config", "state_dict", "input_len", "seq_len", "mode", "space")


def save_checkpoint(path: Path, state: Checkpoint | ModelCheckpoint | VqvaeCheckpoint) -> None:
    """Write `state` to `path` atomically."""
    with atomic_path(path) as tmp:
        torch.save(state, tmp)


def load_checkpoint(path: Path, what: str, remedy: str) -> Checkpoint:
    """Read the checkpoint at `path`; a missing or damaged file, or one that is not a dict, is a
    one-line error naming `what` it should be and the `remedy` (the command that writes it)."""
    if not Path(path).is_file():
        raise UserError(f"missing {what}: {path} ({remedy})")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises many types for a damaged file
        raise UserError(f"corrupt {what} {path}: {str(exc).splitlines()[0]}") from None
    if not isinstance(state, dict):
        raise UserError(f"{path} is not a {what}: it holds a {type(state).__name__}")
    return state


def read_checkpoint(path: Path) -> Checkpoint | None:
    """The checkpoint at `path`, or None where there is none or it is damaged (a resumable state: a
    damaged one is ignored, never trusted)."""
    try:
        return load_checkpoint(path, "checkpoint", "")
    except UserError:
        return None


def load_model_checkpoint(path: Path) -> ModelCheckpoint:
    """A predictor's checkpoint, its required entries checked (a file of another kind is refused)."""
    state = load_checkpoint(path, "model checkpoint", "run `dvc repro` for its train stage")
    missing = [key for key in MODEL_ENTRIES if key not in state]
    if missing:
        raise UserError(
            f"model checkpoint {path} lacks '{missing[0]}', which `train` writes: not a model of this project"
        )
    return cast(ModelCheckpoint, state)


def load_vqvae_checkpoint(path: Path) -> VqvaeCheckpoint:
    """The VQ-VAE's checkpoint, its entries checked."""
    state = load_checkpoint(path, "VQ-VAE checkpoint", "run `dvc repro pretrain_vqvae`")
    missing = [key for key in ("config", "state_dict") if key not in state]
    if missing:
        raise UserError(f"VQ-VAE checkpoint {path} lacks '{missing[0]}': not a VQ-VAE of this project")
    return cast(VqvaeCheckpoint, state)
