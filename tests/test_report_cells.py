"""The report shows the cells of the params' matrix alone, not records another run left in metrics/runs/."""

from __future__ import annotations

import json
import shutil

import pandas as pd

from modpred import paths
from modpred.cell import Cell
from modpred.reporting.plot_data import plot_tables
from modpred.reporting.report import build_report
from modpred.results import trained_cells
from tests.helpers import ROOT


def _committed_run(tmp_path):
    """The committed default's records, plus a stale seed of one cell and a cell of a smaller test split."""
    shutil.copytree(ROOT / paths.RUNS, tmp_path / paths.RUNS)
    shutil.copytree(ROOT / "metrics" / "figures", tmp_path / "metrics" / "figures")
    runs = tmp_path / paths.RUNS / "mmnist"
    cells = [Cell("mmnist", *p.parent.parent.name.rsplit("-", 1), 0) for p in runs.glob("*/seed0/train.json")]
    stale = runs / "predrnn-modular" / "seed7"  # an earlier experiment's third seed
    shutil.copytree(runs / "predrnn-modular" / "seed0", stale)
    facts = json.loads((stale / paths.TRAIN_JSON).read_text()) | {"seed": 7}
    (stale / paths.TRAIN_JSON).write_text(json.dumps(facts))
    half = pd.read_csv(stale / paths.PER_SEQUENCE_CSV).head(100)  # a quick run's 100 test sequences
    half.to_csv(stale / paths.PER_SEQUENCE_CSV, index=False)
    return cells


def test_a_stale_cell_is_left_out_of_the_report_and_the_charts(tmp_path):
    cells = _committed_run(tmp_path)
    assert len(cells) >= 2
    report = build_report(tmp_path, cells=cells)
    row = next(line for line in report.splitlines() if line.startswith("| predrnn-modular "))
    assert row.rstrip(" |").endswith("1"), row  # one replicate: seed 7 is not in the matrix
    assert report == build_report(ROOT, cells=cells).replace(str(ROOT), str(tmp_path))  # as if it were not there
    found = {f.cell for f in trained_cells("mmnist", tmp_path)}
    assert Cell("mmnist", "predrnn", "modular", 7) in found - set(cells)  # the stale record is there to be left out
    per_frame = plot_tables(tmp_path, cells)["per_frame"]
    committed = plot_tables(ROOT, cells)["per_frame"]
    pd.testing.assert_frame_equal(per_frame, committed)
