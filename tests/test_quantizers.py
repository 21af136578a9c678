"""The VQ-VAE's quantizers: the paper's codebook and the library's cosine codes and FSQ offer the same
codebook to everything downstream (codes, their vectors, snapping, the codes loss's distances)."""

from __future__ import annotations

import pytest
import torch

from modpred.errors import UserError
from modpred.models.quantizers import QUANTIZERS
from modpred.models.vqvae import VQVAE, VQVAEConfig, vqvae_config
from modpred.training.losses import code_spacing

CODES = {"vq": 32, "cosine": 32, "fsq": 4 * 4 * 3}
LEVELS = [4, 4, 3]


def _vqvae(quantizer: str) -> VQVAE:
    torch.manual_seed(0)
    cfg = VQVAEConfig(
        in_channels=3,
        hidden=8,
        res_hidden=4,
        code_dim=6,
        quantizer=quantizer,
        num_codes=CODES[quantizer],
        levels=tuple(LEVELS),
        lookup_dim=4,
    )
    return VQVAE(cfg)


@pytest.mark.parametrize("quantizer", QUANTIZERS)
def test_every_quantizer_trains_encodes_and_snaps_its_own_codes_to_themselves(quantizer):
    model = _vqvae(quantizer)
    x = torch.rand(8, 3, 16, 16)
    optimizer = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=1e-2)
    losses = []
    for _ in range(15):
        recon, vq_loss, _ = model(x)
        loss = torch.nn.functional.mse_loss(recon, x) + vq_loss
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert losses[-1] < losses[0]
    model.eval()
    with torch.no_grad():
        codes = model.encode(x)
        assert codes.shape == (8, 4, 4) and int(codes.max()) < model.cfg.num_codes
        vectors = model.codebook.lookup(codes)
        assert vectors.shape == (8, 6, 4, 4)
        torch.testing.assert_close(model.decoder(vectors), model(x)[0])  # the codes' vectors are what it decodes
        assert torch.equal(model.quantize(vectors), vectors)  # a code vector snaps to itself
        nudged = model.quantize(vectors + 1e-4 * torch.randn_like(vectors))
        assert torch.equal(nudged, vectors)
        distances = model.codebook.distances(vectors.permute(0, 2, 3, 1))
        assert distances.shape == (8, 4, 4, model.cfg.num_codes)
        assert torch.equal(distances.argmin(-1), codes) or quantizer != "vq"
    assert code_spacing(model.codebook, torch.unique(codes).numpy()) > 0


def test_the_paper_quantizer_is_the_default_and_unchanged():
    assert VQVAEConfig().quantizer == "vq"
    torch.manual_seed(0)
    model = VQVAE(VQVAEConfig(in_channels=1, hidden=256, res_hidden=32, res_layers=2, num_codes=512, code_dim=64))
    assert sum(p.numel() for p in model.parameters()) == 2_169_025  # the paper profile's 2.17M


def test_fsq_codes_are_the_product_of_its_levels_and_bad_levels_are_refused():
    with pytest.raises(UserError, match=r"num_codes \(64\) must be the product of fsq levels \[8, 8, 8, 6, 5\]: 15360"):
        vqvae_config({"quantizer": "fsq", "num_codes": 64}, {}, 1, "mmnist")
    with pytest.raises(UserError, match="levels must be integers of at least 2"):
        vqvae_config({"quantizer": "fsq", "num_codes": 8, "levels": [8, 1]}, {}, 1, "mmnist")
    with pytest.raises(UserError, match=r"unknown vqvae\.model\.quantizer 'rvq'"):
        vqvae_config({"quantizer": "rvq"}, {}, 1, "mmnist")
    cfg = vqvae_config({"quantizer": "fsq", "num_codes": 48, "levels": LEVELS}, {}, 3, "videos")
    assert cfg.levels == (4, 4, 3) and VQVAE(cfg).codebook.num_codes == 48


def test_a_checkpoint_of_each_quantizer_rebuilds_the_same_model():
    for quantizer in QUANTIZERS:
        model = _vqvae(quantizer).eval()
        again = VQVAE.from_state(model.state()).eval()
        x = torch.rand(2, 3, 16, 16)
        with torch.no_grad():
            assert torch.equal(model(x)[0], again(x)[0])
