"""fanout: the run's train cells as Dask tasks over GPUs and machines, recorded by DVC as a serial run (a tool)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import typer
import yaml

from stages.app import stage


@stage("fanout")
def fanout(
    workers: int = typer.Option(2, "--workers", help="worker processes of the local cluster (without --gpus)"),
    gpus: str = typer.Option("", "--gpus", help="comma-separated GPU ids: one local worker pinned to each"),
    scheduler: str = typer.Option(
        "", "--scheduler", help="a running Dask scheduler: its address or its `--scheduler-file`"
    ),
    threads: int = typer.Option(
        0, "--threads", help="CPU threads of each training (OMP_NUM_THREADS); 0: as the environment says"
    ),
    workdir: Path = typer.Option(None, "--workdir", help="where the tasks' worktrees go (shared by every machine)"),
    exp: str = typer.Option("", "--exp", help="finish with `dvc exp run -n EXP` instead of `dvc repro`"),
    set_param: list[str] = typer.Option([], "--set-param", "-S", help="key=value, as `dvc exp run -S` sets it"),
) -> None:
    """Run every train cell that is not up to date (and its evaluation) as a task on a Dask cluster,
    each in its own git worktree sharing this workspace's DVC cache; each cell's outputs come back
    here and `dvc commit` records them; then `dvc repro` (or `dvc exp run`) runs the rest: dvc.lock,
    the models and the metrics are those a serial `dvc repro` writes.

    Local GPUs: `--gpus 0,1,2,3` (a worker per GPU, each seeing only its own). A cluster: start its
    scheduler and workers (`dask scheduler --scheduler-file F`, `dask worker --scheduler-file F` in
    Slurm jobs, dask-jobqueue, dask-cuda) on machines that share this folder's filesystem, and pass
    `--scheduler F` or `--scheduler tcp://HOST:8786`.
    """
    os.environ.setdefault("DASK_LOGGING__DISTRIBUTED", "warning")  # Dask's own INFO lines (workers too)
    from modpred.errors import UserError
    from modpred.experiments.fanout import fan_out

    root = Path.cwd()
    if set_param:
        from dvc.utils.hydra import apply_overrides  # DVC's own writer: the file `dvc exp run -S` would leave

        apply_overrides("params.yaml", set_param)
    if workers < 1:
        raise UserError(f"--workers must be at least 1, got {workers}")
    gpu_ids = [g for g in gpus.split(",") if g]
    cores = os.cpu_count() or 1
    if not gpu_ids and not scheduler and not threads and workers > 1 and not os.environ.get("OMP_NUM_THREADS"):
        typer.echo(
            f"fanout: {workers} CPU workers on {cores} cores, each training with torch's default threads: they "
            f"contend, each several times slower; --threads {max(1, cores // workers)} runs them "
            "side by side (results then differ from a serial run's in the last bits)",
            err=True,
        )
    params = yaml.safe_load((root / "params.yaml").read_text())
    final = ["dvc", "exp", "run", "-n", exp] if exp else ["dvc", "repro"]
    report = fan_out(
        root,
        params,
        workers=workers,
        gpus=gpu_ids,
        scheduler=scheduler,
        threads=threads,
        workdir=workdir,
        final=final,
    )
    ran = re.findall(r"Running stage '([^']+)'", report.final)
    typer.echo(
        f"fanout: {len(report.done)} cells trained on Dask and recorded; `{' '.join(final)}` then ran "
        f"{len(ran)} stages ({', '.join(ran) or 'none'})"
    )
