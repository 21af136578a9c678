"""The README is a guide that stays true: short, its numbers the committed run's, its links alive, and the
paper-scale commands it shows resolving to valid params and a full DVC plan (checked on the CPU)."""

from __future__ import annotations

import json
import re
import shlex
import shutil

import pytest
import yaml

from modpred.cell import cells as planned_cells
from modpred.data.datasets import dataset_config
from modpred.plugins import dataset_names
from modpred.profiles import load_profile, set_param_flags
from modpred.training.cell_config import CellConfig
from tests.helpers import ROOT, clone_run, run

README = (ROOT / "README.md").read_text()
DOCS = sorted((ROOT / "docs").glob("*.md"))
MAX_README_LINES = 331  # a third of the 995 lines the README had when it held guide, results and design notes
# headers of the README's and docs/results.md's tables -> the key in the evaluation records, and the decimals shown
COLUMNS = {
    "LPIPS ↓": ("lpips", 3),
    "LPIPS as published ↓": ("lpips_published", 3),
    "SSIM ↑": ("ssim", 3),
    "MSE / frame ↓": ("mse_frame", 1),
    "MSE/frame ↓": ("mse_frame", 1),
    "MAE/frame ↓": ("mae_frame", 1),
    "PSNR ↑": ("psnr", 2),
}
ROWS = {"baseline: copy last frame": "copy_last", "baseline: copy last": "copy_last", "baseline: blank frame": "blank"}
ROWS["baseline: blank"] = "blank"
ROWS |= {"baseline: VQ-VAE oracle": "vqvae_oracle", "baseline: vqvae oracle": "vqvae_oracle"}
ROWS |= {
    "baseline: VQ-VAE oracle, as a change": "vqvae_oracle_change",
    "baseline: vqvae oracle change": "vqvae_oracle_change",
}


def committed_scores(runs: str = "metrics/runs/mmnist") -> dict[str, dict[str, float | str]]:
    """Every model's and baseline's mean metrics, as a committed run's evaluation records hold them (a
    model's mean over its replicate seeds), with each model's measured costs (its first seed's
    `train.json`) under `s100` and `kept`. Runs from before the seed axis have one folder per model."""
    folder = ROOT / runs
    scores: dict[str, dict[str, float | str]] = {}
    facts_files = {}
    for model in sorted(p for p in folder.iterdir() if p.is_dir() and p.name != "baselines"):
        seeds = sorted(model.glob("seed*/eval.json")) or sorted(model.glob("eval.json"))
        if not seeds:
            continue
        means = [json.loads(p.read_text())["mean"] for p in seeds]
        scores[model.name] = {k: sum(m[k] for m in means) / len(means) for k in means[0] if means[0][k] is not None}
        facts_files[model.name] = seeds[0].parent / "train.json"
    for path in sorted((folder / "baselines").glob("*.json")):  # copy-last, blank and, since issue 27, the oracle
        scores[path.stem] = json.loads(path.read_text())["mean"]
    for name, path in facts_files.items():
        if path.is_file():
            facts = json.loads(path.read_text())
            kept = facts["iters"] if facts["selected_iteration"] is None else facts["selected_iteration"]
            scores[name] |= {"s100": facts["seconds_per_100_iters"], "kept": f"{kept} of {facts['iters']}"}
    return scores


def metric_tables(text: str) -> list[list[tuple[str, dict[str, str]]]]:
    """Every markdown table whose first column is `model`, in page order: its rows as (row label,
    {column header: cell})."""
    tables: list[list[tuple[str, dict[str, str]]]] = []
    header = None
    for line in text.splitlines():
        if not line.startswith("|"):
            header = None
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if header is None:
            header = cells if cells[0] == "model" else []
            if header:
                tables.append([])
        elif header and not set(cells[0]) <= set("-: "):
            tables[-1].append((cells[0], dict(zip(header, cells, strict=False))))
    return tables


