"""Start from copying: an untrained predictor with `start: copy` predicts exactly copy-last, in both
spaces, and the change decoding turns the modular one's codes back into exactly the last frame."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch

from modpred.evaluation.evaluate import copy_last_frame
from modpred.evaluation.oracle import reconstruct_future
from modpred.models.contract import ModelShape, train_loss
from modpred.models.predictors import build_predictor
from modpred.models.spaces import LatentSpace, PixelSpace
from modpred.models.vqvae import VQVAE, VQVAEConfig
from modpred.modes import MODES
from modpred.plugins import predictor_names
from tests.helpers import tiny_params

INPUT_LEN, FUTURE, IMAGE = 5, 4, 16


def _space(mode: str) -> PixelSpace | LatentSpace:
    if MODES[mode].pixels:
        return PixelSpace(patch=4, image=IMAGE, frame_channels=3)
    torch.manual_seed(1)
    vqvae = VQVAE(VQVAEConfig(in_channels=3, hidden=8, res_hidden=4, num_codes=16, code_dim=4))
    return LatentSpace(vqvae, IMAGE, decode="change")


def _clips() -> torch.Tensor:
    return torch.from_numpy(np.random.default_rng(0).integers(0, 256, (2, INPUT_LEN, 3, IMAGE, IMAGE), dtype=np.uint8))


@pytest.mark.parametrize("mode", list(MODES))
@pytest.mark.parametrize("name", predictor_names())
def test_an_untrained_model_that_starts_from_copying_is_copy_last(name, mode):
    space = _space(mode)
    shape = dataclasses.replace(space.shape(INPUT_LEN), start="copy")
    torch.manual_seed(0)
    model = build_predictor(name, tiny_params()["train"][name]["model"], shape, name).eval()
    clips = _clips()
    x = space.encode(clips)
    with torch.no_grad():
        future = model.predict(x, FUTURE)
        frames = space.decode(future, clips).numpy()
    assert torch.equal(future, x[:, -1:].expand_as(future))  # in model space: the last input, exactly
    np.testing.assert_allclose(frames, copy_last_frame(FUTURE)(clips.numpy()), atol=1e-6)  # and in pixels

    # training moves it from there: the change's last layer gets a gradient at once
    model.train()
    sequence = torch.rand(2, INPUT_LEN + FUTURE, *x.shape[2:])
    loss = train_loss(model(sequence, INPUT_LEN, torch.ones(2, sequence.shape[1] - 2)), sequence)
    loss.backward()
    assert any(p.grad is not None and p.grad.abs().sum() > 0 for p in model.parameters())


@pytest.mark.parametrize("name", predictor_names())
def test_scratch_is_the_paper_predictor_unchanged(name):
    """The default start builds the same weights from the same seed as before the option existed:
    no extra parameter, no zeroed layer."""
    shape = ModelShape(4, 8, INPUT_LEN, "base")
    torch.manual_seed(0)
    scratch = build_predictor(name, tiny_params()["train"][name]["model"], shape, name)
    torch.manual_seed(0)
    copy = build_predictor(name, tiny_params()["train"][name]["model"], dataclasses.replace(shape, start="copy"), name)
    ours, theirs = scratch.state_dict(), copy.state_dict()
    assert ours.keys() == theirs.keys()
    zeroed = [k for k in ours if not torch.equal(ours[k], theirs[k])]
    assert zeroed and all(not theirs[k].any() for k in zeroed)  # copy differs only by layers set to zero
    assert all(ours[k].any() for k in zeroed)


def test_the_change_oracle_is_the_last_frame_where_nothing_moves():
    """A still clip: the change-decoded oracle is the clip itself, the direct one only the tokenizer's blur."""
    space = _space("modular")
    assert isinstance(space, LatentSpace)
    still = np.repeat(_clips().numpy()[:, :1], INPUT_LEN + FUTURE, axis=1)
    change = reconstruct_future(space.vqvae, FUTURE, torch.device("cpu"), "change")(still)
    direct = reconstruct_future(space.vqvae, FUTURE, torch.device("cpu"), "quantize")(still)
    truth = still[:, INPUT_LEN:].astype(np.float32) / 255
    np.testing.assert_allclose(change, truth, atol=1e-6)
    assert np.abs(direct - truth).mean() > 0.05


def test_the_change_decoding_refuses_to_guess_the_last_frame():
    space = _space("modular")
    with pytest.raises(ValueError, match="needs the input frames"):
        space.decode(space.encode(_clips()))


@pytest.mark.parametrize("name", predictor_names())
def test_base_start_replaces_start_for_the_pixel_model_only(name):
    """`base_start` is to `start` what `base_hidden` is to the width: the base cell's own, when set."""
    from modpred.errors import UserError
    from modpred.training.cell_config import CellConfig

    section = tiny_params()["train"][name]
    for base_start, expected in (("scratch", "scratch"), ("", "copy"), ("copy", "copy")):
        both = {**section, "start": "copy", "base_start": base_start}
        starts = {mode: CellConfig.from_section(name, mode, both).start for mode in MODES}
        assert starts == {m: expected if MODES[m].pixels else "copy" for m in MODES}, (base_start, starts)
    with pytest.raises(UserError, match=f"train.{name}.base_start"):
        CellConfig.from_section(name, "base", {**section, "base_start": "mirror"})
