import numpy as np
import pytest
import torch
import yaml

from modpred.errors import UserError
from modpred.evaluation.oracle import reconstruct_future
from modpred.models import count_params
from modpred.models.spaces import PixelSpace, patchify, unpatchify
from modpred.models.vqvae import VQVAE, VQVAEConfig, vqvae_config
from tests.helpers import ROOT

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


def _encoder_rows(model, x):
    return model.encoder(x).permute(0, 2, 3, 1).reshape(-1, model.cfg.code_dim).detach()


def test_codebook_options_keep_the_parameter_count():
    import dataclasses

    for options in ({"ema": True}, {"init_from_data": True}, {"restart_dead_after": 5}):
        assert count_params(VQVAE(dataclasses.replace(PAPER, **options)), trainable=False) == 2_169_025


def test_init_from_data_puts_every_code_on_an_encoder_output():
    torch.manual_seed(0)
    model = VQVAE(VQVAEConfig(hidden=16, res_hidden=8, num_codes=10, code_dim=4, init_from_data=True)).train()
    x = torch.rand(2, 1, 64, 64)
    rows = _encoder_rows(model, x)
    model(x)
    assert torch.cdist(model.codebook.embedding.weight.detach(), rows).min(1).values.max() < 1e-3


def test_ema_moves_used_codes_towards_their_encoder_outputs_without_gradients():
    torch.manual_seed(0)
    model = VQVAE(VQVAEConfig(hidden=16, res_hidden=8, num_codes=10, code_dim=4, ema=True, decay=0.5)).train()
    assert not model.codebook.embedding.weight.requires_grad
    x = torch.rand(2, 1, 64, 64)
    rows = _encoder_rows(model, x)
    before = model.codebook.embedding.weight.detach().clone()
    _, _, idx = model(x)
    used = idx.flatten().unique()
    after = model.codebook.embedding.weight.detach()
    for k in used:
        mean = rows[idx.flatten() == k].mean(0)
        assert (after[k] - mean).norm() < (before[k] - mean).norm()


def test_dead_codes_restart_on_encoder_outputs():
    torch.manual_seed(0)
    cfg = VQVAEConfig(hidden=16, res_hidden=8, num_codes=10, code_dim=4, restart_dead_after=1)
    model = VQVAE(cfg).train()
    with torch.no_grad():
        model.codebook.embedding.weight[1:] = 1e3  # codes 1..9 are far from everything: dead
    x = torch.rand(2, 1, 64, 64)
    rows = _encoder_rows(model, x)
    model(x)
    restarted = model.codebook.embedding.weight.detach()[1:]
    assert torch.cdist(restarted, rows).min(1).values.max() < 1e-3


def test_degenerate_vqvae_params_are_user_errors_naming_the_key():
    import pytest

    from modpred.errors import UserError
    from modpred.params import build_config

    for bad, message in (
        ({"decay": 1.5}, r"'vqvae\.model\.decay' must be in \(0, 1\)"),
        ({"num_codes": 1}, r"'vqvae\.model\.num_codes' must be at least 2"),
        ({"restart_dead_after": -1}, r"'vqvae\.model\.restart_dead_after' must be at least 0"),
        ({"beta": float("inf")}, r"'vqvae\.model\.beta' must be a finite number"),
        ({"beta": float("nan")}, r"'vqvae\.model\.beta' must be a finite number"),
        ({"downsample": 2}, r"unknown vqvae\.model\.downsample '2': expected one of 4, 8"),
    ):
        with pytest.raises(UserError, match=message):
            build_config(VQVAEConfig, bad, "vqvae.model")


def test_encoder_is_sonnets_layout_and_width_128_gives_sonnets_count():
    from modpred.models.vqvae import ResidualStack

    model = VQVAE(VQVAEConfig(hidden=128, res_hidden=32, res_layers=2, num_codes=512, code_dim=64))
    kinds = [type(m).__name__ for m in model.encoder.net]
    assert kinds == ["Conv2d", "ReLU", "Conv2d", "ReLU", "Conv2d", "ReLU", "ResidualStack", "Conv2d"]
    assert isinstance(model.encoder.net[6], ResidualStack)
    assert sum(p.numel() for p in model.parameters()) == 691_393  # the Sonnet example, one input channel


def test_downsample_8_adds_one_stride_2_stage_each_way_and_an_8x8_latent_space():
    """Issue 20: `downsample: 8` gives 8x8 codes of a 64x64 frame; the paper's 4 keeps its layout and count."""
    from modpred.models.spaces import LatentSpace

    torch.manual_seed(0)
    cfg = VQVAEConfig(hidden=16, res_hidden=8, num_codes=10, code_dim=4, downsample=8)
    model = VQVAE(cfg)
    x = torch.rand(3, 1, 64, 64)
    recon, _, idx = model(x)
    assert recon.shape == x.shape and idx.shape == (3, 8, 8) and model.grid(64) == 8
    four = VQVAE(VQVAEConfig(hidden=16, res_hidden=8, num_codes=10, code_dim=4))
    assert len(model.encoder.net) == len(four.encoder.net) + 2 and len(model.decoder.net) == len(four.decoder.net) + 2
    extra = 16 * 16 * 16 + 16  # one 4x4 h -> h convolution, each way
    assert count_params(model) == count_params(four) + 2 * extra
    space = LatentSpace(model, image=64)
    assert space.shape(10).grid == 8
    frames = (torch.rand(2, 3, 1, 64, 64) * 255).to(torch.uint8)
    z = space.encode(frames)
    assert z.shape == (2, 3, 4, 8, 8) and space.decode(z).shape == (2, 3, 1, 64, 64)
    assert VQVAE.from_state(model.state()).grid(64) == 8  # the factor travels in the checkpoint


