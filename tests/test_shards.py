import h5py
import numpy as np
import pytest

from modpred.data.sequences import SequenceLayout
from modpred.data.shards import read_shards, write_shard
from modpred.errors import UserError

SHA_A = "a" * 64
SHA_B = "b" * 64


def _write(folder, codes, sha=SHA_A, per_shard=4):
    (folder / "train").mkdir(parents=True)
    for k, first in enumerate(range(0, len(codes), per_shard)):
        write_shard(
            folder / "train" / f"shard-{k:05d}.h5",
            codes[first : first + per_shard],
            sha,
            SequenceLayout(input_len=2, seq_len=5, image=16),
        )


def test_shards_round_trip_in_order(tmp_path):
    codes = np.random.default_rng(0).integers(0, 64, (10, 5, 4, 4)).astype(np.int16)
    _write(tmp_path, codes)
    assert len(list((tmp_path / "train").glob("*.h5"))) == 3
    got, layout = read_shards(tmp_path, "train", SHA_A, 64)
    np.testing.assert_array_equal(got, codes)
    assert layout.seq_len == 5 and layout.image == 16
    with h5py.File(tmp_path / "train" / "shard-00000.h5") as f:
        assert f["codes"].chunks == (1, 5, 4, 4) and f["codes"].dtype == np.int16


def test_stale_shard_names_both_hashes(tmp_path):
    _write(tmp_path, np.zeros((4, 5, 4, 4), dtype=np.int16), sha=SHA_A)
    with pytest.raises(UserError, match=r"stale latent shard .*aaaaaaaaaaaa.*bbbbbbbbbbbb"):
        read_shards(tmp_path, "train", SHA_B, 64)


def test_tampered_shard_fails_its_checksum(tmp_path):
    _write(tmp_path, np.zeros((4, 5, 4, 4), dtype=np.int16))
    with h5py.File(tmp_path / "train" / "shard-00000.h5", "r+") as f:
        f["codes"][0, 0, 0, 0] = 7
    with pytest.raises(UserError, match="checksum mismatch"):
        read_shards(tmp_path, "train", SHA_A, 64)


def test_missing_shards(tmp_path):
    with pytest.raises(UserError, match="no latent shards"):
        read_shards(tmp_path, "train", SHA_A, 64)


def test_codes_outside_the_codebook_are_refused_even_with_a_consistent_checksum(tmp_path):
    """Issue 19: a shard written for a larger codebook passes its checksum but cannot be embedded."""
    codes = np.zeros((4, 5, 4, 4), dtype=np.int16)
    codes[1, 2] = 70
    _write(tmp_path, codes)
    with pytest.raises(UserError, match=r"shard-00000\.h5: code indices 0\.\.70 fall outside the VQ-VAE's 64 codes"):
        read_shards(tmp_path, "train", SHA_A, 64)
    assert read_shards(tmp_path, "train", SHA_A, 71)[0].max() == 70
