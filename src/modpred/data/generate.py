"""Make a dataset's train and test splits as uint8 HDF5 sequence files in one folder."""

from __future__ import annotations

from pathlib import Path

from modpred.data.datasets import DatasetConfig, dataset_config, dataset_spec
from modpred.errors import UserError
from modpred.layout import SequenceLayout
from modpred.params import ParamsFile, overridden


def _check_layout(cfg: DatasetConfig, key: str) -> None:
    if cfg.input_len >= cfg.seq_len:
        raise UserError(f"params key '{key}.input_len' ({cfg.input_len}) must be below seq_len ({cfg.seq_len})")
    if cfg.image < 28:  # what divides it is the VQ-VAE's rule (`models.vqvae.check_downsample`), and the patch's
        raise UserError(f"params key '{key}.image' ({cfg.image}) must be at least 28")


def planned_layout(dataset: str, section: object) -> SequenceLayout:
    """The layout `generate` writes for `dataset`, from its params section alone (the bench, the profile checks)."""
    cfg = dataset_config(dataset, section, f"data.{dataset}")
    return SequenceLayout(cfg.input_len, cfg.seq_len, cfg.image, getattr(cfg, "channels", 1))  # no key: gray


def generate_dataset(dataset: str, section: object, out: Path) -> dict[str, int]:
    """Write `out/train.h5` and `out/test.h5` for `dataset` from its params section; return the sizes."""
    key = f"data.{dataset}"
    cfg = dataset_config(dataset, section, key)
    _check_layout(cfg, key)
    return dataset_spec(dataset).write(cfg, out, key)


def check_frame_size(dataset: str, params: ParamsFile) -> None:
    """The frame size must be divisible by the VQ-VAE's downsampling (modular cells) and by each predictor's
    patch (base cells), the rules `models.vqvae.check_downsample` and `PixelSpace` apply later: refused
    before generate writes, it costs no wasted run, and the message names the key that could change."""
    image = planned_layout(dataset, params.get(f"data.{dataset}")).image
    modes, predictors, own = _listed(params.peek("modes")), _listed(params.peek("predictors")), f"data.{dataset}"
    rules = []  # (the key to name, its value), each section with the dataset's overrides laid over it
    if "modular" in modes:
        vqvae = overridden(params.peek("vqvae.model") or {}, params.peek(f"{own}.vqvae") or {}, f"{own}.vqvae")
        rules.append(("vqvae.model.downsample (or its data override)", _entry(vqvae, "downsample")))
    if "base" in modes:
        for name in predictors:
            train = overridden(params.peek(f"train.{name}") or {}, params.peek(f"{own}.train") or {}, f"{own}.train")
            rules.append((f"train.{name}.patch (or its data override)", _entry(train, "patch")))
    for key, step in rules:
        if isinstance(step, int) and step > 0 and image % step:
            raise UserError(
                f"params key 'data.{dataset}.image' ({image}) must be divisible by '{key}' ({step}): "
                "no model of this run could take these frames"
            )


def _listed(node: object) -> list[object]:
    return node if isinstance(node, list) else []


def _entry(section: object, key: str) -> object:
    return section.get(key) if isinstance(section, dict) else None
