import contextlib
import itertools
import json
import math
from collections.abc import Iterator

import pytest
import torch

from modpred.errors import UserError
from modpred.models.contract import TrainOutput
from modpred.models.predictors.predrnn import PredRNN, PredRNNConfig
from modpred.models.predictors.tctn import TCTN, TCTNConfig
from modpred.training.curves import LiveCurves, read_loss_curve, read_validation_curve
from modpred.training.resume import ResumeState
from modpred.training.sampling import sampling_probabilities, teacher_mask, teacher_probability
from modpred.training.trainer import LoopHooks, TrainConfig, train_loop


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
    assert result.seconds_per_100_iters > 0 and result.memory.peak_mib > 0


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
    before = model(frames, 3).pred
    to_channels_last(model)
    conv = next(m for m in model.modules() if isinstance(m, (torch.nn.Conv2d, torch.nn.Conv3d)))
    fmt = torch.channels_last if conv.weight.ndim == 4 else torch.channels_last_3d
    assert conv.weight.is_contiguous(memory_format=fmt)
    torch.testing.assert_close(model(frames, 3).pred, before, rtol=1e-5, atol=1e-5)


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
    assert result.memory.kind == "cuda_max_allocated"


class _Recorder(torch.nn.Module):
    """A one-parameter predictor that records every batch it is trained on."""

    def __init__(self) -> None:
        super().__init__()
        self.scale = torch.nn.Parameter(torch.ones(()))
        self.seen: list[torch.Tensor] = []

    def forward(self, frames, input_len, teacher=None):
        self.seen.append(frames.detach().clone())
        return TrainOutput(frames[:, :-1] * self.scale, 1)


@contextlib.contextmanager
def _adam_steps() -> Iterator[list[float]]:
    """Records the learning rate of every Adam optimizer step taken inside the block."""
    rates: list[float] = []
    original = torch.optim.Adam.step

    def record(self, *args, **kwargs):
        rates.append(self.param_groups[0]["lr"])
        return original(self, *args, **kwargs)

    torch.optim.Adam.step = record
    try:
        yield rates
    finally:
        torch.optim.Adam.step = original


def test_time_reversal_adds_a_second_step_on_the_reversed_batch():
    """As the official trainers: model.train(ims), then model.train(flip(ims, time)), loss averaged."""
    model = _Recorder()
    cfg = TrainConfig(iters=3, batch=2, reverse_input=True, log_every=1)
    with _adam_steps() as rates:
        train_loop(model, lambda g: torch.rand(2, 6, 2, 4, 4, generator=g), 3, cfg, torch.device("cpu"))
    assert len(rates) == 6 and len(model.seen) == 6  # two optimizer steps per iteration
    for forward, backward in zip(model.seen[0::2], model.seen[1::2], strict=True):
        assert torch.equal(backward, forward.flip(1))


def test_cosine_warm_restarts_follow_t0_and_tmult():
    model = _Recorder()
    cfg = TrainConfig(iters=12, batch=2, lr=1.0, lr_schedule="cosine_restarts", restart_period=4, restart_mult=2)
    with _adam_steps() as rates:
        train_loop(model, lambda g: torch.rand(2, 6, 2, 4, 4, generator=g), 3, cfg, torch.device("cpu"))
    assert rates[0] == 1.0 and rates[4] == 1.0  # restart after T_0 = 4 iterations ...
    assert rates[4 + 8 - 1] < rates[5] < 1.0 and len(rates) == 12  # ... then a period of 8
    assert rates[2] == pytest.approx(0.5)  # cos schedule: half way through the first period


def test_best_iterate_selection_keeps_the_best_weights_not_the_last():
    torch.manual_seed(0)
    model = PredRNN(2, 4, PredRNNConfig(layers=1, hidden=4))
    scores = iter([0.9, 0.2, 0.5, 0.7])  # the best (lowest) is the second of four validations
    snapshots = {}

    def validate(m):
        iteration = 2 * (len(snapshots) + 1)
        snapshots[iteration] = {k: v.clone() for k, v in m.state_dict().items()}
        return {"lpips": next(scores), "mse_frame": 1.0}

    cfg = TrainConfig(iters=8, batch=2, lr=0.01, val_every=2, select_by="lpips")
    result = train_loop(model, _fixed_batch, 3, cfg, torch.device("cpu"), LoopHooks(validate=validate))
    assert result.selection.best_iteration == 4 and result.selection.best_score == 0.2
    assert [row["iteration"] for row in result.selection.curve] == [2, 4, 6, 8]
    for key, value in model.state_dict().items():
        assert torch.equal(value, snapshots[4][key])
    assert not all(torch.equal(v, snapshots[8][k]) for k, v in model.state_dict().items())
    higher = TrainConfig(iters=4, batch=2, val_every=2, select_by="ssim")
    result = train_loop(
        model, _fixed_batch, 3, higher, torch.device("cpu"), LoopHooks(validate=lambda m: {"ssim": 0.5})
    )
    assert result.selection.best_iteration == 2  # ties keep the earlier iterate


