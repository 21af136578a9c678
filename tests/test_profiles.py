"""The paper and large-base profiles: valid keys, buildable configs, and the parameter counts of Table III."""

from __future__ import annotations

import subprocess
import sys

import pytest
import yaml

from modpred.data.generate import planned_layout
from modpred.errors import UserError
from modpred.models import count_params
from modpred.models.vqvae import VQVAE, vqvae_config
from modpred.modes import BASE, MODES, MODULAR
from modpred.plugins import predictor_names
from modpred.profiles import apply_profile, load_profile, set_param_flags
from modpred.training.cell_config import CellConfig
from tests.helpers import ROOT, copy_project, run

PARAMS = yaml.safe_load((ROOT / "params.yaml").read_text())


def _counts(profile: str) -> dict[str, int]:
    p = apply_profile(PARAMS, load_profile(profile, ROOT / "profiles"))
    layout = planned_layout("mmnist", p["data"]["mmnist"])
    vqvae = VQVAE(vqvae_config(p["vqvae"]["model"], p["data"]["mmnist"]["vqvae"], 1, "mmnist"))
    counts = {"vqvae": count_params(vqvae, trainable=False)}
    for name in predictor_names():  # every plug-in has its paper size
        section = p["train"][name]
        for mode in MODES:  # patch-reshaped pixels vs code vectors
            cell = CellConfig.from_section(name, mode, section)
            shape = cell.planned_shape(layout, vqvae.cfg.code_dim, vqvae.cfg.downsample)
            counts[f"{name}-{mode}"] = count_params(cell.build_model(shape))
    return counts


def test_paper_profile_matches_the_papers_sizes():
    counts = _counts("paper")
    assert counts["vqvae"] == 2_169_025  # Table III: "+ 2.17"
    assert counts["predrnn-modular"] == 6_590_464  # Table III: PredRNN-modular "6.60 + 2.17" (bias-free cell)
    assert counts["tctn-modular"] == 6_947_584  # Table III: TCTN-modular "7.00 + 2.17" (official variant)
    assert counts["predrnn-base"] == 6_049_792 and counts["tctn-base"] == 6_793_984


def test_large_base_doubles_the_base_models_only():
    assert load_profile("large_base", ROOT / "profiles")["modes"] == ["base"]  # the modular cells are not retrained
    paper, large = _counts("paper"), _counts("large_base")
    assert large["predrnn-modular"] == paper["predrnn-modular"] and large["tctn-modular"] == paper["tctn-modular"]
    assert large["predrnn-base"] == 23_838_720  # Table III: PredRNN-large 27.79M
    assert large["tctn-base"] == 27_063_808  # Table III: TCTN-large 25.52M


def test_profile_flags_and_errors(tmp_path):
    flags = set_param_flags({"train.tctn.lr": 0.0001, "vqvae.model.ema": True})
    assert flags == ["-S", "train.tctn.lr=0.0001", "-S", "vqvae.model.ema=true"]
    with pytest.raises(UserError, match="has a space"):
        set_param_flags({"data.videos.test": ["my clip*"]})
    with pytest.raises(UserError, match="unknown profile 'gpu'"):
        load_profile("gpu", ROOT / "profiles")
    with pytest.raises(UserError, match=r"'train\.tctn\.nope' is not in params\.yaml"):
        apply_profile(PARAMS, {"train.tctn.nope": 1})


@pytest.mark.parametrize("name", sorted(p.stem for p in (ROOT / "profiles").glob("*.yaml")))
def test_profile_flags_survive_the_shell_and_read_back_as_the_profile(name, tmp_path):
    """The README runs `dvc exp run $(python -m stages profile NAME)`: unquoted, so split at spaces.
    (In a copy of the project: the command may put back a committed params.yaml.)"""
    project = copy_project(tmp_path / "proj")
    printed = run([sys.executable, "-m", "stages", "profile", name], project).stdout
    words = subprocess.run(
        ["bash", "-c", 'for w in $(cat "$1"); do printf "%s\\n" "$w"; done', "_", "/dev/stdin"],
        input=printed,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    assert words[0::2] == ["-S"] * (len(words) // 2)
    read_back = dict(w.split("=", 1) for w in words[1::2])
    assert {k: yaml.safe_load(v) for k, v in read_back.items()} == load_profile(name, ROOT / "profiles")


def test_the_bench_plans_a_colour_dataset_with_three_channels():
    """Issue 29: the channels reach `planned_shape`, so the bench plans colour frames for colour data."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("step_time", ROOT / "bench" / "step_time.py")
    assert spec is not None and spec.loader is not None
    step_time = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(step_time)
    params = {**PARAMS, "data": {**PARAMS["data"], "videos": {**PARAMS["data"]["videos"], "channels": 3}}}
    name = predictor_names()[0]
    patch = params["train"][name]["patch"]
    shapes = {row: shape for row, _, shape, _ in step_time.cells(params, name, "videos")}
    gray = {row: shape for row, _, shape, _ in step_time.cells(params, name, "mmnist")}
    assert shapes[BASE.name].channels == 3 * patch * patch == 3 * gray[BASE.name].channels
    assert shapes[MODULAR.name].channels == params["vqvae"]["model"]["code_dim"]  # code vectors: no pixel channels
