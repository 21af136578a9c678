"""Fan a run's train cells out over Dask workers, and leave DVC's record exactly as a serial run's.

DVC runs one stage at a time, and two `dvc repro` in one workspace contend for its locks; its
remote executors are gone. So the independent stages of a run, each `train@<cell>` with its
`evaluate@<cell>`, become Dask tasks (`dask.distributed`: a `LocalCluster`, one worker per GPU,
or any running scheduler, such as dask-jobqueue's Slurm clusters or dask-cuda's):

1. the workspace first runs the stages every cell needs (data, VQ-VAE, latents) with `dvc repro`;
2. each task makes a `git worktree` of the workspace at its commit, with the workspace's
   uncommitted edits, untracked files, `params.yaml` and `dvc.lock` copied in and the workspace's
   DVC cache as its cache; it checks out the cell's inputs and runs `dvc repro --single-item` on
   the train stage, then on the evaluate stage; no two tasks share a DVC lock;
3. as each task ends, its outputs move into the workspace and `dvc commit` records the two stages
   there, as DVC records a stage it ran (the torchrun recipe's step); the workspace's own
   `dvc repro` (or `dvc exp run`) then finds every cell up to date and runs what comes after.
   `dvc.lock`, `dvc status`, the metrics and the models are those a serial run writes.

Not DVC's run-cache, which the issue planned for step 3: DVC saves no run-cache entry for a stage
with an uncached output that is not a metric or a plot (`Stage.run`, `no_cache_outs`), and the
train and evaluate stages keep their records (train.json, eval.json, DVCLive's step files) out of
the cache. Committing in the workspace needs the workspace and the task's worktree on one
filesystem, as a cluster's shared home is.

A task's worktree is named after its cell, so a task retried after its worker died (Dask
reschedules it) finds the `.resume/` state of the first attempt and resumes from it, under the
same code only (the resume fingerprint holds the code's hash); the retry first kills what is left
of the first attempt's processes on this host. A cell that fails stops the fan-out with one line
naming it; the cells already committed stay, and a second fan-out trains only the rest.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TypedDict

from modpred.cell import Cell, cells
from modpred.errors import UserError

if TYPE_CHECKING:  # imported where used: only a fan-out needs Dask
    from distributed import Client, Worker
    from distributed.diagnostics.plugin import WorkerPlugin

ATTEMPT_FILE = ".fanout-attempt.json"  # in a task's worktree: the host and process group of its running attempt
# set to 1 in every worker by Dask's nanny (`distributed.nanny.pre-spawn-environ`); results depend on the
# thread count, so a task's DVC gets them as the user's shell has them, not as the worker does
THREAD_VARS = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MALLOC_TRIM_THRESHOLD_")


def train_stage(cell: Cell) -> str:
    return f"train@{cell.item}"


def evaluate_stage(cell: Cell) -> str:
    return f"evaluate@{cell.item}"


def _sh(args: Sequence[str], cwd: Path, env: dict[str, str] | None = None) -> str:
    """Run a command; a failure raises one line with the last lines of its output."""
    proc = subprocess.run(list(args), cwd=cwd, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        tail = (proc.stderr.strip() or proc.stdout.strip()).splitlines()[-3:]
        raise UserError(f"`{' '.join(args)}` failed in {cwd} ({proc.returncode}): " + " | ".join(tail))
    return proc.stdout


@dataclass(frozen=True)
class Plan:
    """What a fan-out does: the stages all cells need, run first in the workspace, and the cells to send out."""

    upstream: tuple[str, ...]  # stage names, e.g. `encode_latents@mmnist`
    cells: tuple[Cell, ...]  # cells whose train or evaluate stage is not up to date


def upstream_stages(root: Path, matrix: Sequence[Cell]) -> tuple[str, ...]:
    """The stages that the train and evaluate stages of `matrix` depend on, from DVC's own graph."""
    import networkx as nx
    from dvc.repo import Repo

    wanted = {name for cell in matrix for name in (train_stage(cell), evaluate_stage(cell))}
    with Repo(str(root)) as repo:
        graph = repo.index.graph  # edges run from a stage to the stages it depends on
        by_name = {stage.addressing: stage for stage in graph.nodes}
        missing = sorted(wanted - by_name.keys())
        if missing:
            raise UserError(f"dvc.yaml has no stage {missing[0]}: run `make deps` or check the params lists")
        above = set().union(*(nx.descendants(graph, by_name[name]) for name in wanted))
    return tuple(sorted(stage.addressing for stage in above if stage.addressing not in wanted))


