"""dvc.yaml's code deps cover every project file each stage runs, so editing code never leaves stale results."""

from __future__ import annotations

import copy
import shutil

from modpred.code_deps import files_run_by, missing_code_deps, read_dvc_yaml, write_code_deps
from modpred.plugins import predictor_names
from tests.helpers import ROOT


def test_every_stage_depends_on_every_project_file_it_imports():
    assert missing_code_deps(ROOT, read_dvc_yaml(ROOT)) == {}


def test_the_committed_code_deps_are_what_make_deps_writes(tmp_path):
    """Issue 39: nobody keeps the code deps by hand; a dep removed by hand is written back, and the data
    deps, params, outs and comments around it stay as they were."""
    assert write_code_deps(ROOT) == (ROOT / "dvc.yaml").read_text()
    for name in ("stages", "src"):
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    text = (ROOT / "dvc.yaml").read_text()
    edited = text.replace("      - src/modpred/training/trainer.py\n", "", 1)
    assert edited.count("src/modpred/training/trainer.py") == text.count("src/modpred/training/trainer.py") - 1
    (tmp_path / "dvc.yaml").write_text(edited)
    assert write_code_deps(tmp_path) == text


def test_a_dvc_yaml_with_one_import_removed_from_a_stage_is_caught():
    dvc = read_dvc_yaml(ROOT)
    broken = copy.deepcopy(dvc)
    deps = broken["stages"]["pretrain_vqvae"]["do"]["deps"]
    deps.remove("src/modpred/evaluation/frame_metrics.py")  # the VQ-VAE stage scores its reconstructions
    assert missing_code_deps(ROOT, broken) == {"pretrain_vqvae": ["src/modpred/evaluation/frame_metrics.py"]}
    broken = copy.deepcopy(dvc)
    broken["stages"]["train"]["deps"].remove("src/modpred/evaluation/lpips_metric.py")  # validation scores LPIPS
    assert missing_code_deps(ROOT, broken)["train"] == ["src/modpred/evaluation/lpips_metric.py"]
    broken = copy.deepcopy(dvc)
    broken["stages"]["report"]["deps"].remove("src/modpred/plugins.py")
    assert missing_code_deps(ROOT, broken) == {"report": ["src/modpred/plugins.py"]}
    broken = copy.deepcopy(dvc)  # each train cell runs its own predictor's file, found by name at run time
    broken["stages"]["train"]["deps"].remove("src/modpred/models/predictors/${item.predictor}.py")
    assert missing_code_deps(ROOT, broken)["train"] == [
        f"src/modpred/models/predictors/{name}.py" for name in predictor_names()
    ]


def test_a_new_import_inside_a_function_is_found(tmp_path):
    for name in ("stages", "src"):
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    report = tmp_path / "stages" / "report.py"
    report.write_text(report.read_text() + "\n\ndef late():\n    from modpred.models import vqvae  # noqa: F401\n")
    assert "src/modpred/models/vqvae.py" in {str(p) for p in files_run_by(tmp_path, "stages.report")}
    assert "src/modpred/models/vqvae.py" in missing_code_deps(tmp_path, read_dvc_yaml(ROOT))["report"]
