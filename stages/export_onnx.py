"""export-onnx: a trained model's test-time path as ONNX graphs, checked in onnxruntime (not a DVC stage)."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import torch
import typer

from modpred import paths
from modpred.atomic import write_json
from modpred.data.sequences import read_sequences
from modpred.inference.onnx_export import check_export, export_cell
from modpred.models.bundle import load_bundle
from stages.app import stage


@stage("export-onnx")
def export_onnx(
    model: Path = typer.Argument(..., help="a trained model, e.g. data/mmnist/models/predrnn-modular/seed0/model.pt"),
    out: Path = typer.Option(Path("onnx"), "--out", help="folder for encoder.onnx, predictor.onnx, decoder.onnx"),
    check: int = typer.Option(
        200, "--check", help="test sequences of the model's dataset to compare onnxruntime with PyTorch on (0: none)"
    ),
) -> None:
    """Export MODEL's test-time rollout, with the encoder and decoder of its space (the frozen VQ-VAE's
    when modular), to ONNX in OUT; then run them in onnxruntime on the first CHECK test sequences of
    its dataset (data/DATASET/base/test.h5) and write the largest differences from PyTorch to
    OUT/check.json. Needs the optional install `make onnx`.
    """
    bundle = load_bundle(model, torch.device("cpu"))
    exported = export_cell(bundle, out)
    typer.echo(f"wrote {', '.join(str(p) for p in exported.files.values())}")
    if not check or bundle.card is None:
        return
    test = paths.sequences_file(bundle.card.dataset, "test")
    result = check_export(bundle, exported, read_sequences(test, 0, check))
    write_json(out / "check.json", asdict(result))
    typer.echo(json.dumps(asdict(result), indent=1))
