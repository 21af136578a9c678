"""Issue 30: a trained cell anywhere: `modpred.load`, its model card, the `card` command, ONNX export."""

from __future__ import annotations

import dataclasses
import re
import shlex
import subprocess

import numpy as np
import pytest
import torch

import modpred
from modpred.data.sequences import SequenceLayout
from modpred.inference.clips import fit_clip, to_uint8_frames
from modpred.models.bundle import Bundle, load_bundle, model_predictor, save_bundle
from modpred.models.card import CARD, ModelCard, code_commit
from modpred.models.predictors import build_from_config, predictor_config
from modpred.models.spaces import LatentSpace, PixelSpace
from modpred.models.vqvae import VQVAE, VQVAEConfig
from modpred.modes import MODES
from modpred.plugins import predictor_names
from tests.helpers import ROOT, run

LAYOUT = SequenceLayout(input_len=3, seq_len=5, image=16, channels=1)
TINY = {  # each plug-in at a size that builds in milliseconds (its own config keys)
    "predrnn": {"layers": 1, "hidden": 4},
    "tctn": {"layers": 1, "hidden": 8, "heads": 2},
    "convlstm": {"layers": 1, "hidden": 4},
    "simvp": {"spatial_hidden": 4, "spatial_layers": 2, "temporal_hidden": 8, "temporal_layers": 2},
}


def tiny_bundle(
    predictor: str,
    mode: str,
    channels: int = 1,
    seed: int = 0,
    start: str = "scratch",
    decode: str = "quantize",
    image: int = LAYOUT.image,
) -> Bundle:
    """A freshly built cell with its card: what `train` writes, without training."""
    torch.manual_seed(seed)
    layout = dataclasses.replace(LAYOUT, channels=channels, image=image)
    if MODES[mode].pixels:
        space: PixelSpace | LatentSpace = PixelSpace(2, layout.image, channels)
    else:
        vqvae = VQVAE(VQVAEConfig(in_channels=channels, hidden=8, res_hidden=4, num_codes=8, code_dim=4))
        space = LatentSpace(vqvae, layout.image, decode, vqvae_sha256="a" * 64)
    config = predictor_config(predictor, TINY.get(predictor, {}), "model")
    shape = dataclasses.replace(space.shape(layout.input_len), start=start)
    model = build_from_config(predictor, config, shape, "model").eval()
    card = ModelCard(
        dataset="toy",
        layout=layout,
        predictor=predictor,
        mode=mode,
        seed=seed,
        params={"model": TINY.get(predictor, {}), "iters": 0},
        loss="mse",
        iterations=0,
        kept_iteration=None,
        validation=None,
        validation_sequences=0,
        trainable_params=sum(p.numel() for p in model.parameters() if p.requires_grad),
        vqvae_sha256=None if MODES[mode].pixels else "a" * 64,
        vqvae_quality=None,
        device="cpu",
        precision="fp32",
    )
    return Bundle(predictor, model, space, layout.input_len, layout.seq_len, card)


@pytest.fixture
def saved(tmp_path):
    name = predictor_names()[0]
    path = tmp_path / "model.pt"
    save_bundle(path, tiny_bundle(name, "modular"))
    return path


def test_predict_takes_the_layouts_people_hold_and_returns_the_same(saved):
    model = modpred.load(saved)
    clip = np.random.default_rng(0).integers(0, 256, (6, 16, 16), dtype=np.uint8)
    gray = model.predict(clip)
    assert gray.shape == (2, 16, 16) and gray.dtype == np.uint8
    channel_last = model.predict(clip[..., None].astype(np.float32) / 255)
    assert channel_last.shape == (2, 16, 16, 1) and channel_last.dtype == np.float32
    assert np.abs(channel_last[..., 0] * 255 - gray).max() <= 1  # the same prediction, as floats
    batch = model.predict(np.stack([clip, clip[::-1]])[:, :, None])  # (N, T, C, H, W)
    assert batch.shape == (2, 2, 1, 16, 16) and np.array_equal(batch[0, :, 0], gray)
    assert model.predict(clip, future=4).shape == (4, 16, 16)
    channel_first = model.predict(clip[:, None])  # (T, C, H, W), as the predict command reads a .npy
    assert channel_first.shape == (2, 1, 16, 16) and np.array_equal(channel_first[:, 0], gray)
    # exactly as the predict command fits a clip: its last input frames, the model's size and channels
    fitted = fit_clip(to_uint8_frames(clip, saved), 3, 16, 1, True, saved)
    expected = model_predictor(model.bundle, 2, torch.device("cpu"))(fitted[None])[0, :, 0]
    assert np.array_equal(gray, np.clip(np.round(expected * 255), 0, 255).astype(np.uint8))


