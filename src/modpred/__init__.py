"""Modular spatiotemporal prediction: a frozen VQ-VAE plus a video predictor, as a DVC pipeline.

`modpred.load(path)` gives a trained cell for use in Python (`inference.model`); the pipeline's
commands are `python -m stages ...`.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch

    from modpred.inference.model import TrainedModel

__version__ = "0.1.0"


def load(path: str | Path, device: str | torch.device | None = None) -> TrainedModel:
    """A trained cell from its model.pt, ready to `predict(frames, future)` (see `modpred.inference.model`)."""
    # imported by name when called: `import modpred` (every stage) stays free of torch and of this
    # module, so no stage depends on the inference code it never runs (tests/code_deps.py reads imports)
    inference = importlib.import_module("modpred.inference.model")
    return inference.load(path, device)
