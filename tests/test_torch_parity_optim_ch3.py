"""Chapter 3's additions against PyTorch: Nesterov, the four schedulers, clipping, and what
torch accepts or refuses where nnfs decides differently (each claim in a docstring checked)."""

import warnings

import numpy as np
import pytest

from nnfs import Parameter
from nnfs.optim import (
    SGD,
    Adam,
    CosineAnnealingLR,
    LinearLR,
    SequentialLR,
    StepLR,
    clip_grad_norm,
    clip_grad_value,
    minimize,
)
from tests.torch_utils import torch  # skips this module when torch is absent

sched = torch.optim.lr_scheduler


@pytest.mark.parametrize(
    ("lr", "momentum", "weight_decay"), [(0.01, 0.9, 0.0), (0.05, 0.5, 0.1), (0.1, 0.99, 0.0)]
)
def test_nesterov_trajectory_matches_torch(lr, momentum, weight_decay):
    A = np.array([[3.0, 0.5], [0.5, 0.2]])
    c = np.array([1.0, -1.0])
    x = Parameter(np.array([2.0, -3.0]))
    xt = torch.tensor([2.0, -3.0], dtype=torch.float64, requires_grad=True)
    ours = SGD([x], lr=lr, momentum=momentum, weight_decay=weight_decay, nesterov=True)
    theirs = torch.optim.SGD(
        [xt], lr=lr, momentum=momentum, weight_decay=weight_decay, nesterov=True
    )
    for step in range(40):
        x.grad[...] = A @ x.data - c
        ours.step()
        theirs.zero_grad()
        (0.5 * xt @ torch.from_numpy(A) @ xt - torch.from_numpy(c) @ xt).backward()
        theirs.step()
        np.testing.assert_allclose(
            x.data, xt.detach().numpy(), rtol=1e-12, atol=1e-14, err_msg=f"step {step + 1}"
        )


def test_nesterov_and_heavy_ball_updates_differ():
    # The comparison on the page means something only if the two updates really differ.
    path = minimize(lambda x: x, [1.0], SGD, steps=3, lr=0.5, momentum=0.9, nesterov=True)
    heavy = minimize(lambda x: x, [1.0], SGD, steps=3, lr=0.5, momentum=0.9)
    assert not np.allclose(path, heavy)


def _pair(lr=0.1):
    p = Parameter(np.zeros(1))
    pt = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    return SGD([p], lr=lr), torch.optim.SGD([pt], lr=lr)


def _compare(ours, theirs, steps=45):
    opt, opt_t = ours.optimizer, theirs.optimizer
    rates, rates_t = [opt.lr], [opt_t.param_groups[0]["lr"]]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # torch warns when the two steps come in the wrong order
        for _ in range(steps):
            opt.step()
            opt_t.step()
            ours.step()
            theirs.step()
            rates.append(opt.lr)
            rates_t.append(opt_t.param_groups[0]["lr"])
            assert ours.get_last_lr() == [opt.lr]
            np.testing.assert_allclose(ours.get_last_lr(), theirs.get_last_lr(), rtol=1e-12)
    np.testing.assert_allclose(rates, rates_t, rtol=1e-12, atol=1e-15)
    return np.array(rates)


@pytest.mark.parametrize(
    ("make", "make_t"),
    [
        (lambda o: StepLR(o, 7, gamma=0.5), lambda o: sched.StepLR(o, 7, gamma=0.5)),
        (lambda o: StepLR(o, 1, gamma=0.9), lambda o: sched.StepLR(o, 1, gamma=0.9)),
        (
            lambda o: CosineAnnealingLR(o, T_max=20, eta_min=0.01),
            lambda o: sched.CosineAnnealingLR(o, T_max=20, eta_min=0.01),
        ),
        (lambda o: CosineAnnealingLR(o, T_max=13), lambda o: sched.CosineAnnealingLR(o, 13)),
        (
            lambda o: LinearLR(o, start_factor=0.1, total_iters=10),
            lambda o: sched.LinearLR(o, start_factor=0.1, total_iters=10),
        ),
        (
            lambda o: LinearLR(o, start_factor=1.0, end_factor=0.2, total_iters=30),
            lambda o: sched.LinearLR(o, start_factor=1.0, end_factor=0.2, total_iters=30),
        ),
        (lambda o: LinearLR(o), lambda o: sched.LinearLR(o)),  # the defaults
    ],
)
def test_scheduler_rates_match_torch_step_for_step(make, make_t):
    opt, opt_t = _pair()
    _compare(make(opt), make_t(opt_t))


