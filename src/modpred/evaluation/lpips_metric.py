"""LPIPS (Zhang et al. 2018) through the `lpips` package, AlexNet backbone, v0.1 linear layers.

The package ships its linear layers but takes the AlexNet backbone from torchvision's download
cache. This module never downloads: it uses the checkpoint only if it is already at
`$TORCH_HOME/hub/checkpoints/alexnet-owt-7be5be79.pth` and its SHA-256 starts with `7be5be79`
(the digest prefix torchvision puts in the file name and checks itself). Otherwise LPIPS is
reported as unavailable, with the reason, and no number is produced.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numpy as np
import torch

ALEXNET_FILE = "alexnet-owt-7be5be79.pth"
ALEXNET_SHA256_PREFIX = "7be5be79"


def alexnet_checkpoint() -> Path:
    return Path(torch.hub.get_dir()) / "checkpoints" / ALEXNET_FILE


def lpips_unavailable_reason() -> str | None:
    """None when LPIPS can run offline; else a sentence saying why not."""
    path = alexnet_checkpoint()
    if not path.is_file():
        return (
            f"LPIPS unavailable: AlexNet backbone weights not found at {path} "
            "(torchvision downloads them; this run had no copy)"
        )
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if not digest.startswith(ALEXNET_SHA256_PREFIX):
        return f"LPIPS unavailable: {path} has SHA-256 {digest[:16]}..., expected {ALEXNET_SHA256_PREFIX}..."
    return None


class LpipsScorer:
    """Scores gray frames in [0, 1], repeated to 3 channels.

    The correct input is [-1, 1], as lpips expects (`published=False`). The official PredRNN code
    feeds [0, 1] without lpips' `normalize` flag, so published PredRNN LPIPS numbers (and probably
    the paper's) come from that path: `published=True` reproduces it, to compare with them.
    """

    def __init__(self, device: torch.device) -> None:
        import lpips  # imported late: it prints a banner and loads torchvision

        os.environ.setdefault("TORCH_HOME", str(Path(torch.hub.get_dir()).parent))
        self.net = lpips.LPIPS(net="alex", version="0.1", verbose=False).to(device).eval()
        self.device = device

    @torch.no_grad()
    def __call__(self, pred: np.ndarray, gt: np.ndarray, published: bool = False, batch: int = 256) -> np.ndarray:
        lead = pred.shape[:-3]
        p = torch.from_numpy(pred.reshape(-1, *pred.shape[-3:])).float()
        g = torch.from_numpy(gt.reshape(-1, *gt.shape[-3:])).float()
        out = []
        for i in range(0, len(p), batch):
            scale, shift = (1.0, 0.0) if published else (2.0, -1.0)
            a = (p[i : i + batch].to(self.device) * scale + shift).expand(-1, 3, -1, -1)
            b = (g[i : i + batch].to(self.device) * scale + shift).expand(-1, 3, -1, -1)
            out.append(self.net(a, b).flatten().cpu())
        return torch.cat(out).numpy().reshape(lead)
