"""A model card: what a checkpoint is, written inside it, so a file handed on says what it holds.

`train` writes one into every predictor checkpoint (`card` entry of model.pt): the dataset and its
sequence layout, the predictor and mode, the params section that trained it, the iterations and
the kept iterate with its validation scores, the frozen VQ-VAE's hash and quality, the device
and precision. No commit and no clock time: a checkpoint's bytes depend on what trained it, so a
rerun that reproduces the weights writes the same file, and DVC reruns nothing downstream; the
code commit and the date are run facts, in the cell's train.json, which the card command prints
beside the card when the checkpoint sits in its project. Test scores are not in it: `evaluate` runs after `train` and
DVC lets no stage rewrite another's output, so `python -m stages card` and `modpred.load` add
them from the cell's eval.json when the checkpoint sits in its project.

`check_card` refuses a checkpoint whose card contradicts its tensors (another predictor, mode,
layout, VQ-VAE or parameter count): a card that lies is worse than none.
"""

from __future__ import annotations

import subprocess
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from modpred.cell import Cell
from modpred.checkpoint import ModelCheckpoint
from modpred.errors import UserError
from modpred.layout import SequenceLayout
from modpred.results import VqvaeQuality

CARD = "card"  # the checkpoint entry


@dataclass(frozen=True)
class ModelCard:
    dataset: str
    layout: SequenceLayout
    predictor: str
    mode: str
    seed: int  # the replicate
    params: dict[str, Any]  # the train.<predictor> section that trained it
    loss: str
    iterations: int
    kept_iteration: int | None  # best-iterate selection (None: the last iterate, no validation)
    validation: dict[str, float] | None  # mean scores of the kept iterate on the held-out training sequences
    validation_sequences: int
    trainable_params: int
    vqvae_sha256: str | None  # the frozen VQ-VAE (modular); None on pixels
    vqvae_quality: VqvaeQuality | None  # its quality as pretrain_vqvae measured it (vqvae.json, less the timing)
    device: str
    precision: str  # fp32 or bf16 (autocast)

    @property
    def cell(self) -> Cell:
        return Cell(self.dataset, self.predictor, self.mode, self.seed)

    def entry(self) -> dict[str, Any]:
        """Plain values only, so the checkpoint loads with weights_only; the VQ-VAE's quality without
        how long its pretraining took, so identical trainings write identical checkpoints."""
        quality = self.vqvae_quality.of_model() if self.vqvae_quality is not None else None
        return {**asdict(self), "vqvae_quality": quality}

    @classmethod
    def from_entry(cls, entry: dict[str, Any]) -> ModelCard:
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in entry.items() if k in known}
        values["layout"] = SequenceLayout(**values["layout"])
        quality = values.get("vqvae_quality")
        values["vqvae_quality"] = VqvaeQuality.from_dict(quality) if quality is not None else None
        return cls(**values)

    def lines(self, test: dict[str, float | None] | None = None, run: dict[str, Any] | None = None) -> list[str]:
        """The card in words, with the test scores and the run's commit and date (train.json) when known."""
        layout = self.layout
        kept = (
            f"iteration {self.kept_iteration} of {self.iterations} (best validation on "
            f"{self.validation_sequences} held-out training sequences)"
            if self.kept_iteration is not None
            else f"the last of {self.iterations} iterations (no validation)"
        )
        rows = [
            f"model: {self.predictor}-{self.mode}, replicate seed {self.seed}, "
            f"{self.trainable_params:,} trainable parameters",
            f"dataset: {self.dataset}, {layout.input_len} input frames -> {layout.future} predicted, "
            f"{layout.image}x{layout.image}, {'colour' if layout.channels == 3 else 'gray'}",
            f"trained: loss {self.loss}, kept {kept}",
            f"validation: {_scores(self.validation)}",
            f"test: {_scores(test) if test else 'not in the checkpoint (its eval.json was not found beside it)'}",
            f"VQ-VAE: {self.vqvae_sha256[:12] if self.vqvae_sha256 else 'none (pixels)'}"
            + (_quality(self.vqvae_quality) if self.vqvae_quality else ""),
            f"device: {self.device}, {self.precision}",
            _run_line(run),
            "params: " + ", ".join(f"{k}={v}" for k, v in sorted(self.params.items()) if k != "model"),
            "model: " + ", ".join(f"{k}={v}" for k, v in sorted(dict(self.params.get("model") or {}).items())),
        ]
        return rows


def _run_line(run: dict[str, Any] | None) -> str:
    if not run:
        return "run: code commit and date not in the checkpoint (its train.json was not found beside it)"
    return (
        f"run: code {run.get('code') or 'unknown (not a git checkout)'}, trained {run.get('trained_at') or 'unknown'}"
    )


def _scores(values: Mapping[str, float | None] | None) -> str:
    if not values:
        return "none"
    return ", ".join(f"{k} {v:.4g}" for k, v in values.items() if v is not None)


def _quality(q: VqvaeQuality) -> str:
    return f", reconstruction PSNR {q.recon_psnr:.2f} dB, SSIM {q.recon_ssim:.3f}, {q.codes_used} codes in use"


PIPELINE_OUTPUTS = ("metrics", "dvc.lock")  # what `dvc repro` itself rewrites: not a change of the code


def code_commit(root: Path = Path(".")) -> str | None:
    """The commit the code comes from, `-dirty` when a tracked file other than the pipeline's own outputs
    (code, params, dvc.yaml) differs from it; None outside git."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, check=True
        ).stdout.strip()
        outputs = [f":(top,exclude){path}" for path in PIPELINE_OUTPUTS]
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no", "--", ":(top)", *outputs],
            cwd=root,
            capture_output=True,
            text=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None
    return f"{head}-dirty" if dirty else head


def check_card(card: ModelCard, state: ModelCheckpoint, path: Path) -> None:
    """A one-line error when the card says another thing than the tensors beside it."""
    space = state["space"]
    told: dict[str, tuple[object, object]] = {
        "predictor": (card.predictor, state["predictor"]),
        "mode": (card.mode, state["mode"]),
        "input_len": (card.layout.input_len, state["input_len"]),
        "seq_len": (card.layout.seq_len, state["seq_len"]),
        "image": (card.layout.image, space.get("image")),
        "vqvae_sha256": (card.vqvae_sha256 or "", state.get("vqvae_sha256", "")),
        "trainable_params": (
            card.trainable_params,
            sum(t.numel() for k, t in state["state_dict"].items() if k not in set(state.get("buffers", []))),
        ),
    }
    vqvae = state.get("vqvae")
    channels = space.get("channels", vqvae["config"]["in_channels"] if vqvae is not None else None)
    told["channels"] = (card.layout.channels, channels)
    for key, (said, held) in told.items():
        if said != held:
            raise UserError(
                f"model checkpoint {path}: its card says {key} {said}, its tensors {held}; "
                "the card or the weights were changed after training: retrain it (`dvc repro`)"
            )