def test_the_readme_is_a_short_guide_with_a_contents_list():
    assert len(README.splitlines()) <= MAX_README_LINES
    contents = README.split("## Contents", 1)[1].split("\n## ", 1)[0]
    for task in ("Paper scale on a GPU", "Compare two experiments", "Add a predictor", "own videos", "Predict a clip"):
        assert task in contents, task
    for task in ("Share latents", "Resume a killed run", "Several GPUs"):
        assert task in contents, task
    assert "source .venv/bin/activate" in README.split("## Contents")[0]


DEFAULT_RUN, REAL_FOOTAGE_RUN = "metrics/runs/mmnist", "metrics/experiments/real_footage/runs"
DRIVING_RUN = "metrics/experiments/driving/runs"
DRIVING_VAL_RUN = "metrics/experiments/driving_val_clips/runs"  # validation on held-out clips


@pytest.mark.parametrize(
    ("page", "runs"),
    [
        # (run, numbers the table must show at least): nine rows of three metrics, or more columns; the
        # dashcam run has eight rows (two predictors in two modes, four baselines with both oracles)
        ("README.md", [(DEFAULT_RUN, 27), (DRIVING_RUN, 24)]),
        ("docs/results.md", [(DEFAULT_RUN, 24)]),
        ("docs/datasets.md", [(REAL_FOOTAGE_RUN, 24), (DRIVING_RUN, 32), (DRIVING_VAL_RUN, 20)]),
    ],
)
def test_every_number_in_the_results_tables_is_the_committed_runs(page, runs):
    """The page's first `model` tables, in order, hold the numbers of these committed runs (later
    tables, such as the sweeps', come from their own records)."""
    tables = metric_tables((ROOT / page).read_text())
    assert len(tables) >= len(runs), page
    for i, (table, (run_folder, at_least)) in enumerate(zip(tables, runs, strict=False)):
        scores = committed_scores(run_folder)
        checked = 0
        for label, row in table:
            name = ROWS.get(label, label)
            if name not in scores:
                continue
            for header, (key, decimals) in COLUMNS.items():
                if header in row:
                    assert row[header] == f"{scores[name][key]:,.{decimals}f}", (page, i, label, header)
                    checked += 1
            if "kept iteration" in row and "kept" in scores[name]:
                assert row["kept iteration"] == scores[name]["kept"], (page, i, label)
            if "s / 100 it (CPU)" in row and "s100" in scores[name]:
                assert row["s / 100 it (CPU)"] == f"{scores[name]['s100']:.1f}", (page, i, label)
        assert checked >= at_least, (page, i, checked)


def _slug(title: str) -> str:
    """GitHub's anchor for a heading."""
    title = re.sub(r"[`*]", "", title.strip().lower())
    return re.sub(r"[^\w\- ]", "", title).replace(" ", "-")


def test_every_link_in_the_readme_and_docs_reaches_a_file_and_heading():
    for page in [ROOT / "README.md", *DOCS]:
        for target in re.findall(r"\]\(([^)\s]+)\)", page.read_text()):
            if target.startswith(("http://", "https://")):
                continue
            path, _, anchor = target.partition("#")
            file = (page.parent / path).resolve() if path else page
            assert file.exists(), (page.name, target)
            if anchor and file.suffix == ".md":
                headings = [_slug(h) for h in re.findall(r"^#+ (.+)$", file.read_text(), flags=re.M)]
                assert anchor in headings, (page.name, target)


def _readme_exp_runs() -> list[list[str]]:
    """Each `dvc exp run` line of the README as -S overrides, profiles expanded as the shell would."""
    found = []
    for line in re.findall(r"^dvc exp run .*$", README, flags=re.M):
        line = line.split("  #")[0]
        line = re.sub(
            r"\$\(python -m stages profile (\w+)\)",
            lambda m: shlex.join(set_param_flags(load_profile(m[1], ROOT / "profiles"))),
            line,
        )
        words = shlex.split(line)
        found.append([words[i + 1] for i, w in enumerate(words) if w == "-S"])
    return found


def _resolve(overrides: list[str], tmp_path) -> dict:
    """params.yaml with the overrides applied by DVC's own parser, as `dvc exp run -S` does."""
    from dvc.utils.hydra import apply_overrides

    params = tmp_path / "params.yaml"
    shutil.copy(ROOT / "params.yaml", params)
    apply_overrides(str(params), overrides)
    return yaml.safe_load(params.read_text())