def test_a_model_that_starts_from_copying_is_scored_untrained_and_kept_if_training_only_hurts():
    """validate_start: iteration 0 (copy-last, for start copy) is a candidate of best-iterate selection."""
    from modpred.models.contract import ModelShape
    from modpred.models.predictors.predrnn import build_predrnn

    torch.manual_seed(0)
    model = build_predrnn(ModelShape(2, 4, 3, "base", "copy"), PredRNNConfig(layers=1, hidden=4))
    untrained = {k: v.clone() for k, v in model.state_dict().items()}
    scores = iter([0.1, 0.5, 0.3])  # the untrained model scores best
    cfg = TrainConfig(iters=4, batch=2, lr=0.05, val_every=2, select_by="lpips")
    hooks = LoopHooks(validate=lambda m: {"lpips": next(scores)}, validate_start=True)
    result = train_loop(model, _fixed_batch, 3, cfg, torch.device("cpu"), hooks)
    assert [row["iteration"] for row in result.selection.curve] == [0, 2, 4]
    assert result.selection.best_iteration == 0
    assert all(torch.equal(v, untrained[k]) for k, v in model.state_dict().items())


def test_one_cycle_rises_to_lr_then_anneals():
    model = _Recorder()
    cfg = TrainConfig(iters=20, batch=2, lr=1.0, lr_schedule="onecycle", warmup_share=0.25)
    with _adam_steps() as rates:
        train_loop(model, lambda g: torch.rand(2, 6, 2, 4, 4, generator=g), 3, cfg, torch.device("cpu"))
    assert len(rates) == 20 and rates[0] == pytest.approx(1.0 / 25)  # OneCycleLR's start: max / 25
    peak = rates.index(max(rates))
    assert max(rates) == pytest.approx(1.0, rel=1e-3) and 3 <= peak <= 5  # a quarter of 20 iterations
    assert all(a < b for a, b in itertools.pairwise(rates[: peak + 1]))  # rising ...
    assert all(a > b for a, b in itertools.pairwise(rates[peak:]))  # ... then falling
    assert rates[-1] < 1e-3


def test_one_cycle_resumes_where_a_killed_run_stopped(tmp_path):
    """The schedule's position travels in the resume file: a run killed after its checkpoint ends as an unbroken one."""
    cfg = TrainConfig(iters=10, batch=2, lr=0.01, lr_schedule="onecycle", checkpoint_every=5, log_every=1)

    def run(kill_at: int | None) -> tuple[list[float], dict]:
        torch.manual_seed(0)
        model = PredRNN(2, 4, PredRNNConfig(layers=1, hidden=4))
        calls = iter(range(100))

        def sample(g: torch.Generator) -> torch.Tensor:
            if next(calls) == kill_at:
                raise KeyboardInterrupt
            return torch.rand(2, 6, 2, 4, 4, generator=g)

        resume = ResumeState(tmp_path / f"resume-{kill_at}.pt", {"params": "same"})
        with _adam_steps() as rates:
            try:
                train_loop(model, sample, 3, cfg, torch.device("cpu"), LoopHooks(resume=resume))
            except KeyboardInterrupt:
                torch.manual_seed(1)  # another process: nothing of the first survives but the file
                model = PredRNN(2, 4, PredRNNConfig(layers=1, hidden=4))
                calls = iter(range(100))
                train_loop(model, sample, 3, cfg, torch.device("cpu"), LoopHooks(resume=resume))
        return rates, model.state_dict()

    unbroken_rates, unbroken = run(None)
    killed_rates, resumed = run(7)
    assert killed_rates[:7] == unbroken_rates[:7] and killed_rates[7:] == unbroken_rates[5:]  # restarted at 5
    for key, value in unbroken.items():
        torch.testing.assert_close(resumed[key], value, atol=0, rtol=0)


