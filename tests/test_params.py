import re
from dataclasses import dataclass

import pytest

from modpred.errors import UserError
from modpred.params import ParamsFile, build_config, choice, positive


@dataclass(frozen=True)
class Cfg:
    n: int = positive(default=3)
    lr: float = positive(default=0.1)
    kind: str = choice(("a", "b"), default="a")
    flag: bool = False


def test_build_config_reads_values_and_defaults():
    cfg = build_config(Cfg, {"n": 5, "lr": 1, "kind": "b"}, "x")
    assert cfg == Cfg(n=5, lr=1.0, kind="b", flag=False)
    assert isinstance(cfg.lr, float)


@pytest.mark.parametrize(
    ("mapping", "message"),
    [
        ({"n": 0}, "'x.n' must be positive, got 0"),
        ({"n": -2}, "'x.n' must be positive"),
        ({"n": "7"}, "'x.n' must be int"),
        ({"n": True}, "'x.n' must be int"),
        ({"lr": "fast"}, "'x.lr' must be float"),
        ({"kind": "c"}, "unknown x.kind 'c'"),
        ({"bogus": 1}, "unknown params key 'x.bogus'"),
        ([1, 2], "'x' must be a mapping"),
    ],
)
def test_build_config_rejects_bad_values_naming_the_key(mapping, message):
    with pytest.raises(UserError, match=message.replace("(", r"\(").replace(")", r"\)")):
        build_config(Cfg, mapping, "x")


def test_params_file_dotted_keys_and_missing(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text("a:\n  b:\n    c: 3\n")
    params = ParamsFile(path)
    assert params.get("a.b.c") == 3
    with pytest.raises(UserError, match=r"missing key 'a\.x'"):
        params.get("a.x")
    with pytest.raises(UserError, match="params file not found"):
        ParamsFile(tmp_path / "none.yaml")


def test_a_dataset_overrides_the_train_and_evaluate_sections_for_its_cells_only(tmp_path):
    """data.<ds>.train / .evaluate: the videos defaults start from copying and decode the change; MovingMNIST
    keeps the sections as they are; a per-dataset `model:` (a whole sub-section) is refused with one line."""
    import yaml

    from modpred.data.datasets import dataset_config
    from modpred.evaluation.evaluate import evaluate_config, modular_decode
    from modpred.params import overridden
    from tests.helpers import ROOT

    params = yaml.safe_load((ROOT / "params.yaml").read_text())
    path = tmp_path / "params.yaml"
    path.write_text(yaml.safe_dump(params))
    p = ParamsFile(path)
    assert modular_decode(p, "videos") == "change" and evaluate_config(p, "videos").modular_decode == "change"
    assert modular_decode(p, "mmnist") == params["evaluate"]["modular_decode"]
    assert evaluate_config(p, "videos").batch == params["evaluate"]["batch"]  # what it does not set is kept
    section = overridden(p.get("train.predrnn"), p.get("data.videos.train"), "data.videos.train")
    assert section["start"] == "copy" and section["lr"] == params["train"]["predrnn"]["lr"]
    assert overridden(p.get("train.predrnn"), p.get("data.mmnist.train"), "k") == params["train"]["predrnn"]
    with pytest.raises(UserError, match=re.escape("'data.videos.train.model' cannot be overridden per dataset")):
        overridden(p.get("train.predrnn"), {"model": {}}, "data.videos.train", refused=("model",))
    with pytest.raises(UserError, match=re.escape("'data.videos.train' must be a mapping, got list")):
        overridden(p.get("train.predrnn"), [], "data.videos.train")
    dataset_config("videos", params["data"]["videos"], "data.videos")  # the writer's config ignores them
    params["evaluate"]["modular_decode"] = "direct"
    params["data"]["videos"]["evaluate"] = {"modular_decode": "sharp"}
    path.write_text(yaml.safe_dump(params))
    with pytest.raises(UserError, match=re.escape("unknown evaluate.modular_decode 'sharp'")):
        modular_decode(ParamsFile(path), "videos")