def stale_cells(root: Path, matrix: Sequence[Cell]) -> tuple[Cell, ...]:
    """The cells whose train or evaluate stage `dvc status` reports changed (the upstream already run)."""
    targets = [name for cell in matrix for name in (train_stage(cell), evaluate_stage(cell))]
    changed = json.loads(_sh(["dvc", "status", "--json", *targets], root) or "{}")
    return tuple(c for c in matrix if train_stage(c) in changed or evaluate_stage(c) in changed)


def plan_run(root: Path, params: Mapping[str, object]) -> Plan:
    """Run the upstream stages in the workspace, then name the cells left to train."""
    matrix = cells(params)
    upstream = upstream_stages(root, matrix)
    if upstream:
        _sh(["dvc", "repro", *upstream], root)
    return Plan(upstream, stale_cells(root, matrix))


@dataclass(frozen=True)
class Workspace:
    """What a task needs to rebuild the workspace elsewhere: its repo, cache, and what git does not hold."""

    root: str  # the user's workspace (a git repo): the worktrees are made from it
    cache: str  # its DVC cache folder, shared by every task
    diff: bytes  # `git diff HEAD --binary`: uncommitted edits of tracked files
    files: dict[str, bytes]  # untracked files git does not ignore, and params.yaml, dvc.yaml, dvc.lock
    upstream: tuple[str, ...]  # the stages whose outputs each task checks out
    threads: dict[str, str | None]  # THREAD_VARS as the user's environment sets them (None: unset)

    @classmethod
    def capture(cls, root: Path, upstream: tuple[str, ...], threads: int = 0) -> Workspace:
        """The workspace as it is now; `threads` > 0 sets each training's CPU threads, 0 keeps the user's."""
        untracked = _sh(["git", "ls-files", "--others", "--exclude-standard", "-z"], root).split("\0")
        names = sorted({*filter(None, untracked), "params.yaml", "dvc.yaml", "dvc.lock"})
        files = {name: (root / name).read_bytes() for name in names if (root / name).is_file()}
        diff = subprocess.run(["git", "diff", "HEAD", "--binary"], cwd=root, capture_output=True, check=True).stdout
        cache = _sh(["dvc", "cache", "dir"], root).strip()
        env = {name: os.environ.get(name) for name in THREAD_VARS}
        if threads:
            env.update(OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads))
        return cls(str(root.resolve()), str(Path(root, cache).resolve()), diff, files, upstream, env)

    def environment(self) -> dict[str, str]:
        """The environment of a task's DVC commands: the worker's, with the user's thread settings."""
        env = {**os.environ, "DVC_NO_ANALYTICS": "1"}
        for name, value in self.threads.items():
            if value is None:
                env.pop(name, None)
            else:
                env[name] = value
        return env


def _stop_earlier_attempt(tree: Path) -> None:
    """A retried task: kill what is left of the earlier attempt on this host (its worker died, not its DVC)."""
    record = tree / ATTEMPT_FILE
    if not record.exists():
        return
    attempt = json.loads(record.read_text())
    if attempt["host"] == socket.gethostname():
        try:
            os.killpg(attempt["pgid"], signal.SIGKILL)
        except ProcessLookupError:
            pass


