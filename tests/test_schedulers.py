"""Learning-rate schedulers: closed forms, what they do to the optimizer, SequentialLR, errors."""

import math

import numpy as np
import pytest

from nnfs import Parameter
from nnfs.optim import (
    SGD,
    Adam,
    CosineAnnealingLR,
    LinearLR,
    LRScheduler,
    SequentialLR,
    StepLR,
    linear_warmup_decay,
)


def _sgd(lr=0.1):
    return SGD([Parameter(np.zeros(2))], lr=lr)


def _rates(scheduler, steps):
    """The learning rate of steps 0..steps (step 0 is set at construction)."""
    rates = [scheduler.get_last_lr()[0]]
    for _ in range(steps):
        scheduler.optimizer.step()
        scheduler.step()
        rates.append(scheduler.get_last_lr()[0])
        assert scheduler.optimizer.lr == rates[-1]
    return np.array(rates)


def test_step_lr_divides_every_step_size_steps():
    rates = _rates(StepLR(_sgd(0.1), step_size=3, gamma=0.5), 10)
    expected = [0.1] * 3 + [0.05] * 3 + [0.025] * 3 + [0.0125] * 2
    np.testing.assert_allclose(rates, expected, rtol=1e-15)


def test_cosine_goes_from_base_to_eta_min_in_t_max_steps_then_climbs_back():
    rates = _rates(CosineAnnealingLR(_sgd(0.1), T_max=10, eta_min=0.001), 20)
    t = np.arange(21)
    np.testing.assert_allclose(rates, 0.001 + 0.099 * (1 + np.cos(np.pi * t / 10)) / 2)
    assert rates[0] == 0.1 and rates[10] == pytest.approx(0.001, rel=1e-12)
    assert rates[5] == pytest.approx((0.1 + 0.001) / 2, rel=1e-12)  # halfway: the mean
    assert np.all(np.diff(rates[:11]) < 0) and np.all(np.diff(rates[10:]) > 0)


def test_linear_warm_up_rises_to_the_base_rate_and_stays():
    rates = _rates(LinearLR(_sgd(0.2), start_factor=0.1, end_factor=1.0, total_iters=4), 8)
    np.testing.assert_allclose(rates, 0.2 * np.array([0.1, 0.325, 0.55, 0.775, 1, 1, 1, 1, 1]))


def test_linear_decay_with_end_factor_below_one():
    rates = _rates(LinearLR(_sgd(1.0), start_factor=1.0, end_factor=0.0, total_iters=5), 7)
    np.testing.assert_allclose(rates, [1.0, 0.8, 0.6, 0.4, 0.2, 0.0, 0.0, 0.0], atol=1e-15)


def test_a_scheduler_sets_the_rate_of_step_zero_at_construction():
    opt = _sgd(0.3)
    LinearLR(opt, start_factor=0.5, total_iters=2)
    assert opt.lr == 0.15 and opt.initial_lr == 0.3


def test_every_scheduler_of_an_optimizer_starts_from_its_initial_lr():
    opt = _sgd(0.3)
    LinearLR(opt, start_factor=0.5, total_iters=2)  # opt.lr is now 0.15
    cosine = CosineAnnealingLR(opt, T_max=4)
    assert cosine.base_lr == 0.3 and opt.lr == 0.3


def test_the_rate_reaches_the_updates():
    p = Parameter(np.zeros(1))
    opt = SGD([p], lr=1.0)
    scheduler = StepLR(opt, step_size=1, gamma=0.5)
    for _ in range(4):
        p.grad[...] = 1.0
        opt.step()
        scheduler.step()
    assert p.data[0] == pytest.approx(-(1 + 0.5 + 0.25 + 0.125), rel=1e-15)


def test_sequential_warm_up_then_cosine_restarts_the_cosine_at_the_milestone():
    opt = _sgd(0.1)
    warmup = LinearLR(opt, start_factor=0.2, total_iters=4)
    cosine = CosineAnnealingLR(opt, T_max=6, eta_min=0.01)
    seq = SequentialLR(opt, [warmup, cosine], milestones=[4])
    assert opt.lr == pytest.approx(0.02)  # SequentialLR resets to the first scheduler's step 0
    rates = _rates(seq, 12)
    expected = [0.1 * (0.2 + 0.8 * t / 4) for t in range(4)]
    expected += [0.01 + 0.09 * (1 + math.cos(math.pi * t / 6)) / 2 for t in range(9)]
    np.testing.assert_allclose(rates, expected, rtol=1e-14)
    assert rates[4] == pytest.approx(0.1)  # the cosine's own step 0: the base rate
    assert cosine.last_epoch == 8 and seq.last_epoch == 12
    np.testing.assert_allclose([seq.lr_at(t) for t in range(13)], rates, rtol=1e-15)