def test_a_downsample_that_does_not_divide_the_frames_is_one_line():
    import numpy as np
    import pytest

    from modpred.errors import UserError
    from modpred.training.vqvae import VQVAETrainConfig, pretrain_vqvae

    frames = np.zeros((2, 3, 1, 36, 36), np.uint8)  # 36 = 4 x 9: fine at 4, not at 8
    with pytest.raises(UserError, match=r"'vqvae\.model\.downsample' \(8\) must divide the frame size 36x36"):
        pretrain_vqvae(frames, VQVAEConfig(downsample=8), VQVAETrainConfig(iters=1), torch.device("cpu"))


def test_a_collapsed_codebook_is_recorded_and_warned_of(caplog):
    """Issue 27: blank frames use one code of 64: the log warns, vqvae.json says so, the report's VQ-VAE line too."""
    import dataclasses

    import numpy as np

    from modpred.reporting.report import vqvae_lines
    from modpred.training.vqvae import Pretrained, vqvae_quality

    torch.manual_seed(0)
    model = VQVAE(VQVAEConfig(hidden=16, res_hidden=8, num_codes=64, code_dim=4)).eval()
    blank = np.zeros((4, 5, 1, 16, 16), np.uint8)
    with torch.no_grad():
        quality = vqvae_quality(Pretrained(model, [], 0), blank, torch.device("cpu"), 20)
    assert quality.codes_used == 1 and quality.collapsed and quality.params == count_params(model)
    assert "codebook collapsed: 1 of 64 codes" in caplog.text
    assert vqvae_lines(quality)[0].startswith("**Warning: the codebook collapsed** (1 of 64 codes in use)")
    assert not vqvae_lines(dataclasses.replace(quality, collapsed=False))[0].startswith("**Warning")


def test_the_oracle_is_the_vqvae_reconstruction_of_the_true_future_frames_only():
    torch.manual_seed(0)
    model = VQVAE(VQVAEConfig(hidden=16, res_hidden=8, num_codes=10, code_dim=4)).eval()
    sequences = np.random.default_rng(0).integers(0, 256, (2, 6, 1, 32, 32), dtype=np.uint8)
    predict = reconstruct_future(model, 2, torch.device("cpu"))
    oracle = predict(sequences)
    assert oracle.shape == (2, 2, 1, 32, 32) and 0 <= oracle.min() and oracle.max() <= 1
    blanked = sequences.copy()
    blanked[:, :4] = 0
    np.testing.assert_array_equal(predict(blanked), oracle)  # the inputs play no part
    with torch.no_grad():
        recon, _, _ = model(torch.from_numpy(sequences[:, 4:].reshape(4, 1, 32, 32)).float() / 255)
    np.testing.assert_allclose(oracle.reshape(4, 1, 32, 32), recon.clamp(0, 1).numpy(), atol=1e-5)


def test_a_dataset_overrides_the_vqvae_keys_it_names_and_only_those():
    """Issue 27: `data.<ds>.vqvae` changes the VQ-VAE of one dataset; each section's errors name it."""
    model = {"hidden": 16, "num_codes": 32, "downsample": 8}
    cfg = vqvae_config(model, {"downsample": 4, "restart_dead_after": 20}, 3, "videos")
    assert (cfg.downsample, cfg.restart_dead_after, cfg.num_codes, cfg.hidden, cfg.in_channels) == (4, 20, 32, 16, 3)
    assert vqvae_config(model, {}, 1, "mmnist") == VQVAEConfig(hidden=16, num_codes=32, downsample=8)
    for overrides, error in (
        ({"downsample": 2}, r"'data\.videos\.vqvae\.downsample'|data\.videos\.vqvae\.downsample '2'"),
        ({"num_code": 64}, r"data\.videos\.vqvae\.num_code"),
        ({"in_channels": 3}, r"'data\.videos\.vqvae\.in_channels' must go"),
    ):
        with pytest.raises(UserError, match=error):
            vqvae_config(model, overrides, 1, "videos")


def test_the_videos_default_vqvae_is_the_one_the_real_footage_runs_used():
    """Each committed footage run's profile, applied to today's params, gives the VQ-VAE it used; the videos
    default is the dashcam run's (the real-footage profile pins the older recipe it ran)."""
    default = yaml.safe_load((ROOT / "params.yaml").read_text())
    ours = vqvae_config(default["vqvae"]["model"], default["data"]["videos"]["vqvae"], 3, "videos")
    from modpred.profiles import apply_profile, load_profile

    for run in ("real_footage", "driving"):  # each run's profile on today's defaults gives the VQ-VAE it used
        used = yaml.safe_load((ROOT / f"metrics/experiments/{run}/params.yaml").read_text())
        now = apply_profile(default, load_profile(run, ROOT / "profiles"))
        again = vqvae_config(now["vqvae"]["model"], now["data"]["videos"]["vqvae"], 3, "videos")
        assert vqvae_config(used["vqvae"]["model"], used["data"]["videos"].get("vqvae", {}), 3, "videos") == again, run
    driving = yaml.safe_load((ROOT / "metrics/experiments/driving/params.yaml").read_text())
    assert vqvae_config(driving["vqvae"]["model"], driving["data"]["videos"]["vqvae"], 3, "videos") == ours
    assert ours != vqvae_config(default["vqvae"]["model"], default["data"]["mmnist"]["vqvae"], 3, "mmnist")