def test_check_scores_the_frames_after_the_inputs_against_copy_last(tmp_path):
    save_bundle(tmp_path / "model.pt", tiny_bundle(predictor_names()[0], "modular", image=32))  # LPIPS takes 32+
    model = modpred.load(tmp_path / "model.pt")
    clip = np.random.default_rng(3).integers(0, 256, (5, 32, 32), dtype=np.uint8)  # 3 in, 2 truth
    scores = model.check(clip)
    assert set(scores) == {"model", "copy_last"} and set(scores["model"]) == {"lpips", "ssim", "mse_frame"}
    copy = ((clip[2].astype(float) - clip[3:]) / 255) ** 2
    assert scores["copy_last"]["mse_frame"] == pytest.approx(copy.sum((1, 2)).mean())
    pred = model.predict(clip[:3], future=2).astype(float) / 255
    assert scores["model"]["mse_frame"] == pytest.approx(((pred - clip[3:] / 255) ** 2).sum((1, 2)).mean(), abs=0.01)
    with pytest.raises(ValueError, match="4 frames: a check needs 5"):
        model.check(clip[:4])


def test_a_colour_clip_of_another_size_is_fitted_with_a_warning(tmp_path):
    path = tmp_path / "colour.pt"
    save_bundle(path, tiny_bundle(predictor_names()[0], "base", channels=3))
    model = modpred.load(path)
    clip = np.random.default_rng(1).integers(0, 256, (4, 24, 32, 3), dtype=np.uint8)
    with pytest.warns(UserWarning, match="cropping to the centred square and resizing"):
        out = model.predict(clip)
    assert out.shape == (2, 16, 16, 3)
    assert model.predict(clip[..., 0][:, :16, :16]).shape == (2, 16, 16, 3)  # gray into a colour model


@pytest.mark.parametrize(
    ("frames", "message"),
    [
        (np.zeros((16, 16), np.uint8), r"expected \(T, H, W\)"),
        (np.zeros((2, 16, 16), np.uint8), "needs at least 3"),
        (np.full((4, 16, 16), np.nan, np.float32), "non-finite"),
        (np.zeros((4, 16, 16, 2), np.uint8), r"has shape \(4, 16, 16, 2\): expected frames"),
        (np.full((4, 16, 16), 255.0, np.float32), r"float values 255\.\.255: expected \[0, 1\]"),  # as the command
        (np.zeros((1, 4, 2, 16, 16), np.uint8), "needs C 1 or 3, not 2"),
        (np.full((4, 16, 16), 7.0, np.float32), r"expected \[0, 1\]"),
        (np.full((4, 16, 16), 1023, np.int32), r"holds int32 values 1023\.\.1023: expected 0\.\.255"),
    ],
)
def test_bad_input_is_one_clear_value_error(saved, frames, message):
    with pytest.raises(ValueError, match=message):
        modpred.load(saved).predict(frames)


def test_a_future_that_is_not_a_count_of_frames_is_refused(saved):
    model = modpred.load(saved)
    for future in (True, 0, 2.0):
        with pytest.raises(ValueError, match="future must be a positive number of frames"):
            model.predict(np.zeros((4, 16, 16), np.uint8), future)


def test_every_checkpoint_carries_a_card_that_must_agree_with_its_tensors(saved, tmp_path):
    model = modpred.load(saved)
    assert model.card is not None and model.card.predictor == predictor_names()[0] and model.card.mode == "modular"
    state = torch.load(saved, weights_only=True)
    for key, value in (("predictor", "other"), ("trainable_params", 1), ("vqvae_sha256", "b" * 64)):
        lying = tmp_path / f"lying-{key}.pt"
        torch.save({**state, CARD: {**state[CARD], key: value}}, lying)
        with pytest.raises(ValueError, match=rf"its card says {key} "):
            modpred.load(lying)
    layout = dict(state[CARD]["layout"], input_len=4)
    torch.save({**state, CARD: {**state[CARD], "layout": layout}}, tmp_path / "layout.pt")
    with pytest.raises(ValueError, match="its card says input_len 4, its tensors 3"):
        modpred.load(tmp_path / "layout.pt")
    del state[CARD]
    torch.save(state, tmp_path / "old.pt")  # a checkpoint from before cards still loads, without one
    assert load_bundle(tmp_path / "old.pt", torch.device("cpu")).card is None


def test_the_card_command_prints_the_card(saved):
    out = run(["python", "-m", "stages", "card", str(saved)], ROOT).stdout
    assert re.search(rf"model: {predictor_names()[0]}-modular, replicate seed 0, [\d,]+ trainable parameters", out)
    assert "dataset: toy, 3 input frames -> 2 predicted, 16x16, gray" in out
    assert "test: not in the checkpoint" in out and "VQ-VAE: aaaaaaaaaaaa" in out
    assert "run: code commit and date not in the checkpoint" in out  # no train.json beside a loose file


@pytest.mark.parametrize("mode", list(MODES))
@pytest.mark.parametrize("predictor", predictor_names())
def test_onnx_export_matches_pytorch_in_onnxruntime(tmp_path, predictor, mode):
    pytest.importorskip("onnxruntime", reason="the optional ONNX install: make onnx")
    from modpred.inference.onnx_export import check_export, export_cell

    bundle = tiny_bundle(predictor, mode)
    exported = export_cell(bundle, tmp_path / "onnx")
    frames = np.random.default_rng(0).integers(0, 256, (5, 5, 1, 16, 16), dtype=np.uint8)
    check = check_export(bundle, exported, frames, batch=2)  # a batch of another size than the export's
    assert check.sequences == 5
    assert max(check.max_diff[part] for part in ("encoder", "predictor", "decoder")) < 1e-4, check.max_diff