def test_sequential_with_three_schedulers():
    opt = _sgd(1.0)
    parts = [
        LinearLR(opt, start_factor=0.5, total_iters=2),
        StepLR(opt, step_size=2, gamma=0.5),
        CosineAnnealingLR(opt, T_max=2),
    ]
    rates = _rates(SequentialLR(opt, parts, milestones=[3, 7]), 9)
    np.testing.assert_allclose(
        rates, [0.5, 0.75, 1.0, 1.0, 1.0, 0.5, 0.5, 1.0, 0.5, 0.0], atol=1e-15
    )


def test_lr_at_equals_the_stepped_rates():
    for make in (
        lambda o: StepLR(o, 4, gamma=0.3),
        lambda o: CosineAnnealingLR(o, 7, eta_min=0.002),
        lambda o: LinearLR(o, 0.25, 0.75, 6),
    ):
        scheduler = make(_sgd(0.1))
        closed = [scheduler.lr_at(t) for t in range(15)]
        np.testing.assert_array_equal(_rates(scheduler, 14), closed)


def test_schedulers_drive_any_optimizer():
    opt = Adam([Parameter(np.zeros(2))], lr=0.01)
    scheduler = StepLR(opt, step_size=1, gamma=0.1)
    opt.step()
    scheduler.step()
    assert opt.lr == pytest.approx(0.001)


@pytest.mark.parametrize(
    ("make", "error", "message"),
    [
        (lambda o: StepLR(o, step_size=0), ValueError, "StepLR: step_size"),
        (lambda o: StepLR(o, step_size=2.5), TypeError, "StepLR: step_size expected an integer"),
        (lambda o: StepLR(o, 2, gamma=0.0), ValueError, "StepLR: gamma"),
        (lambda o: CosineAnnealingLR(o, T_max=0), ValueError, "CosineAnnealingLR: T_max"),
        (lambda o: CosineAnnealingLR(o, 5, eta_min=-0.1), ValueError, "CosineAnnealingLR: eta"),
        (lambda o: LinearLR(o, start_factor=0.0), ValueError, "LinearLR: start_factor"),
        (lambda o: LinearLR(o, start_factor=1.5), ValueError, "LinearLR: start_factor"),
        (lambda o: LinearLR(o, end_factor=-0.1), ValueError, "LinearLR: end_factor"),
        (lambda o: LinearLR(o, total_iters=0), ValueError, "LinearLR: total_iters"),
        (lambda o: StepLR("sgd", 2), TypeError, "StepLR: optimizer expected an nnfs.optim"),
        (lambda o: SequentialLR(o, [], []), ValueError, "SequentialLR: schedulers expected"),
        (
            lambda o: SequentialLR(o, [StepLR(o, 2), StepLR(o, 3)], []),
            ValueError,
            "SequentialLR: milestones expected 1 entries",
        ),
        (
            lambda o: SequentialLR(o, [StepLR(o, 2), StepLR(_sgd(), 3)], [4]),
            ValueError,
            r"SequentialLR: schedulers\[1\] \(StepLR\) expected to belong",
        ),
        (
            lambda o: SequentialLR(o, [StepLR(o, 2), StepLR(o, 3), StepLR(o, 4)], [5, 5]),
            ValueError,
            r"SequentialLR: milestones\[1\] expected an integer >= 6",
        ),
        (
            lambda o: SequentialLR(o, [StepLR(o, 2), StepLR(o, 3)], [0]),
            ValueError,
            r"SequentialLR: milestones\[0\] expected an integer >= 1",
        ),
        (lambda o: SequentialLR(o, [o], []), TypeError, r"SequentialLR: schedulers\[0\]"),
    ],
)
def test_bad_scheduler_arguments_raise_naming_the_scheduler(make, error, message):
    with pytest.raises(error, match=message):
        make(_sgd())


def test_the_base_class_has_no_schedule():
    with pytest.raises(NotImplementedError, match="LRScheduler does not define lr_at"):
        LRScheduler(_sgd())


@pytest.mark.parametrize("steps, warmup", [(16, 0.1), (100, 0.1), (10, 0.0), (7, 0.5)])
def test_linear_warmup_decay_rises_to_the_peak_then_falls_to_zero(steps, warmup):
    """Step k of `steps` (from 1) runs at k / r of the peak for k <= r, then (steps - k) /
    (steps - r), with r = max(1, round(warmup * steps))."""
    r = max(1, round(warmup * steps))
    expected = [k / r if k <= r else (steps - k) / (steps - r) for k in range(1, steps + 1)]
    rates = _rates(linear_warmup_decay(_sgd(lr=1.0), steps, warmup), steps - 1)
    np.testing.assert_allclose(rates, expected, rtol=1e-12, atol=1e-15)


def test_linear_warmup_decay_checks_its_arguments():
    with pytest.raises(ValueError, match="linear_warmup_decay: steps"):
        linear_warmup_decay(_sgd(), 1)
    with pytest.raises(ValueError, match="linear_warmup_decay: warmup"):
        linear_warmup_decay(_sgd(), 10, warmup=1.0)