def _make_worktree(space: Workspace, tree: Path) -> None:
    """A git worktree at the workspace's commit, with its edits and files, using its DVC cache."""
    if not (tree / ".git").exists():
        shutil.rmtree(tree, ignore_errors=True)
        tree.parent.mkdir(parents=True, exist_ok=True)
        _sh(["git", "worktree", "add", "--force", "--detach", str(tree), "HEAD"], Path(space.root))
        if space.diff:
            subprocess.run(["git", "apply", "--binary", "-"], cwd=tree, input=space.diff, check=True)
    for name, data in space.files.items():
        (tree / name).parent.mkdir(parents=True, exist_ok=True)
        (tree / name).write_bytes(data)
    _sh(["dvc", "cache", "dir", "--local", space.cache], tree)


def remove_worktree(root: Path, tree: Path) -> None:
    subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=root, capture_output=True)
    shutil.rmtree(tree, ignore_errors=True)
    subprocess.run(["git", "worktree", "prune"], cwd=root, capture_output=True)


def run_cell(space: Workspace, workdir: str, item: str) -> CellDone:
    """A Dask task: `train@item` then `evaluate@item`, each `dvc repro --single-item` in the cell's worktree."""
    start = time.monotonic()
    tree = Path(workdir) / item
    _stop_earlier_attempt(tree)
    _make_worktree(space, tree)
    env = space.environment()
    commands = [["dvc", "checkout", *space.upstream]] if space.upstream else []
    commands += [["dvc", "repro", "--single-item", f"{stage}@{item}"] for stage in ("train", "evaluate")]
    for args in commands:
        # its own process group, recorded, so that a retry on this host can end it if this worker dies
        proc = subprocess.Popen(
            args, cwd=tree, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True
        )
        (tree / ATTEMPT_FILE).write_text(json.dumps({"host": socket.gethostname(), "pgid": proc.pid}))
        out, _ = proc.communicate()
        if proc.returncode != 0:
            lines = [line for line in out.splitlines() if line.strip()]
            said = [line for line in lines if line.startswith("error:")]  # the stage's own one line
            said = said or [line for line in lines if line.startswith("ERROR:")] or lines[-1:]
            raise CellFailed(f"{args[-1]} failed on {socket.gethostname()}: {said[-1] if said else 'no output'}")
    (tree / ATTEMPT_FILE).unlink()
    host = socket.gethostname()
    return {"cell": item, "seconds": round(time.monotonic() - start, 1), "host": host, "tree": str(tree)}


class CellDone(TypedDict):
    """What a task returns: its cell's item, seconds, host and worktree."""

    cell: str
    seconds: float
    host: str
    tree: str


class CellFailed(Exception):
    """A cell's DVC command exited non-zero in its task: the fan-out stops with this one line."""


def pin_gpus(gpus: Sequence[str]) -> WorkerPlugin:
    """A Dask worker plugin: the worker named k sees only GPU gpus[k] (CUDA_VISIBLE_DEVICES)."""
    from distributed.diagnostics.plugin import WorkerPlugin

    class PinGpu(WorkerPlugin):
        name = "modpred-pin-gpu"

        def setup(self, worker: Worker) -> None:
            os.environ["CUDA_VISIBLE_DEVICES"] = gpus[int(worker.name) % len(gpus)]

    return PinGpu()


