import torch

from modpred.models.registry import count_params
from modpred.models.spaces import PixelSpace, patchify, unpatchify
from modpred.models.vqvae import VQVAE, VQVAEConfig

PAPER = VQVAEConfig(in_channels=1, hidden=256, res_hidden=32, res_layers=2, num_codes=512, code_dim=64)


def test_paper_profile_has_the_papers_2_17m_parameters():
    assert count_params(VQVAE(PAPER)) == 2_169_025


def test_vqvae_shapes_nearest_codes_and_straight_through_gradient():
    torch.manual_seed(0)
    model = VQVAE(VQVAEConfig(hidden=16, res_hidden=8, num_codes=10, code_dim=4))
    x = torch.rand(3, 1, 64, 64)
    recon, loss, idx = model(x)
    assert recon.shape == x.shape and idx.shape == (3, 16, 16) and loss.ndim == 0
    z = model.encoder(x).permute(0, 2, 3, 1).reshape(-1, 4)
    brute = torch.cdist(z, model.codebook.embedding.weight).argmin(1)
    assert torch.equal(idx.flatten(), brute)
    (recon.mean() + loss).backward()
    assert model.encoder.net[0].weight.grad.abs().sum() > 0  # gradient reaches the encoder through the quantiser
    assert model.codebook.embedding.weight.grad.abs().sum() > 0


def test_patchify_is_lossless_and_matches_official_layout():
    x = torch.arange(2 * 3 * 1 * 8 * 8, dtype=torch.float32).view(2, 3, 1, 8, 8)
    p = patchify(x, 4)
    assert p.shape == (2, 3, 16, 2, 2)
    assert p[0, 0, 1, 0, 0] == x[0, 0, 0, 0, 1]  # channel index = row-in-patch * p + col-in-patch
    assert p[0, 0, 4, 0, 0] == x[0, 0, 0, 1, 0]
    torch.testing.assert_close(unpatchify(p, 4), x)
    space = PixelSpace(patch=4, image=8)
    frames = torch.randint(0, 256, (2, 3, 1, 8, 8), dtype=torch.uint8)
    torch.testing.assert_close(space.decode(space.encode(frames)), frames.float() / 255)
