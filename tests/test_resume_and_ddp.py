"""Resume after a kill, and DDP under torchrun (gloo on the CPU), with the real commands."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import h5py
import numpy as np
import torch
import yaml

from tests.helpers import commit, env, run, stage, tiny_project


def _project(tmp_path, name, edit=None):
    return tiny_project(tmp_path / name, edit)


def _longer_predrnn(params):
    params["train"]["predrnn"].update(iters=8, checkpoint_every=2)


def _longer_predrnn_from_copying(params):
    """Starting from copying, the untrained model is scored first (a candidate): its validation scores
    come before any loss, which a resumed run's curves must keep."""
    _longer_predrnn(params)
    params["train"]["predrnn"]["base_start"] = "copy"


def test_killed_training_resumes_on_the_next_repro_and_matches_an_unbroken_run(tmp_path):
    broken = _project(tmp_path, "broken", _longer_predrnn_from_copying)
    unbroken = _project(tmp_path, "unbroken", _longer_predrnn_from_copying)
    target = "evaluate@mmnist-predrnn-base-0"

    killed = run(["dvc", "repro", target], broken, check=False, extra_env={"MODPRED_FAULT_KILL_AT": "4"})
    assert killed.returncode != 0
    state = broken / ".resume" / "mmnist" / "predrnn-base-seed0.pt"
    assert torch.load(state, weights_only=True)["iteration"] == 4  # saved after iterations 0-3
    assert not (broken / "data/mmnist/models/predrnn-base/seed0/model.pt").exists()  # no partial output

    run(["dvc", "repro", target], broken)
    run(["dvc", "repro", target], unbroken)
    assert not state.exists()  # cleared once the real outputs are written
    runs = "metrics/runs/mmnist/predrnn-base/seed0"
    resumed_train = json.loads((broken / runs / "train.json").read_text())
    assert resumed_train["resumed_from_iteration"] == 4
    assert json.loads((unbroken / runs / "train.json").read_text())["resumed_from_iteration"] == 0
    assert resumed_train["final_loss"] == json.loads((unbroken / runs / "train.json").read_text())["final_loss"]
    assert (broken / runs / "eval.json").read_text() == (unbroken / runs / "eval.json").read_text()
    steps = sorted(p.relative_to(unbroken / runs) for p in (unbroken / runs / "live").rglob("*.tsv"))
    assert Path("live/plots/metrics/loss.tsv") in steps  # the DVCLive step files: no gap, no repeat
    for step_file in steps:
        assert (broken / runs / step_file).read_text() == (unbroken / runs / step_file).read_text(), step_file
    summary = "live/metrics.json"  # DVCLive's summary to the byte, keys in the same order (dvc.lock hashes it)
    assert (broken / runs / summary).read_bytes() == (unbroken / runs / summary).read_bytes()


def _always_teacher(project):
    """A code change that changes training: every step after the inputs is fed the true frame."""
    sampling = project / "src/modpred/training/sampling.py"
    text = sampling.read_text()
    old = "return 1.0, teacher_probability(iteration, cfg.sampling_stop_iter)"
    assert old in text
    sampling.write_text(text.replace(old, "return 1.0, 1.0"))


def test_a_killed_training_rerun_under_changed_code_starts_afresh_and_matches_the_new_code(tmp_path):
    """Issue 39 item 8: the resume state is tied to the code the stage runs; a kill, a code change and a
    rerun give the unbroken run of the new code, not a model trained half under each."""
    broken = _project(tmp_path, "broken", _longer_predrnn)
    unbroken = _project(tmp_path, "unbroken", _longer_predrnn)
    target = "evaluate@mmnist-predrnn-base-0"
    killed = run(["dvc", "repro", target], broken, check=False, extra_env={"MODPRED_FAULT_KILL_AT": "4"})
    assert killed.returncode != 0 and (broken / ".resume/mmnist/predrnn-base-seed0.pt").is_file()
    for project in (broken, unbroken):
        _always_teacher(project)
    rerun = run(["dvc", "repro", target], broken)
    assert re.search(r"predrnn-base-seed0\.pt was saved under other code: training starts afresh", rerun.stderr)
    run(["dvc", "repro", target], unbroken)
    runs = "metrics/runs/mmnist/predrnn-base/seed0"
    facts = [json.loads((p / runs / "train.json").read_text()) for p in (broken, unbroken)]
    assert facts[0]["resumed_from_iteration"] == 0 and facts[0]["final_loss"] == facts[1]["final_loss"]
    model = "data/mmnist/models/predrnn-base/seed0/model.pt"
    assert (broken / model).read_bytes() == (unbroken / model).read_bytes()  # no clock time, no commit inside


def _long_vqvae(params):
    params["vqvae"]["train"].update(iters=3000, checkpoint_every=100)