@contextlib.contextmanager
def open_client(workers: int, gpus: Sequence[str], scheduler: str) -> Iterator[Client]:
    """A Dask client: of the running scheduler at `scheduler` (an address, or the JSON file `dask
    scheduler --scheduler-file` writes), or of a new LocalCluster of one single-threaded worker
    process per GPU (or `workers` of them on the CPU), closed after."""
    from distributed import Client, LocalCluster

    if scheduler:
        where = {"scheduler_file": scheduler} if scheduler.endswith(".json") else {"address": scheduler}
        with Client(**where) as client:
            yield client
        return
    with (
        keeping_thread_settings(),
        LocalCluster(
            n_workers=len(gpus) or workers, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
    ):
        with Client(cluster) as client:
            if gpus:
                client.register_plugin(pin_gpus(gpus))
            yield client


@contextlib.contextmanager
def keeping_thread_settings() -> Iterator[None]:
    """Give this process its THREAD_VARS back after a LocalCluster, whose nannies set them here too:
    left set, every process this one starts later (a `dvc repro` after `fan_out` in the same Python)
    would train on one thread and give other numbers."""
    saved = {name: os.environ.get(name) for name in THREAD_VARS}
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@dataclass(frozen=True)
class FanOutReport:
    planned: tuple[Cell, ...]
    done: tuple[CellDone, ...]
    final: str  # the final command's output


def stage_outputs(root: Path, names: Sequence[str]) -> list[str]:
    """The output paths (files or folders, relative to the workspace) of the named stages, from dvc.yaml."""
    from dvc.repo import Repo

    with Repo(str(root)) as repo:
        return [out.def_path for name in names for out in repo.stage.collect(name)[0].outs]


def bring_back(root: Path, tree: Path, cell: Cell, env: dict[str, str]) -> None:
    """Move a finished task's outputs from its worktree into the workspace, record its two stages
    there with `dvc commit`, and remove the worktree."""
    stages = [train_stage(cell), evaluate_stage(cell)]
    for out in stage_outputs(root, stages):
        target = root / out
        if target.is_dir() and not target.is_symlink():
            shutil.rmtree(target)
        elif target.exists() or target.is_symlink():
            target.unlink()
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(tree / out, target)
    _sh(["dvc", "commit", "--force", *stages], root, env)
    remove_worktree(root, tree)


def run_tasks(
    client: Client, space: Workspace, workdir: Path, planned: Sequence[Cell], env: dict[str, str]
) -> list[CellDone]:
    """Every planned cell as a Dask task, each brought back into the workspace as it ends; the first
    that fails cancels the rest and raises one line."""
    from distributed import as_completed

    futures = {
        client.submit(run_cell, space, str(workdir), cell.item, key=f"modpred-{cell.item}", pure=False): cell
        for cell in planned
    }
    done = []
    for future in as_completed(futures):
        try:
            result = future.result()
        except Exception as exc:  # its DVC failed, or its workers died `allowed-failures` times (KilledWorker)
            client.cancel(list(futures))
            raise UserError(f"cell {futures[future].item}: {exc} (the cells done before it are recorded)") from None
        bring_back(Path(space.root), Path(result["tree"]), futures[future], env)
        done.append(result)
        print(f"fanout: {result['cell']} done on {result['host']} in {result['seconds']} s", flush=True)
    return done


def fan_out(
    root: Path,
    params: Mapping[str, object],
    *,
    workers: int = 2,
    gpus: Sequence[str] = (),
    scheduler: str = "",
    threads: int = 0,
    workdir: Path | None = None,
    final: Sequence[str] = ("dvc", "repro"),
) -> FanOutReport:
    """Plan, run the planned cells on Dask, then the final DVC command in the workspace (which
    finds every cell recorded)."""
    env = dict(os.environ)  # the user's: a LocalCluster's nannies set thread limits in this process
    plan = plan_run(root, params)
    print(f"fanout: {len(plan.cells)} cells to train: {', '.join(c.item for c in plan.cells) or 'none'}", flush=True)
    done: list[CellDone] = []
    if plan.cells:
        space = Workspace.capture(root, plan.upstream, threads)
        workdir = (workdir or root / ".dvc" / "tmp" / "fanout").resolve()
        with open_client(workers, gpus, scheduler) as client:
            done = run_tasks(client, space, workdir, plan.cells, env)
    proc = subprocess.run(list(final), cwd=root, capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        raise UserError(f"`{' '.join(final)}` failed after the fan-out: {proc.stderr.strip()[-500:]}")
    final_out = proc.stdout + proc.stderr
    return FanOutReport(plan.cells, tuple(done), final_out)
