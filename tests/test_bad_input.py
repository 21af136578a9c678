"""Bad input: one line naming the problem and the key or file, a non-zero exit, no partial output."""

from __future__ import annotations

import shutil

import h5py
import numpy as np
import pytest
import yaml

from tests.helpers import ROOT, stage


@pytest.fixture
def project(tmp_path):
    shutil.copytree(ROOT / "stages", tmp_path / "stages", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "src", tmp_path / "src", ignore=shutil.ignore_patterns("__pycache__"))
    return tmp_path


def _params(project, params_file, edit):
    p = yaml.safe_load(params_file.read_text())
    edit(p)
    path = project / "bad.yaml"
    path.write_text(yaml.safe_dump(p))
    return path


def _one_line_error(proc, *needles):
    assert proc.returncode == 2, proc.stderr
    lines = [line for line in proc.stderr.strip().splitlines() if line.startswith("error:")]
    assert len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]


CASES = [
    (["train", "mmnist", "convlstm", "base"], None, ("unknown predictor 'convlstm'",)),
    (["train", "mmnist", "predrnn", "hybrid"], None, ("unknown mode 'hybrid'",)),
    (["generate", "ucf101"], None, ("unknown dataset 'ucf101'",)),
    (["generate", "mmnist"], lambda p: p["data"]["mmnist"].update(num_train=0), ("data.mmnist.num_train", "positive")),
    (["generate", "mmnist"], lambda p: p["data"]["mmnist"].update(image=-64), ("data.mmnist.image",)),
    (
        ["generate", "mmnist"],
        lambda p: p["data"]["mmnist"].update(digits="/nonexistent/mnist"),
        ("digit source missing", "/nonexistent/mnist"),
    ),
    (
        ["generate", "mmnist"],
        lambda p: p["data"]["mmnist"].update(num_tests=3),
        ("unknown params key 'data.mmnist.num_tests'",),
    ),
    (["pretrain-vqvae", "mmnist"], lambda p: p["vqvae"]["model"].update(hidden="wide"), ("vqvae.model.hidden", "int")),
    (
        ["train", "mmnist", "tctn", "base"],
        lambda p: p["train"]["tctn"]["model"].update(heads=3),
        ("train.tctn.model", "divisible"),
    ),
    (["train", "mmnist", "predrnn", "base"], None, ("missing input file", "data/mmnist/base/train.h5")),
]


@pytest.mark.parametrize(("args", "edit", "needles"), CASES, ids=[" ".join(c[0]) + str(i) for i, c in enumerate(CASES)])
def test_bad_input_is_one_line_and_leaves_nothing(project, params_file, args, edit, needles):
    params = _params(project, params_file, edit or (lambda p: None))
    if args[:2] == ["train", "mmnist"] and "missing input file" not in needles:
        assert stage(["generate", "mmnist"], project, params).returncode == 0
    before = (
        sorted(p.relative_to(project) for p in (project / "data").rglob("*")) if (project / "data").exists() else []
    )
    proc = stage(args, project, params)
    _one_line_error(proc, *needles)
    after = sorted(p.relative_to(project) for p in (project / "data").rglob("*")) if (project / "data").exists() else []
    assert after == before  # nothing half-written


def test_corrupt_hdf5_input_is_named(project, params_file):
    assert stage(["generate", "mmnist"], project, params_file).returncode == 0
    train = project / "data" / "mmnist" / "base" / "train.h5"
    train.write_bytes(train.read_bytes()[: train.stat().st_size // 3])
    proc = stage(["pretrain-vqvae", "mmnist"], project, params_file)
    _one_line_error(proc, "corrupt HDF5 file", "train.h5")
    assert not (project / "data" / "mmnist" / "vqvae").exists()


def test_stale_latents_are_refused(project, params_file):
    for args in (["generate", "mmnist"], ["pretrain-vqvae", "mmnist"], ["encode-latents", "mmnist"]):
        assert stage(args, project, params_file).returncode == 0, args
    vqvae = project / "data" / "mmnist" / "modular" / "vqvae.pt"
    vqvae.write_bytes((project / "data" / "mmnist" / "vqvae" / "model.pt").read_bytes() + b"\0")
    proc = stage(["train", "mmnist", "predrnn", "modular"], project, params_file)
    _one_line_error(proc, "stale latent shard", "rerun encode_latents")


def test_generate_is_deterministic(project, params_file):
    assert stage(["generate", "mmnist"], project, params_file).returncode == 0
    first = (project / "data" / "mmnist" / "base" / "test.h5").read_bytes()
    assert stage(["generate", "mmnist"], project, params_file).returncode == 0
    assert (project / "data" / "mmnist" / "base" / "test.h5").read_bytes() == first
    with h5py.File(project / "data" / "mmnist" / "base" / "test.h5") as f:
        assert f["frames"].shape == (6, 20, 1, 64, 64) and f["frames"].dtype == np.uint8


def test_every_stage_has_help(project):
    for name in ("generate", "pretrain-vqvae", "encode-latents", "train", "evaluate", "baselines", "report"):
        proc = stage([name, "--help"], project)
        assert proc.returncode == 0 and "Usage" in proc.stdout, proc.stderr
