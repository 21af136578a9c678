"""KTH-Action from raw videos: synthetic videos in the standard layout and naming, then the whole DAG."""

from __future__ import annotations

import json
import re
import sys

import h5py
import imageio.v3 as iio
import numpy as np
import pytest
import yaml

from modpred.data.datasets.kth.videos import window_starts
from tests.helpers import copy_project, run, tiny_params

FRAMES = 45  # boxing: samples end at frames 44, 24; running (every 3): 44, 41, ..., 20 -> 9 samples


def write_kth_videos(root, persons=(1, 2, 17), actions=("boxing", "running")):
    """Videos named and laid out like the KTH download: <action>/personNN_<action>_d1_uncomp.avi, 160x120."""
    rng = np.random.default_rng(0)
    for action in actions:
        for person in persons:
            frames = np.full((FRAMES, 120, 160, 3), 40, dtype=np.uint8)
            x0 = int(rng.integers(0, 60))
            for t in range(FRAMES):
                x = (x0 + 2 * t) % 130
                frames[t, 40:90, x : x + 25] = 200  # a bright figure walking right
            (root / action).mkdir(parents=True, exist_ok=True)
            iio.imwrite(
                root / action / f"person{person:02d}_{action}_d1_uncomp.avi",
                frames,
                plugin="pyav",
                codec="mpeg4",
                fps=25,
            )


def test_window_starts_follow_the_official_provider():
    assert window_starts(45, 20, 20) == [5, 25]
    assert window_starts(45, 20, 3) == list(range(1, 26, 3))
    assert window_starts(19, 20, 3) == []


def _kth_params(root):
    params = tiny_params()
    params["datasets"] = ["kth"]
    params["data"]["kth"].update(root=str(root), image=64)
    return params


def test_generate_kth_splits_persons_and_cuts_windows(tmp_path):
    write_kth_videos(tmp_path / "kth")
    project = copy_project(tmp_path / "proj")
    (project / "params.yaml").write_text(yaml.safe_dump(_kth_params(tmp_path / "kth")))
    run([sys.executable, "-m", "stages", "generate", "kth"], project)
    with h5py.File(project / "data/kth/base/train.h5") as train, h5py.File(project / "data/kth/base/test.h5") as test:
        assert train["frames"].shape == (2 * (2 + 9), 20, 1, 64, 64)  # persons 1, 2: boxing 2 + running 9 each
        assert test["frames"].shape == (1 * (2 + 9), 20, 1, 64, 64)  # person 17
        assert train.attrs["input_len"] == 10 and train.attrs["image"] == 64
        seq = train["frames"][0, :, 0].astype(int)
    data = json.loads((project / "metrics/runs/kth/data.json").read_text())  # what the report's intervals rest on
    assert (data["test"], data["test_clips"], data["test_overlap"]) == (11, 2, True)  # running: stride 3 < 20
    assert 150 < seq.max() and seq.min() < 60  # the figure survives the codec and the resize
    cols = [np.nonzero(f.max(0) > 120)[0].mean() for f in seq]
    assert np.all(np.diff(cols) >= 0) and cols[-1] - cols[0] > 10  # and walks right (0.8 px/frame at 64 px)


def test_kth_errors(tmp_path):
    project = copy_project(tmp_path / "proj")
    params = _kth_params(tmp_path / "empty")
    (tmp_path / "empty").mkdir()
    (project / "params.yaml").write_text(yaml.safe_dump(params))
    proc = run([sys.executable, "-m", "stages", "generate", "kth"], project, check=False)
    assert proc.returncode == 2 and "no KTH videos" in proc.stderr


@pytest.mark.slow
def test_kth_runs_end_to_end_with_dvc(tmp_path):
    write_kth_videos(tmp_path / "kth")
    project = copy_project(tmp_path / "proj")
    (project / "params.yaml").write_text(yaml.safe_dump(_kth_params(tmp_path / "kth"), sort_keys=False))
    out = run(["dvc", "repro"], project).stdout
    ran = set(re.findall(r"Running stage '([^']+)'", out))
    assert {"generate@kth", "pretrain_vqvae@kth", "encode_latents@kth", "report"} <= ran
    assert {f"evaluate@kth-{p}-{m}-0" for p in ("predrnn", "tctn") for m in ("base", "modular")} <= ran
    for p in ("predrnn", "tctn"):
        for m in ("base", "modular"):
            summary = json.loads((project / f"metrics/runs/kth/{p}-{m}/seed0/eval.json").read_text())
            assert summary["test_sequences"] == 11 and np.isfinite(summary["mean"]["ssim"])
    assert "## kth" in (project / "metrics/report.md").read_text()
    assert (project / "metrics/figures/kth/predictions.png").is_file()
