"""card: print what a trained model is, from the card inside its checkpoint (not a DVC stage)."""

from __future__ import annotations

from pathlib import Path

import torch
import typer

from modpred.errors import UserError
from modpred.inference.model import record_beside, scores_beside
from modpred.models.bundle import load_bundle
from modpred.paths import TRAIN_JSON
from stages.app import stage


@stage("card")
def card(
    model: Path = typer.Argument(..., help="a trained model, e.g. data/mmnist/models/predrnn-modular/seed0/model.pt"),
) -> None:
    """Print the model card of MODEL: dataset and layout, predictor and mode, the params that trained
    it, iterations and the kept iterate, its scores, the frozen VQ-VAE, device, code commit and date.

    The test scores come from the cell's eval.json, the code commit and date from its train.json, when
    MODEL sits in its project (they are not in the checkpoint, whose bytes depend on its inputs only); a checkpoint
    whose card contradicts its tensors is refused.
    """
    bundle = load_bundle(model, torch.device("cpu"))
    if bundle.card is None:
        raise UserError(f"model checkpoint {model} has no card: it was written before cards (retrain it)")
    for line in bundle.card.lines(scores_beside(model, bundle.card), record_beside(model, bundle.card, TRAIN_JSON)):
        typer.echo(line)