def test_cosine_beyond_t_max_climbs_back_as_torch_does():
    opt, opt_t = _pair()
    rates = _compare(
        CosineAnnealingLR(opt, T_max=10, eta_min=0.02),
        sched.CosineAnnealingLR(opt_t, T_max=10, eta_min=0.02),
        steps=35,
    )
    assert rates[10] == pytest.approx(0.02) and rates[20] == pytest.approx(0.1)


def test_warm_up_then_cosine_matches_torch_sequential_lr():
    opt, opt_t = _pair(0.5)
    ours = SequentialLR(
        opt,
        [LinearLR(opt, start_factor=0.01, total_iters=5), CosineAnnealingLR(opt, 30, 1e-3)],
        milestones=[5],
    )
    theirs = sched.SequentialLR(
        opt_t,
        [
            sched.LinearLR(opt_t, start_factor=0.01, total_iters=5),
            sched.CosineAnnealingLR(opt_t, 30, 1e-3),
        ],
        milestones=[5],
    )
    assert opt.lr == opt_t.param_groups[0]["lr"] == pytest.approx(0.005)
    rates = _compare(ours, theirs, steps=40)
    assert rates[5] == pytest.approx(0.5) and rates[35] == pytest.approx(1e-3)


def test_three_schedulers_match_torch_sequential_lr():
    opt, opt_t = _pair(0.2)
    ours = SequentialLR(
        opt,
        [StepLR(opt, 3, 0.5), LinearLR(opt, 0.5, 1.0, 4), CosineAnnealingLR(opt, 12, 0.01)],
        milestones=[7, 15],
    )
    theirs = sched.SequentialLR(
        opt_t,
        [
            sched.StepLR(opt_t, 3, 0.5),
            sched.LinearLR(opt_t, 0.5, 1.0, 4),
            sched.CosineAnnealingLR(opt_t, 12, 0.01),
        ],
        milestones=[7, 15],
    )
    _compare(ours, theirs, steps=40)


def test_a_scheduled_sgd_trains_like_torch():
    A = np.array([[2.0, 0.3], [0.3, 0.5]])
    x = Parameter(np.array([1.0, -2.0]))
    xt = torch.tensor([1.0, -2.0], dtype=torch.float64, requires_grad=True)
    opt = SGD([x], lr=0.3, momentum=0.9, nesterov=True)
    opt_t = torch.optim.SGD([xt], lr=0.3, momentum=0.9, nesterov=True)
    ours = SequentialLR(opt, [LinearLR(opt, 0.1, total_iters=5), StepLR(opt, 10, 0.3)], [5])
    theirs = sched.SequentialLR(
        opt_t, [sched.LinearLR(opt_t, 0.1, total_iters=5), sched.StepLR(opt_t, 10, 0.3)], [5]
    )
    for _ in range(30):
        x.grad[...] = A @ x.data
        opt.step()
        ours.step()
        opt_t.zero_grad()
        (0.5 * xt @ torch.from_numpy(A) @ xt).backward()
        opt_t.step()
        theirs.step()
    np.testing.assert_allclose(x.data, xt.detach().numpy(), rtol=1e-11, atol=1e-14)