def test_the_readmes_experiment_commands_resolve_to_valid_params(tmp_path):
    runs = _readme_exp_runs()
    assert len(runs) >= 5 and any("train.predrnn.amp=bf16" in r for r in runs)
    for overrides in runs:
        params = _resolve(overrides, tmp_path)
        for name in params["predictors"]:
            for mode in params["modes"]:
                CellConfig.from_section(name, mode, params["train"][name])
        for dataset in params["datasets"]:
            assert dataset in dataset_names()
            dataset_config(dataset, params["data"][dataset], f"data.{dataset}")
    paper = _resolve(next(r for r in runs if "train.predrnn.amp=bf16" in r), tmp_path)
    assert paper["train"]["predrnn"]["amp"] == "bf16" and paper["train"]["predrnn"]["iters"] == 70000


def _flatten(params: dict, prefix: str = "") -> dict:
    """Every leaf of a params mapping by dotted key."""
    leaves: dict = {}
    for key, value in params.items():
        if isinstance(value, dict) and value:
            leaves |= _flatten(value, f"{prefix}{key}.")
        else:
            leaves[f"{prefix}{key}"] = value
    return leaves


def test_the_readmes_experiments_run_in_its_order_do_not_stack(tmp_path):
    """Each `dvc exp run` line of the README, run in the README's order from the params the line before
    left in the workspace (as `dvc exp run` leaves them), gives the committed params with only the keys
    it names changed: `python -m stages profile` puts the committed file back first."""
    committed = yaml.safe_load((ROOT / "params.yaml").read_text())
    workspace = tmp_path / "params.yaml"
    shutil.copy(ROOT / "params.yaml", workspace)
    lines = re.findall(r"^dvc exp run .*$", README, flags=re.M)
    assert len(lines) >= 5
    for line in lines:
        line = line.split("  #")[0]
        own = shlex.split(re.sub(r"\$\(python -m stages profile \w+\)", "", line))
        named = {own[i + 1].split("=")[0] for i, w in enumerate(own) if w == "-S"}  # the line's own -S keys
        for name in re.findall(r"\$\(python -m stages profile (\w+)\)", line):
            shutil.copy(ROOT / "params.yaml", workspace)  # what the command does first
            named |= set(load_profile(name, ROOT / "profiles"))
            flags = set_param_flags(load_profile(name, ROOT / "profiles"))
            line = line.replace(f"$(python -m stages profile {name})", shlex.join(flags))
        words = shlex.split(line)
        from dvc.utils.hydra import apply_overrides

        apply_overrides(str(workspace), [words[i + 1] for i, w in enumerate(words) if w == "-S"])
        after = _flatten(yaml.safe_load(workspace.read_text()))  # and DVC's writer left valid YAML
        for key, value in _flatten(committed).items():
            if not any(key == n or key.startswith(f"{n}.") for n in named):
                assert after.get(key) == value, (line, key, after.get(key), value)


@pytest.mark.slow
def test_the_paper_profile_plans_every_stage(tiny_run, tmp_path):
    """`dvc repro --dry` on the paper profile's params, in a project that has run: the plan DVC would
    run, without running it (DVC's dry run needs each stage's inputs to exist)."""
    project = clone_run(tiny_run[0], tmp_path / "proj")
    overrides = set_param_flags(load_profile("paper", ROOT / "profiles"))[1::2]
    params = _resolve(overrides, tmp_path)
    (project / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    planned = set(re.findall(r"Running stage '([^']+)'", run(["dvc", "repro", "--dry"], project).stdout))
    cells = {f"{kind}@{cell.item}" for kind in ("train", "evaluate") for cell in planned_cells(params, ["mmnist"])}
    # `report` is absent from a dry plan: it reads no params, and DVC's dry run does not assume that
    # upstream outputs change, so only stages whose own params or files differ are listed.
    assert cells | {"generate@mmnist", "pretrain_vqvae@mmnist", "encode_latents@mmnist"} <= planned
