"""Every predictor plug-in keeps the contract, and a new one is one file plus its params section."""

from __future__ import annotations

import re

import pytest
import torch
import yaml

from modpred.errors import UserError
from modpred.models.contract import ModelShape, Predictor, TrainOutput, train_loss
from modpred.models.predictors import build_predictor, predictor_spec
from modpred.plugins import dataset_names, predictor_names
from tests.helpers import ROOT, clone_run, run, tiny_params

SHAPES = {"base": ModelShape(4, 8, 5, mode="base"), "modular": ModelShape(3, 8, 5, mode="modular")}


def _plugin_files(folder: str) -> tuple[str, ...]:
    return tuple(sorted(p.stem for p in (ROOT / "src/modpred" / folder).glob("*.py") if not p.stem.startswith("_")))


def test_the_plugin_folders_are_the_lists_of_names():
    assert predictor_names() == _plugin_files("models/predictors")
    datasets = ROOT / "src/modpred/data/datasets"
    assert dataset_names() == tuple(sorted(p.parent.name for p in datasets.glob("*/__init__.py")))  # one folder each
    params = yaml.safe_load((ROOT / "params.yaml").read_text())
    assert set(params["train"]) == set(predictor_names())  # every plug-in has its section
    assert set(params["data"]) == set(dataset_names())
    with pytest.raises(
        UserError, match=f"unknown predictor 'fancynet': expected one of {', '.join(predictor_names())}"
    ):
        predictor_spec("fancynet")


@pytest.mark.parametrize("mode", ["base", "modular"])
@pytest.mark.parametrize("name", predictor_names())
def test_every_predictor_keeps_the_contract_and_learns(name, mode):
    shape = SHAPES[mode]
    torch.manual_seed(0)
    model = build_predictor(name, tiny_params()["train"][name]["model"], shape, name)
    assert isinstance(model, Predictor)
    frames = torch.rand(2, 9, shape.channels, shape.grid, shape.grid)
    teacher = torch.ones(2, 7)
    out = model(frames, shape.input_len, teacher)
    assert isinstance(out, TrainOutput) and out.first in (1, shape.input_len)
    assert out.pred.shape == frames[:, out.first :].shape
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    losses = []
    for _ in range(8):  # the trainer's loss on one fixed batch falls
        out = model(frames, shape.input_len, teacher)
        loss = train_loss(out, frames)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert losses[-1] < losses[0]
    model.eval()
    with torch.no_grad():
        future = model.predict(frames[:, : shape.input_len], 4)
        again = model.predict(frames[:, : shape.input_len], 4)
    assert future.shape == (2, 4, shape.channels, shape.grid, shape.grid) and torch.equal(future, again)


def test_base_hidden_replaces_the_width_each_predictor_names():
    assert predictor_spec("simvp").width == "temporal_hidden" and predictor_spec("predrnn").width == "hidden"


def _toy_from_the_docs() -> str:
    """The worked example of docs/development.md: the test runs the page's code, so the page stays true."""
    page = (ROOT / "docs/development.md").read_text().split("#### Worked example: a predictor in one file")[1]
    return page.split("```python\n", 1)[1].split("```", 1)[0]


TOY = _toy_from_the_docs()


@pytest.mark.slow
def test_a_new_predictor_is_one_model_file_and_its_params_section(tiny_run, tmp_path):
    """Write toy.py and the `train.toy` section, nothing else: dvc repro trains, evaluates, plots and
    reports it in both modes, and reruns no other predictor's stages."""
    project = clone_run(tiny_run[0], tmp_path / "proj")
    (project / "src/modpred/models/predictors/toy.py").write_text(TOY)
    params = yaml.safe_load((project / "params.yaml").read_text())
    trainer = {k: v for k, v in params["train"]["tctn"].items() if k != "model"}
    params["train"]["toy"] = {"model": {"kernel": 3}, **trainer}
    params["predictors"].append("toy")
    (project / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    changed = run(["git", "status", "--porcelain"], project).stdout.split("\n")
    assert sorted(line[3:] for line in changed if line) == ["params.yaml", "src/modpred/models/predictors/toy.py"]

    assert "toy" in run(["python", "-m", "stages", "train", "--help"], project).stdout
    ran = set(re.findall(r"Running stage '([^']+)'", run(["dvc", "repro"], project).stdout))
    toy = {f"{k}@mmnist-toy-{m}-0" for k in ("train", "evaluate") for m in ("base", "modular")}
    assert ran == toy | {"scores@mmnist", "figures@mmnist", "report"}
    for mode in ("base", "modular"):
        assert (project / f"metrics/runs/mmnist/toy-{mode}/seed0/eval.json").is_file()
    assert "toy-modular" in (project / "metrics/report.md").read_text()
    plotted = (project / "metrics/plots/per_frame.csv").read_text()
    assert ",toy-base," in plotted and ",toy-modular," in plotted