def test_clip_grad_norm_matches_torch(rng):
    grads = [rng.standard_normal((3, 4)) * 5, rng.standard_normal(4)]
    params = [Parameter(np.zeros_like(g)) for g in grads]
    tensors = [torch.zeros(g.shape, dtype=torch.float64, requires_grad=True) for g in grads]
    for p, pt, g in zip(params, tensors, grads, strict=True):
        p.grad[...] = g
        pt.grad = torch.from_numpy(g.copy())
    total = clip_grad_norm(params, max_norm=2.0)
    total_t = torch.nn.utils.clip_grad_norm_(tensors, max_norm=2.0)
    assert total == pytest.approx(float(total_t), rel=1e-14)
    for p, pt in zip(params, tensors, strict=True):
        np.testing.assert_allclose(p.grad, pt.grad.numpy(), rtol=1e-14)


def test_clip_grad_value_matches_torch(rng):
    g = rng.standard_normal((5, 3)) * 3
    p, pt = Parameter(np.zeros_like(g)), torch.zeros(g.shape, dtype=torch.float64)
    p.grad[...] = g
    pt.grad = torch.from_numpy(g.copy())
    clip_grad_value([p], 1.5)
    torch.nn.utils.clip_grad_value_([pt], 1.5)
    np.testing.assert_array_equal(p.grad, pt.grad.numpy())


# What torch does where nnfs decides otherwise, as the docstrings say.


def test_torch_warns_about_a_duplicate_parameter_and_nnfs_refuses_it():
    pt = torch.zeros(2, requires_grad=True)
    with pytest.warns(UserWarning, match="duplicate parameters; in future, this will cause"):
        torch.optim.SGD([pt, pt], lr=0.1)
    p = Parameter(np.zeros(2))
    with pytest.raises(ValueError, match="same one at positions 0 and 1"):
        SGD([p, p], lr=0.1)


def test_torch_accepts_eps_zero_which_gives_nan_for_a_zero_gradient_and_nnfs_refuses_it():
    pt = torch.zeros(2, requires_grad=True)
    opt = torch.optim.Adam([pt], lr=0.1, eps=0.0)
    pt.grad = torch.zeros(2)
    opt.step()
    assert torch.isnan(pt).all()
    with pytest.raises(ValueError, match="Adam: eps"):
        Adam([Parameter(np.zeros(2))], eps=0.0)


def test_torch_refuses_nesterov_without_momentum_as_nnfs_does():
    with pytest.raises(ValueError, match="Nesterov momentum requires a momentum"):
        torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1, nesterov=True)
    with pytest.raises(ValueError, match="nesterov=True expected momentum > 0"):
        SGD([Parameter(np.zeros(1))], lr=0.1, nesterov=True)


def test_torch_lets_a_non_finite_norm_through_as_nan_and_zero_gradients():
    pt = torch.zeros(2, requires_grad=True)
    pt.grad = torch.tensor([1.0, float("inf")])
    torch.nn.utils.clip_grad_norm_([pt], max_norm=1.0)
    assert pt.grad[0] == 0 and torch.isnan(pt.grad[1])
    pt.grad = torch.tensor([1.0, float("nan")])
    torch.nn.utils.clip_grad_norm_([pt], max_norm=1.0)
    assert torch.isnan(pt.grad).all()


def test_torch_defaults_differ_from_nnfs_as_chapter_3_says():
    # SGD: torch's default lr is 1e-3, nnfs's 0.01; RMSprop and Adam share their defaults.
    pt = [torch.zeros(1, requires_grad=True)]
    assert torch.optim.SGD(pt).defaults["lr"] == 1e-3
    assert SGD([Parameter(np.zeros(1))]).lr == 0.01
    rms = torch.optim.RMSprop(pt).defaults
    assert (rms["lr"], rms["alpha"], rms["eps"]) == (0.01, 0.99, 1e-8)
    adam = torch.optim.Adam(pt).defaults
    assert (adam["lr"], adam["betas"], adam["eps"]) == (1e-3, (0.9, 0.999), 1e-8)
    assert torch.optim.SGD(pt, lr=0.1).defaults["dampening"] == 0


def test_torch_warns_when_the_scheduler_steps_before_the_optimizer():
    # The schedules page's pitfall: scheduler.step() belongs after optimizer.step().
    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
    scheduler = sched.StepLR(opt, 2)
    with pytest.warns(UserWarning, match="before `optimizer.step\\(\\)`"):
        scheduler.step()
