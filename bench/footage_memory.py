"""Peak memory of the videos dataset's stages as the footage grows: `generate` and `encode-latents`
stream (one frame, one window, one shard at a time), so their peak should not move when the
footage grows fourfold; `pretrain-vqvae` holds the train frames and is shown for contrast.

    python bench/footage_memory.py [--footage data/footage] [--scales 1 4] [--channels 3]

Each scale links the clips `scale` times into a fresh folder (no copies on disk), runs the three
stages in a scratch project with the default params (VQ-VAE iterations cut to 5: its quality does
not matter here), and reads each stage's peak RSS from the kernel (getrusage of the child).
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
STAGES = ("generate", "pretrain-vqvae", "encode-latents")


def peak_rss_mib(args: list[str], cwd: Path) -> tuple[float, float]:
    """(peak RSS in MiB, seconds) of one command, measured in a wrapper so each figure is its own."""
    wrapper = (
        "import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL, "
        "stderr=subprocess.DEVNULL); print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", wrapper, *args], cwd=cwd, env=env, check=True, capture_output=True)
    return int(out.stdout.decode().split()[-1]) / 1024, time.perf_counter() - start


def cpu_model() -> str:
    cpuinfo = Path("/proc/cpuinfo")
    lines = cpuinfo.read_text().splitlines() if cpuinfo.is_file() else []
    return next((line.split(":", 1)[1].strip() for line in lines if line.startswith("model name")), platform.machine())


def footage_of_scale(source: Path, scale: int, dest: Path) -> list[Path]:
    clips = sorted(p for p in source.iterdir() if p.is_file() and not p.name.startswith("."))
    for copy in range(scale):
        for clip in clips:
            link = dest / f"copy{copy}" / clip.name
            link.parent.mkdir(parents=True, exist_ok=True)
            link.symlink_to(clip.resolve())
    return clips


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--footage", type=Path, default=ROOT / "data" / "footage")
    parser.add_argument("--scales", type=int, nargs="+", default=[1, 4])
    parser.add_argument("--channels", type=int, default=3)
    args = parser.parse_args()
    params = yaml.safe_load((ROOT / "params.yaml").read_text())
    params["datasets"] = ["videos"]
    params["vqvae"]["train"]["iters"] = 5
    print(f"# {cpu_model()}, {os.cpu_count()} CPUs; footage {args.footage}, channels {args.channels}")
    print(
        f"{'scale':>5} {'clips':>5} {'footage MB':>10} {'windows':>8} " + " ".join(f"{s + ' MiB':>20}" for s in STAGES)
    )
    for scale in args.scales:
        with tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp)
            clips = footage_of_scale(args.footage, scale, work / "footage")
            params["data"]["videos"].update(
                root=str(work / "footage"), channels=args.channels, test=["copy*/carphone*"]
            )
            (work / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
            peaks = [peak_rss_mib([sys.executable, "-m", "stages", s, "videos"], work)[0] for s in STAGES]
            manifest = yaml.safe_load((work / "data/videos/base/manifest.json").read_text())
            windows = sum(manifest["windows"].values())
            size = scale * sum(c.stat().st_size for c in clips) / 1e6
            cells = " ".join(f"{p:>20.0f}" for p in peaks)
            print(f"{scale:>5} {scale * len(clips):>5} {size:>10.1f} {windows:>8} {cells}")


if __name__ == "__main__":
    main()