@pytest.mark.parametrize("predictor", predictor_names())
def test_a_model_that_starts_from_copying_and_decodes_the_change_exports_with_its_input_frames(tmp_path, predictor):
    """The change decoding's graph takes the input frames beside the prediction; untrained, the whole
    chain in onnxruntime is copy-last, as in PyTorch."""
    pytest.importorskip("onnxruntime", reason="the optional ONNX install: make onnx")
    from modpred.inference.onnx_export import check_export, export_cell

    bundle = tiny_bundle(predictor, "modular", start="copy", decode="change")
    exported = export_cell(bundle, tmp_path / "onnx")
    frames = np.random.default_rng(0).integers(0, 256, (5, 5, 1, 16, 16), dtype=np.uint8)
    check = check_export(bundle, exported, frames, batch=2)
    assert max(check.max_diff.values()) < 1e-4, check.max_diff
    import onnxruntime

    run_part = lambda part, feed: onnxruntime.InferenceSession(str(exported.files[part])).run(None, feed)[0]  # noqa: E731
    inputs = frames[:, : bundle.input_len]
    predicted = run_part("predictor", {"inputs": run_part("encoder", {"frames": inputs})})
    chained = run_part("decoder", {"predicted": predicted, "input_frames": inputs})
    np.testing.assert_allclose(chained, np.repeat(inputs[:, -1:] / 255.0, exported.future, axis=1), atol=1e-5)


@pytest.mark.slow
def test_the_readmes_python_example_runs_as_written_after_the_pipeline(tiny_run, tmp_path):
    """Issue 30: on a project after `dvc repro`, the README's example loads a model, predicts, and
    finds the test scores beside the checkpoint; the card command prints the card of the same file."""
    from tests.helpers import clone_run, tiny_params

    project = clone_run(tiny_run[0], tmp_path / "proj")
    readme = (ROOT / "README.md").read_text()
    example = readme.split("## Predict a clip")[1].split("```python")[1].split("```")[0]
    (project / "example.py").write_text(example)
    out = run(["python", "example.py"], project).stdout
    data = tiny_params()["data"]["mmnist"]
    shape = (data["seq_len"] - data["input_len"], data["image"], data["image"])
    first, checked = out.splitlines()
    assert re.fullmatch(rf"{re.escape(str(shape))} uint8 predrnn modular 0\.\d+", first), out
    assert re.fullmatch(r"\{'lpips': 0\.\d+, 'ssim': -?0\.\d+, 'mse_frame': \d+\.\d+\}", checked), out
    command = readme.split("## Predict a clip")[1].split("```bash")[1].split("```")[0].strip()
    said = run(shlex.split(command), project).stdout.splitlines()  # the README's command line, as written
    assert re.fullmatch(
        r"against the truth, means over the \d+ frames: LPIPS 0\.\d{3} \(copy-last 0\.\d{3}\), .*", said[-1]
    )
    assert (project / "my_prediction" / "scores.json").is_file()
    model = "data/mmnist/models/predrnn-modular/seed0/model.pt"
    card = run(["python", "-m", "stages", "card", model], project).stdout
    assert "model: predrnn-modular, replicate seed 0" in card and "test: lpips " in card  # from eval.json
    assert re.search(r"run: code [0-9a-f]{40}(-dirty)?, trained \d{4}-\d\d-\d\dT", card)  # from train.json
    assert "VQ-VAE: " in card and "codes in use" in card  # the frozen VQ-VAE's hash and quality


def test_the_cards_code_is_dirty_only_when_code_or_params_differ_from_the_commit(tmp_path):
    """A run rewrites metrics/ and dvc.lock: its models still come from the commit's code."""
    project = tmp_path / "proj"
    for name in ("src/modpred/x.py", "params.yaml", "dvc.lock", "metrics/runs/a.json"):
        (project / name).parent.mkdir(parents=True, exist_ok=True)
        (project / name).write_text("0\n")
    commit_all = ["git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qam", "c"]
    subprocess.run(["git", "init", "-q"], cwd=project, check=True)
    subprocess.run(["git", "add", "-A"], cwd=project, check=True)
    subprocess.run(commit_all, cwd=project, check=True)
    head = code_commit(project)
    assert head is not None and re.fullmatch(r"[0-9a-f]{40}", head)
    for output in ("dvc.lock", "metrics/runs/a.json"):
        (project / output).write_text("1\n")
    assert code_commit(project) == head  # the pipeline's own outputs
    assert code_commit(project / "src") == head  # from any folder of the project
    (project / "params.yaml").write_text("1\n")
    assert code_commit(project) == f"{head}-dirty"
    subprocess.run(["git", "checkout", "-q", "--", "params.yaml"], cwd=project, check=True)
    (project / "src/modpred/x.py").write_text("1\n")
    assert code_commit(project) == f"{head}-dirty"
