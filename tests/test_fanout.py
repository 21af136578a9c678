"""Issue 40: the train cells fanned out over a 2-worker Dask LocalCluster on the CPU, each in its own
git worktree, give the records of a serial `dvc repro`; a worker killed mid-cell is retried and
resumes; a failing cell stops the run with one line; and torchrun across two nodes on loopback."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time

import torch
import yaml

from modpred import paths
from modpred.cell import cells
from tests.helpers import commit, env, one_predictor_run, run, tiny_params, tiny_project

# records that hold clock time (seconds, dates): they differ between any two runs, serial or not,
# and so do the folders and stages that take them in (the scores' input folder, figures, report)
CLOCK_RECORDS = ("train.json", "vqvae.json", "encode.json")
READS_CLOCK_RECORDS = ("scores@", "figures@", "report")


def _fanout(project, *args, extra_env=None, check=True):
    return run([sys.executable, "-m", "stages", "fanout", "--workers", "2", *args], project, check, extra_env)


def _ran(stdout: str) -> set[str]:
    return set(re.findall(r"Running stage '([^']+)'", stdout))


def _outputs(project) -> dict[str, str]:
    """Every output's hash in dvc.lock, by stage and path, but the clock-time records and their readers."""
    stages = yaml.safe_load((project / "dvc.lock").read_text())["stages"]
    return {
        f"{name} {out['path']}": out["md5"]
        for name, stage in stages.items()
        if not name.startswith(READS_CLOCK_RECORDS)
        for out in stage.get("outs", [])
        if not out["path"].endswith(CLOCK_RECORDS)
    }


def _project(tmp_path, name, edit=None):
    project = tiny_project(tmp_path / name, edit)
    commit(project, "tiny params")
    return project


def test_a_fanned_out_run_records_what_a_serial_run_records(tiny_run, tmp_path):
    serial = tiny_run[0]
    project = _project(tmp_path, "fan")
    out = _fanout(project).stdout
    matrix = cells(tiny_params())
    assert f"fanout: {len(matrix)} cells to train" in out
    assert f"{len(matrix)} cells trained on Dask and recorded" in out

    # the record: every stage, every output hash but clock time's, every model byte, every score
    serial_lock = yaml.safe_load((serial / "dvc.lock").read_text())["stages"]
    assert yaml.safe_load((project / "dvc.lock").read_text())["stages"].keys() == serial_lock.keys()
    assert _outputs(project) == _outputs(serial)
    for cell in matrix:
        assert (project / cell.model_file).read_bytes() == (serial / cell.model_file).read_bytes(), cell
        assert (project / cell.scores_file).read_text() == (serial / cell.scores_file).read_text(), cell
    assert (project / "metrics/scores/mmnist.json").read_text() == (serial / "metrics/scores/mmnist.json").read_text()
    assert run(["dvc", "status"], project).stdout.strip() == "Data and pipelines are up to date."
    assert not list((project / ".dvc/tmp/fanout").glob("*")), "worktrees left behind"
    assert run(["git", "worktree", "list"], project).stdout.count("\n") == 1

    # the final `dvc repro` trained nothing; a second fan-out plans nothing and DVC runs nothing
    assert "`dvc repro` then ran 5 stages" in out and "train@" not in out.split("then ran")[1]
    again = _fanout(project).stdout
    assert "fanout: 0 cells to train: none" in again and "then ran 0 stages (none)" in again

    # a cell that fails stops the fan-out with one line naming it; the other cells stay recorded
    failing = run(
        [sys.executable, "-m", "stages", "fanout", "--workers", "2", "-S", "train.tctn.model.heads=3"],
        project,
        check=False,
    )
    assert failing.returncode == 2
    said = failing.stderr.strip().splitlines()[-1]
    assert re.match(r"error: cell mmnist-tctn-(base|modular)-0: train@mmnist-tctn-\w+-0 failed on ", said), said
    assert "heads" in said
    changed = json.loads(run(["dvc", "status", "--json"], project).stdout)
    assert not any(name.startswith(("train@", "evaluate@")) and "-tctn-" not in name for name in changed), changed


def _longer_predrnn(params):
    params["predictors"] = ["predrnn"]
    params["train"]["predrnn"].update(iters=8, checkpoint_every=2)