def _live_run(folder, kill_at: int | None = None, resume_file=None, curves_class=LiveCurves) -> None:
    """A short run with validation whose curves go to DVCLive in `folder`; killed at draw `kill_at`,
    then resumed from its checkpoint by a fresh process's worth of objects."""
    cfg = TrainConfig(iters=9, batch=2, lr=0.01, log_every=2, checkpoint_every=4, val_sequences=2, val_every=3)
    calls = iter(range(100))

    def sample(g: torch.Generator) -> torch.Tensor:
        if next(calls) == kill_at:
            raise KeyboardInterrupt
        return torch.rand(2, 6, 2, 4, 4, generator=g)

    def validate(model: torch.nn.Module) -> dict[str, float]:
        return {"lpips": float(sum(p.abs().sum() for p in model.parameters())), "ssim": 0.5}

    resume = ResumeState(resume_file, {"params": "same"}) if resume_file else None
    for attempt in range(2):
        torch.manual_seed(0)
        model = PredRNN(2, 4, PredRNNConfig(layers=1, hidden=4))
        curves = curves_class(folder)
        try:
            hooks = LoopHooks(curves=curves, validate=validate, resume=resume)
            result = train_loop(model, sample, 3, cfg, torch.device("cpu"), hooks)
        except KeyboardInterrupt:
            assert attempt == 0
            calls = iter(range(100))
            continue
        curves.end(kept_iteration=result.selection.best_iteration)
        return


def test_the_curves_are_dvclive_step_files_that_grow_as_it_trains(tmp_path):
    """Issue 30: DVCLive writes each logged loss and validation at once (what `dvc exp show` and
    `dvc plots` read during a run), with the kept iterate in its summary at the end."""
    rows = []

    class Watched(LiveCurves):
        def loss(self, iteration: int, value: float) -> None:
            super().loss(iteration, value)
            rows.append(len((self.folder / "plots/metrics/loss.tsv").read_text().splitlines()))

    _live_run(tmp_path / "live", curves_class=Watched)
    assert rows == [2, 3, 4, 5, 6]  # the header, then one row per logged iteration (0, 2, 4, 6, 8), as it goes
    loss = read_loss_curve(tmp_path)
    assert loss.iteration.tolist() == [0, 2, 4, 6, 8]
    validation = read_validation_curve(tmp_path)
    assert validation is not None and validation.iteration.tolist() == [3, 6, 9]
    summary = json.loads((tmp_path / "live/metrics.json").read_text())
    assert summary["loss"] == loss.loss.iloc[-1] and "kept_iteration" in summary and summary["step"] == 9


def test_a_resumed_runs_curves_have_no_gap_and_no_repeat(tmp_path):
    """Killed at draw 7 (after the checkpoint at 4 iterations, with rows logged for iterations 4 and 6
    and a validation at 6), resumed: every step file equals an unbroken run's."""
    _live_run(tmp_path / "unbroken" / "live")
    _live_run(tmp_path / "broken" / "live", kill_at=7, resume_file=tmp_path / "resume.pt")
    files = sorted(p.relative_to(tmp_path / "unbroken") for p in (tmp_path / "unbroken").rglob("*.tsv"))
    assert len(files) == 3  # loss, validation/lpips, validation/ssim
    for path in files:
        assert (tmp_path / "broken" / path).read_text() == (tmp_path / "unbroken" / path).read_text(), path


def test_a_run_that_starts_at_zero_loss_is_not_called_diverged_by_a_small_change():
    """A model that starts from copying has loss 0 on frames that do not move: 100x of 0 is no threshold."""
    from modpred.training.divergence import DIVERGE_FACTOR, DIVERGE_FLOOR, DivergenceGuard

    guard = DivergenceGuard("lower train.x.lr")
    for iteration, loss in enumerate([0.0, 7.5e-6, 0.05, DIVERGE_FACTOR * DIVERGE_FLOOR * 0.99]):
        guard.check(iteration, loss)  # the KTH run's start: 0, then 7.5e-6 (stopped it before the floor)
    with pytest.raises(UserError, match="diverged at iteration 9"):
        guard.check(9, DIVERGE_FACTOR * DIVERGE_FLOOR * 1.01)
