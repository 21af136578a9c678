import math

import pytest
import torch

from modpred.errors import UserError
from modpred.models.predrnn import PredRNN, PredRNNConfig
from modpred.models.tctn import TCTN, TCTNConfig
from modpred.training.trainer import TrainConfig, sampling_probabilities, teacher_mask, teacher_probability, train_loop


def _fixed_batch(gen: torch.Generator) -> torch.Tensor:
    t = torch.linspace(0, 1, 6)
    return (torch.sin(6 * t)[None, :, None, None, None] * torch.ones(2, 6, 2, 4, 4) + 1) / 2


def test_teacher_probability_schedule():
    assert [teacher_probability(i, 4) for i in (0, 1, 4, 9)] == [1.0, 0.75, 0.0, 0.0]
    assert teacher_probability(0, 0) == 0.0


def test_reverse_scheduled_sampling_follows_the_official_schedule():
    cfg = TrainConfig(sampling="reverse", r_sampling_step_1=25000, r_sampling_step_2=50000, r_exp_alpha=2500)
    assert sampling_probabilities(0, cfg) == (0.5, 0.5)
    r_eta, eta = sampling_probabilities(37500, cfg)
    assert r_eta == pytest.approx(1 - 0.5 * math.exp(-5)) and eta == pytest.approx(0.25)
    assert sampling_probabilities(50000, cfg) == (1.0, 0.0)
    mask = teacher_mask(1000, 20, 10, cfg, 0, torch.Generator().manual_seed(0))
    assert mask.shape == (1000, 18) and 0.45 < mask.mean() < 0.55
    scheduled = teacher_mask(50, 20, 10, TrainConfig(sampling_stop_iter=10), 10, torch.Generator())
    assert scheduled[:, :9].eq(1).all() and scheduled[:, 9:].eq(0).all()  # true inputs, then predictions


@pytest.mark.parametrize(
    "model_fn",
    [
        lambda: PredRNN(2, 4, PredRNNConfig(layers=1, hidden=8)),
        lambda: TCTN(2, 4, TCTNConfig(layers=1, hidden=8, heads=2)),
    ],
)
def test_real_training_steps_reduce_the_loss(model_fn):
    torch.manual_seed(0)
    model = model_fn()
    cfg = TrainConfig(iters=40, batch=2, lr=0.01, sampling_stop_iter=20, log_every=1)
    result = train_loop(model, _fixed_batch, 3, cfg, torch.device("cpu"))
    assert result.losses[-1][1] < 0.5 * result.losses[0][1]
    assert result.seconds_per_100_iters > 0 and result.memory["peak_memory_mib"] > 0


def test_training_is_deterministic_on_cpu():
    states = []
    for _ in range(2):
        torch.manual_seed(0)
        model = PredRNN(2, 4, PredRNNConfig(layers=1, hidden=4))
        train_loop(model, _fixed_batch, 3, TrainConfig(iters=5, batch=2, sampling_stop_iter=3), torch.device("cpu"))
        states.append(model.state_dict())
    for key in states[0]:
        assert torch.equal(states[0][key], states[1][key])


def test_non_finite_loss_stops_with_a_clear_error():
    model = PredRNN(2, 4, PredRNNConfig(layers=1, hidden=4))
    with pytest.raises(UserError, match="diverged at iteration 0"):
        train_loop(
            model, lambda g: torch.full((2, 6, 2, 4, 4), float("nan")), 3, TrainConfig(iters=3), torch.device("cpu")
        )


@pytest.mark.parametrize("cls", ["predrnn", "tctn"])
def test_channels_last_changes_layout_not_results(cls):
    from modpred.training.trainer import to_channels_last

    torch.manual_seed(0)
    make = {
        "predrnn": lambda: PredRNN(2, 4, PredRNNConfig(layers=1, hidden=8)),
        "tctn": lambda: TCTN(2, 4, TCTNConfig(layers=1, hidden=8, heads=2)),
    }[cls]
    model = make().eval()
    frames = torch.randn(2, 6, 2, 4, 4)
    before = model(frames, 3)
    to_channels_last(model)
    conv = next(m for m in model.modules() if isinstance(m, (torch.nn.Conv2d, torch.nn.Conv3d)))
    fmt = torch.channels_last if conv.weight.ndim == 4 else torch.channels_last_3d
    assert conv.weight.is_contiguous(memory_format=fmt)
    torch.testing.assert_close(model(frames, 3), before, rtol=1e-5, atol=1e-5)


def test_bf16_autocast_trains():
    torch.manual_seed(0)
    model = PredRNN(2, 4, PredRNNConfig(layers=1, hidden=8))
    cfg = TrainConfig(iters=30, batch=2, lr=0.01, log_every=1, amp="bf16", channels_last=True)
    result = train_loop(model, _fixed_batch, 3, cfg, torch.device("cpu"))
    assert all(math.isfinite(v) for _, v in result.losses)
    assert result.losses[-1][1] < 0.5 * result.losses[0][1]


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_gpu_training_with_bf16_channels_last_and_resident_data():
    from modpred.training.compute import place_dataset

    device = torch.device("cuda")
    data = place_dataset(torch.randint(0, 256, (16, 6, 2, 4, 4), dtype=torch.uint8), device)
    assert data.device.type == "cuda"  # small enough to live on the GPU
    model = PredRNN(2, 4, PredRNNConfig(layers=1, hidden=8)).to(device)
    cfg = TrainConfig(iters=20, batch=4, lr=0.01, amp="bf16", channels_last=True)
    result = train_loop(
        model, lambda g: data[torch.randint(16, (4,), generator=g).to(device)].float() / 255, 3, cfg, device
    )
    assert all(math.isfinite(v) for _, v in result.losses)
    assert result.memory["memory_kind"] == "cuda_max_allocated"
