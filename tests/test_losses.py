"""The modular losses of issue 20: they learn, they leave the frozen VQ-VAE alone, the truth is their minimum."""

import numpy as np
import pytest
import torch

from modpred.errors import UserError
from modpred.models.contract import Batch, TrainOutput
from modpred.models.predictors.predrnn import PredRNN, PredRNNConfig
from modpred.models.spaces import LatentSpace
from modpred.models.vqvae import VQVAE, Codebook, VQVAEConfig
from modpred.modes import MODES
from modpred.training.losses import LOSSES, LossConfig, check_loss_applies, code_logits, code_spacing, make_loss


def _space_and_pool(seed: int = 0) -> tuple[LatentSpace, np.ndarray]:
    torch.manual_seed(seed)
    vqvae = VQVAE(VQVAEConfig(hidden=8, res_hidden=4, num_codes=12, code_dim=4))
    with torch.no_grad():  # codes spread out as a trained codebook's are, not at the 1/K init
        vqvae.codebook.embedding.weight.normal_()
    pool = np.random.default_rng(seed).integers(0, 10, size=(6, 5, 4, 4)).astype(np.int16)  # codes 10, 11 unused
    return LatentSpace(vqvae, image=16), pool


def _output(pred: torch.Tensor) -> TrainOutput:
    return TrainOutput(pred, 1)


@pytest.mark.parametrize("loss", [name for name in LOSSES if name != "mse"])
def test_the_true_codes_are_near_the_minimum(loss):
    space, pool = _space_and_pool()
    frames = space.from_pool(torch.from_numpy(pool))
    batch = Batch(frames, torch.from_numpy(pool))
    fn = make_loss(LossConfig(loss=loss), space, pool)
    at_truth = fn(_output(frames[:, 1:]), batch).item()
    gen = torch.Generator().manual_seed(1)
    for scale in (0.1, 0.3, 1.0):
        noisy = frames[:, 1:] + scale * torch.randn(frames[:, 1:].shape, generator=gen)
        assert fn(_output(noisy), batch).item() > at_truth
    if loss == "pixels":
        assert at_truth == 0.0  # decoded truth against decoded truth
    else:  # cross-entropy cannot reach 0; at the truth it is what the neighbours' share costs, well below log K
        assert at_truth < 0.5 * np.log(12)


def test_codes_logits_argmax_is_the_nearest_code_decoding():
    space, _ = _space_and_pool()
    z = torch.randn(3, 2, 4, 4, 4)
    chosen = code_logits(z, space.vqvae.codebook, tau=0.7).argmax(2)
    snapped = space.vqvae.codebook.indices(z.flatten(0, 1)).view(3, 2, 4, 4)
    assert torch.equal(chosen, snapped)


def test_code_spacing_reads_only_codes_in_use():
    codebook = Codebook(VQVAEConfig(num_codes=4, code_dim=2))
    with torch.no_grad():
        codebook.embedding.weight.copy_(torch.tensor([[0.0, 0.0], [1.0, 0.0], [0.0, 3.0], [0.0, 3.1]]))
    assert code_spacing(codebook, np.array([0, 1, 2])) == pytest.approx(1.0)  # squared gaps 1, 1, 10
    # |a|^2 - 2ab + |b|^2 in float32 (the codebook's one distance) cancels to ~1e-4 relative for near codes
    assert code_spacing(codebook, np.array([0, 1, 2, 3])) == pytest.approx(0.505, rel=1e-5)  # 1, 1, .01, .01
    assert code_spacing(codebook, np.array([2, 3])) == pytest.approx(0.01, rel=1e-3)


@pytest.mark.parametrize("loss", [name for name in LOSSES if name != "mse"])
@pytest.mark.parametrize("latent_weight", [1.0, 0.0])
def test_it_learns_and_no_gradient_reaches_the_frozen_vqvae(loss, latent_weight):
    space, pool = _space_and_pool()
    frames = space.from_pool(torch.from_numpy(pool))
    batch = Batch(frames, torch.from_numpy(pool))
    torch.manual_seed(0)
    model = PredRNN(4, 4, PredRNNConfig(layers=1, hidden=8))
    cfg = LossConfig(loss=loss, loss_latent_weight=latent_weight, gdl_weight=0.5 if loss == "pixels" else 0.0)
    fn = make_loss(cfg, space, pool)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    values = []
    for _ in range(30):
        value = fn(model(frames, 3, torch.ones(6, 3)), batch)
        optimizer.zero_grad()
        value.backward()
        optimizer.step()
        values.append(value.item())
    assert values[-1] < 0.8 * values[0]
    assert all(p.grad is not None for p in model.parameters())
    assert all(p.grad is None and not p.requires_grad for p in space.vqvae.parameters())


def test_a_loss_that_needs_a_codebook_is_refused_for_a_pixel_cell_with_one_line():
    """Issue 29: a base cell given `loss: codes` no longer trains on MSE without a word."""
    for name, loss in LOSSES.items():
        for mode in MODES.values():
            if loss.needs_codebook and mode.pixels:
                with pytest.raises(UserError, match=rf"'train.p.loss' is {name}, which needs a codebook"):
                    check_loss_applies(name, mode, "train.p")
            else:
                check_loss_applies(name, mode, "train.p")
    assert any(loss.needs_codebook for loss in LOSSES.values()) and any(m.pixels for m in MODES.values())
