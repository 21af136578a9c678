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