def test_a_worker_killed_mid_cell_is_retried_and_the_cell_resumes(tmp_path):
    fanned = _project(tmp_path, "fanned", _longer_predrnn)
    serial = _project(tmp_path, "serial", _longer_predrnn)
    once = tmp_path / "killed-once"
    fault = {"MODPRED_FAULT_KILL_WORKER_AT": "4", "MODPRED_FAULT_ONCE": str(once)}
    out = _fanout(fanned, extra_env=fault).stdout
    run(["dvc", "repro"], serial)

    assert once.exists(), "no worker was killed"
    assert "2 cells trained on Dask and recorded" in out
    resumed = [
        cell
        for cell in cells(yaml.safe_load((fanned / "params.yaml").read_text()))
        if json.loads((fanned / cell.run_dir / "train.json").read_text())["resumed_from_iteration"] == 4
    ]
    assert len(resumed) == 1  # the killed cell's retry found its worktree's resume state
    # models, evaluations, DVCLive's step files and summary (its keys in an unbroken run's order)
    assert _outputs(fanned) == _outputs(serial)
    assert run(["dvc", "status"], fanned).stdout.strip() == "Data and pipelines are up to date."


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_torchrun_on_two_nodes_over_loopback_matches_one_process(tmp_path):
    """Issue 40: one cell as two torchrun nodes (one gloo process each, c10d rendezvous on
    127.0.0.1), the docs' multi-node lines: the same steps as one process with the whole batch."""
    project = _project(tmp_path, "nodes")
    run(["dvc", "repro", "generate@mmnist"], project)
    model = project / paths.model_file("mmnist", "predrnn", "base", 0)
    train = ["-m", "stages", "train", "mmnist", "predrnn", "base", "0"]
    run([sys.executable, *train], project)
    single = torch.load(model, weights_only=True)["state_dict"]

    endpoint = f"127.0.0.1:{_free_port()}"
    rendezvous = ["--nnodes", "2", "--nproc_per_node", "1", "--rdzv_backend", "c10d", "--rdzv_endpoint", endpoint]
    nodes = [
        subprocess.Popen(
            [sys.executable, "-m", "torch.distributed.run", *rendezvous, "--node_rank", str(rank), *train],
            cwd=project,
            env=env(project),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for rank in (0, 1)
    ]
    outputs = [node.communicate(timeout=600)[0] for node in nodes]
    assert [node.returncode for node in nodes] == [0, 0], outputs
    double = torch.load(model, weights_only=True)["state_dict"]
    facts = json.loads((project / paths.run_metrics_dir("mmnist", "predrnn", "base", 0) / "train.json").read_text())
    assert facts["processes"] == 2
    for key in single:  # tolerance: float summation order in the gradient all-reduce
        torch.testing.assert_close(double[key], single[key], rtol=1e-4, atol=1e-6)


def test_the_replicates_bench_fans_each_experiment_out(tiny_run, tmp_path):
    """Issue 40: `bench/replicates.py --fanout OPTIONS` runs each experiment through `stages fanout`,
    which ends in the `dvc exp run` the bench would have run; the records and the workspace as without."""
    project, one = one_predictor_run(tiny_run[0], tmp_path / "proj", ("replicates.py",))
    committed = (project / "params.yaml").read_text()
    args = ["python", "bench/replicates.py", "run", "--vqvae-seeds", "0", "--seeds", "0,1", "--fanout", "--workers 2"]
    out = run(args, project).stdout
    assert "fanout: 2 cells to train" in out  # seed 1 of both modes; seed 0's are the committed run's
    assert "2 cells trained on Dask and recorded; `dvc exp run -n replicates-vqvae0` then ran" in out
    records = project / "metrics/experiments/replicates/vqvae-seed0/metrics/runs/mmnist"
    assert all((records / f"{one}-{mode}" / "seed1" / "eval.json").exists() for mode in ("base", "modular"))
    assert "replicates-vqvae0" in run(["dvc", "exp", "list", "--name-only"], project).stdout.split()
    assert (project / "params.yaml").read_text() == committed
    assert json.loads(run(["dvc", "status", "--json"], project).stdout) == {}


def test_each_local_worker_sees_only_its_own_gpu():
    """`--gpus 3,5`: the LocalCluster's worker k has CUDA_VISIBLE_DEVICES = the k-th id (so torch's
    cuda:0 is that GPU, and the GPU lock, named by UUID, tells the workers' GPUs apart)."""
    from distributed import get_worker

    from modpred.experiments.fanout import THREAD_VARS, open_client

    def visible() -> tuple[str, str]:
        return str(get_worker().name), os.environ["CUDA_VISIBLE_DEVICES"]

    before = {name: os.environ.get(name) for name in THREAD_VARS}
    with open_client(workers=1, gpus=["3", "5"], scheduler="") as client:
        seen = {client.submit(visible, workers=[w], pure=False).result() for w in client.scheduler_info()["workers"]}
    assert seen == {("0", "3"), ("1", "5")}
    # the nannies set OMP_NUM_THREADS=1 and the like in this process too; left set, every later `dvc repro`
    # from this process would train on one thread and give other numbers (CI's failure at 26c8120)
    assert {name: os.environ.get(name) for name in THREAD_VARS} == before


def test_workers_started_by_hand_on_a_scheduler_file_take_the_cells(tmp_path):
    """Joining a running cluster, as Slurm jobs would: `dask scheduler --scheduler-file F`, two `dask
    worker --scheduler-file F` processes (each its own GPU id), then `fanout --scheduler F`."""
    project = _project(tmp_path, "cluster", lambda p: p.update(predictors=["predrnn"]))
    file = tmp_path / "scheduler.json"
    scheduler = [sys.executable, "-m", "distributed.cli.dask_scheduler", "--scheduler-file", str(file), "--port", "0"]
    procs = [subprocess.Popen([*scheduler, "--no-dashboard"], env=env(project))]
    try:
        while not file.exists():
            time.sleep(0.2)
        worker = [sys.executable, "-m", "distributed.cli.dask_worker", "--scheduler-file", str(file), "--nthreads", "1"]
        procs += [
            subprocess.Popen([*worker, "--no-dashboard"], env={**env(project), "CUDA_VISIBLE_DEVICES": gpu})
            for gpu in ("0", "1")
        ]
        out = run([sys.executable, "-m", "stages", "fanout", "--scheduler", str(file)], project).stdout
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(timeout=60)
    assert "2 cells trained on Dask and recorded; `dvc repro` then ran" in out
    assert run(["dvc", "status"], project).stdout.strip() == "Data and pipelines are up to date."


def test_the_sweep_fans_its_points_out_one_after_another_from_the_committed_params(tiny_run, tmp_path):
    """`bench/sweep.py run --fanout OPTIONS`: each point a workspace experiment from the committed params
    (not stacked on the point before), its cells fanned out; the table lists what each point retrained."""
    import pandas as pd

    from tests.helpers import ROOT, clone_run
    from tests.test_sweep import GRID

    project = clone_run(tiny_run[0], tmp_path / "proj")
    (project / "bench").mkdir()
    for script in ("sweep.py", "sweep_analysis.py"):
        (project / "bench" / script).write_bytes((ROOT / "bench" / script).read_bytes())
    (project / "bench" / "sweep.yaml").write_text(GRID)
    commit(project, "sweep grid")
    committed = (project / "params.yaml").read_text()
    run(["python", "bench/sweep.py", "run", "--only", "tctn-lr,tctn-8it", "--fanout", "--workers 2"], project)

    table = pd.read_csv(project / "metrics/sweep/sweep.csv")
    for point in ("tctn-lr", "tctn-8it"):
        assert sorted(table[table.experiment == point].model) == ["tctn-base", "tctn-modular"]
    assert table[table.experiment == "tctn-8it"].overrides.tolist() == ["train.tctn.iters=8"] * 2
    lr = tiny_params()["train"]["tctn"]["lr"]
    assert (project / "params.yaml").read_text() == committed  # the workspace is the default again
    shown = json.loads(run(["dvc", "exp", "show", "--json"], project).stdout)
    tctn = {
        rev["name"]: rev["data"]["params"]["params.yaml"]["data"]["train"]["tctn"]
        for baseline in shown
        for exp in baseline.get("experiments") or []
        for rev in exp.get("revs", [])
    }
    assert (tctn["sweep-tctn-8it"]["lr"], tctn["sweep-tctn-8it"]["iters"]) == (lr, 8)  # not tctn-lr's 0.0005
    assert (tctn["sweep-tctn-lr"]["lr"], tctn["sweep-tctn-lr"]["iters"]) == (
        0.0005,
        tiny_params()["train"]["tctn"]["iters"],
    )
