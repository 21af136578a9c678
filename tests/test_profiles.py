"""The paper and large-base profiles: valid keys, buildable configs, and the parameter counts of Table III."""

from __future__ import annotations

import pytest
import yaml

from modpred.data.moving_mnist import MovingMnistConfig
from modpred.errors import UserError
from modpred.models import count_params
from modpred.models.registry import build_predictor
from modpred.models.vqvae import VQVAE, VQVAEConfig
from modpred.params import build_config
from modpred.profiles import apply_profile, load_profile, set_param_flags
from modpred.training.trainer import TrainConfig
from tests.helpers import ROOT

PARAMS = yaml.safe_load((ROOT / "params.yaml").read_text())


def _counts(profile: str) -> dict[str, int]:
    p = apply_profile(PARAMS, load_profile(profile, ROOT / "profiles"))
    build_config(MovingMnistConfig, p["data"]["mmnist"], "data.mmnist")
    vqvae = VQVAE(build_config(VQVAEConfig, p["vqvae"]["model"], "vqvae.model"))
    counts = {"vqvae": count_params(vqvae, trainable=False)}
    for name in ("predrnn", "tctn"):
        section = p["train"][name]
        cfg = build_config(TrainConfig, {k: v for k, v in section.items() if k != "model"}, name)
        for mode, channels in (("base", 16), ("modular", vqvae.cfg.code_dim)):  # 4x4 patches vs code vectors
            model_params = dict(
                section["model"], **({"hidden": cfg.base_hidden} if mode == "base" and cfg.base_hidden else {})
            )
            counts[f"{name}-{mode}"] = count_params(build_predictor(name, model_params, channels, 16, name))
    return counts


def test_paper_profile_matches_the_papers_sizes():
    counts = _counts("paper")
    assert counts["vqvae"] == 2_169_025  # Table III: "+ 2.17"
    assert counts["predrnn-modular"] == 6_590_464  # Table III: PredRNN-modular "6.60 + 2.17" (bias-free cell)
    assert counts["tctn-modular"] == 6_947_584  # Table III: TCTN-modular "7.00 + 2.17" (official variant)
    assert counts["predrnn-base"] == 6_049_792 and counts["tctn-base"] == 6_793_984


def test_large_base_doubles_the_base_models_only():
    paper, large = _counts("paper"), _counts("large_base")
    assert large["predrnn-modular"] == paper["predrnn-modular"] and large["tctn-modular"] == paper["tctn-modular"]
    assert large["predrnn-base"] == 23_838_720  # Table III: PredRNN-large 27.79M
    assert large["tctn-base"] == 27_063_808  # Table III: TCTN-large 25.52M


def test_profile_flags_and_errors(tmp_path):
    flags = set_param_flags({"train.tctn.lr": 0.0001, "vqvae.model.ema": True})
    assert flags == ["-S", "train.tctn.lr=0.0001", "-S", "vqvae.model.ema=true"]
    with pytest.raises(UserError, match="unknown profile 'gpu'"):
        load_profile("gpu", ROOT / "profiles")
    with pytest.raises(UserError, match=r"'train\.tctn\.nope' is not in params\.yaml"):
        apply_profile(PARAMS, {"train.tctn.nope": 1})