def test_a_killed_dvc_repro_resumes_the_vqvae_pretraining_and_matches_an_unbroken_run(tmp_path):
    """Issue 28: SIGKILL to `dvc repro` and its whole process group (a closed terminal, a pre-empted
    job) during the VQ-VAE pretraining; the same command then resumes from the saved state, and the
    VQ-VAE and its loss curve are byte-identical to those of an unbroken run."""
    broken = _project(tmp_path, "broken", _long_vqvae)
    unbroken = _project(tmp_path, "unbroken", _long_vqvae)
    command = ["dvc", "repro", "pretrain_vqvae@mmnist"]
    run(["dvc", "repro", "generate@mmnist"], broken)
    state = broken / ".resume" / "mmnist" / "vqvae.pt"
    proc = subprocess.Popen(command, cwd=broken, env=env(broken), start_new_session=True, stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 300
    while not state.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    os.killpg(proc.pid, signal.SIGKILL)  # dvc itself and the stage it runs
    proc.wait()
    assert proc.returncode == -signal.SIGKILL
    saved = torch.load(state, weights_only=True)["iteration"]
    assert 0 < saved < 3000 and not (broken / "data/mmnist/vqvae/model.pt").exists()

    run(command, broken)  # the rerun takes DVC's lock again and resumes
    run(command, unbroken)
    record = json.loads((broken / "metrics/runs/mmnist/vqvae.json").read_text())
    assert record["resumed_from_iteration"] == saved and not state.exists()
    assert json.loads((unbroken / "metrics/runs/mmnist/vqvae.json").read_text())["resumed_from_iteration"] == 0
    for output in ("data/mmnist/vqvae/model.pt", "metrics/runs/mmnist/vqvae_live/plots/metrics/loss.tsv"):
        assert (broken / output).read_bytes() == (unbroken / output).read_bytes(), output
    assert run(["dvc", "status", "pretrain_vqvae@mmnist"], broken).stdout.strip().endswith("up to date.")


def _torchrun(args):
    return [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--standalone",
        "--nproc_per_node",
        "2",
        "-m",
        "stages",
        *args,
    ]


def test_torchrun_with_two_processes_matches_one_process(tmp_path):
    project = _project(tmp_path, "ddp")
    for args in (["generate", "mmnist"], ["pretrain-vqvae", "mmnist"]):
        assert stage(args, project).returncode == 0
    model = project / "data/mmnist/models/predrnn-base/seed0/model.pt"

    # training: 2 ranks x half of each batch take the same steps as 1 process with the whole batch
    assert stage(["train", "mmnist", "predrnn", "base", "0"], project).returncode == 0
    single = torch.load(model, weights_only=True)["state_dict"]
    run(_torchrun(["train", "mmnist", "predrnn", "base", "0"]), project)
    double = torch.load(model, weights_only=True)["state_dict"]
    assert json.loads((project / "metrics/runs/mmnist/predrnn-base/seed0/train.json").read_text())["processes"] == 2
    for key in single:  # tolerance: float summation order in the gradient all-reduce
        torch.testing.assert_close(double[key], single[key], rtol=1e-4, atol=1e-6)
    assert not all(torch.equal(double[k], torch.zeros_like(double[k])) for k in double)

    # encoding: the shards split across 2 ranks are the shards one process writes
    shards = project / "data/mmnist/modular"
    assert stage(["encode-latents", "mmnist"], project).returncode == 0
    one = {p.relative_to(shards): h5py.File(p)["codes"][()] for p in shards.rglob("shard-*.h5")}
    run(_torchrun(["encode-latents", "mmnist"]), project)
    two = {p.relative_to(shards): h5py.File(p)["codes"][()] for p in shards.rglob("shard-*.h5")}
    assert one.keys() == two.keys() and len(one) == 4  # 24 train sequences in 3 shards of <= 10, 6 test in 1
    for key in one:
        np.testing.assert_array_equal(one[key], two[key])


def test_the_several_gpus_recipe_records_the_cell_with_dvc(tmp_path):
    """Issue 28: the README's recipe on the CPU (gloo, 2 ranks): apply a profile to params.yaml, train
    one cell under torchrun, `dvc commit` it; DVC then holds the cell as done and does not retrain it."""
    project = _project(tmp_path, "gpus")
    (project / "profiles" / "two.yaml").write_text("train.predrnn.iters: 6\ntrain.predrnn.batch: 4\n")
    commit(project, "the committed params")
    run([sys.executable, "-m", "stages", "profile", "two", "--apply"], project)
    applied = yaml.safe_load((project / "params.yaml").read_text())["train"]["predrnn"]
    assert (applied["iters"], applied["batch"]) == (6, 4)
    cell = "train@mmnist-predrnn-modular-0"
    run(["dvc", "repro", "encode_latents@mmnist"], project)
    run(_torchrun(["train", "mmnist", "predrnn", "modular", "0"]), project)
    run(["dvc", "commit", "-f", cell], project)
    assert json.loads(run(["dvc", "status", "--json", cell], project).stdout) == {}
    evaluated = run(["dvc", "repro", "evaluate@mmnist-predrnn-modular-0"], project).stdout
    assert (
        "Running stage 'evaluate@mmnist-predrnn-modular-0'" in evaluated and f"Running stage '{cell}'" not in evaluated
    )
    facts = json.loads((project / "metrics/runs/mmnist/predrnn-modular/seed0/train.json").read_text())
    assert (facts["processes"], facts["iters"], facts["batch"]) == (2, 6, 4)
