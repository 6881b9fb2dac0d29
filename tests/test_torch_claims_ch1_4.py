"""What chapters 1-4 say PyTorch does, checked against the installed torch.

Each test names the page whose sentence it checks. The parity tests (test_torch_parity_*)
compare values; these check the specific behaviours the prose describes, including the places
where nnfs decides differently on purpose.
"""

import numpy as np
import pytest

from nnfs import Dense, Parameter
from nnfs import functional as F
from nnfs.losses import BinaryCrossEntropy
from nnfs.optim import SGD, Adam, RMSProp, clip_grad_norm
from tests.torch_utils import torch

TF = torch.nn.functional


def test_relu_and_leaky_relu_slopes_at_zero_and_leaky_default_as_derivatives_page_says():
    # derivatives.md: ReLU's derivative at 0 is 0 "as PyTorch does"; leaky ReLU's is alpha.
    x = torch.zeros(3, requires_grad=True)
    torch.relu(x).sum().backward()
    assert x.grad.tolist() == [0.0, 0.0, 0.0] == F.relu_grad(np.zeros(3)).tolist()
    x = torch.zeros(3, requires_grad=True)
    TF.leaky_relu(x).sum().backward()  # torch's default negative_slope
    assert torch.allclose(x.grad, torch.full((3,), 0.01))
    assert F.leaky_relu_grad(np.zeros(3)).tolist() == [0.01] * 3


def test_bce_loss_clamps_each_log_term_at_minus_100_and_nnfs_clips_the_probability():
    # binary-cross-entropy.md: "PyTorch's BCELoss ... clamps each log term at -100".
    p, y = torch.tensor([0.0, 1.0]), torch.tensor([1.0, 0.0])
    assert torch.nn.BCELoss()(p, y).item() == pytest.approx(100.0)
    ours = BinaryCrossEntropy()(np.array([0.0, 1.0]), np.array([1.0, 0.0]))
    assert ours == pytest.approx(-np.log(1e-12))


def test_rmsprop_accepts_eps_zero_and_gives_nan_for_a_zero_gradient_nnfs_refuses_it():
    # index.md and rmsprop.md: nnfs refuses eps = 0, which PyTorch accepts.
    pt = torch.zeros(2, requires_grad=True)
    opt = torch.optim.RMSprop([pt], lr=0.1, eps=0.0)
    pt.grad = torch.zeros(2)
    opt.step()
    assert torch.isnan(pt).all()
    with pytest.raises(ValueError, match="RMSProp: eps"):
        RMSProp([Parameter(np.zeros(2))], eps=0.0)


def test_adam_counts_steps_per_parameter_as_torch_does():
    # adam.md: "Each parameter counts its own steps ... as PyTorch does". A parameter that
    # starts training late (frozen here, without a gradient in torch) gets the bias
    # correction of a first step when it starts.
    early, late = Parameter(np.array([1.0])), Parameter(np.array([1.0]), frozen=True)
    ours = Adam([early, late], lr=0.1)
    early_t = torch.tensor([1.0], requires_grad=True)
    late_t = torch.tensor([1.0], requires_grad=True)
    theirs = torch.optim.Adam([early_t, late_t], lr=0.1)
    for step in range(8):
        if step == 5:
            late.frozen = False
        early.grad[...] = 2 * early.data
        late.grad[...] = 3 * late.data
        ours.step()
        theirs.zero_grad(set_to_none=True)
        (early_t**2 + (3 * late_t**2 / 2 if step >= 5 else 0 * late_t)).sum().backward()
        if step < 5:
            late_t.grad = None  # no gradient: torch skips the parameter, as nnfs skips frozen
        theirs.step()
        np.testing.assert_allclose(early.data, early_t.detach().numpy(), rtol=1e-12)
        np.testing.assert_allclose(late.data, late_t.detach().numpy(), rtol=1e-12)
    assert ours.state[id(late)]["step"] == 3 == int(theirs.state[late_t]["step"])
    assert late.data[0] != 1.0  # it did move, with the correction of its own steps


def test_momentum_buffer_after_each_step_equals_torch_bit_for_bit():
    # momentum.md: torch starts its buffer at the first gradient, nnfs at zero; the buffers
    # are identical, bit for bit.
    rng = np.random.default_rng(0)
    p, pt = Parameter(np.zeros(5)), torch.zeros(5, requires_grad=True)
    ours, theirs = SGD([p], lr=0.1, momentum=0.9), torch.optim.SGD([pt], lr=0.1, momentum=0.9)
    for _ in range(6):
        g = rng.standard_normal(5)
        p.grad[...] = g
        pt.grad = torch.tensor(g)
        ours.step()
        theirs.step()
        buffer = theirs.state[pt]["momentum_buffer"].numpy()
        assert np.array_equal(ours.state[id(p)]["velocity"], buffer)


def test_clip_grad_norm_differs_from_torch_only_just_below_the_threshold():
    # clipping.md: both scale by c / (norm + 1e-6); torch also applies its factor (slightly
    # below 1) when the norm lies less than 1e-6 below c, where nnfs leaves the gradient alone.
    for norm, torch_scales in ((1.0 - 5e-7, True), (1.0 - 1e-3, False), (2.0, True)):
        g = np.array([norm, 0.0])
        p, pt = Parameter(np.zeros(2)), torch.zeros(2, requires_grad=True)
        p.grad[...] = g
        pt.grad = torch.tensor(g)
        clip_grad_norm([p], max_norm=1.0)
        torch.nn.utils.clip_grad_norm_([pt], max_norm=1.0)
        assert (pt.grad[0].item() < norm) == torch_scales
        if norm > 1.0:
            assert p.grad[0] == pytest.approx(pt.grad[0].item(), rel=1e-15)
        else:
            assert p.grad[0] == norm  # untouched in nnfs


def test_integer_parameters_are_refused_as_in_torch():
    # dense-layer.md and core.Parameter: an integer array is refused, as in PyTorch.
    with pytest.raises(RuntimeError, match="floating point"):
        torch.nn.Parameter(torch.tensor([1, 2]))
    with pytest.raises(TypeError, match="Parameter: data expected a floating-point array"):
        Parameter(np.array([1, 2]))


def test_autograd_skips_the_input_gradient_product_when_the_input_needs_none():
    # dense-layer.md: "PyTorch skips it for the same reason: the data tensor does not require
    # a gradient". Count the matrix products in torch's backward of a linear layer.
    from torch.profiler import ProfilerActivity, profile

    layer = torch.nn.Linear(8, 4)

    def products_in_backward(x):
        loss = layer(x).sum()
        with profile(activities=[ProfilerActivity.CPU]) as prof:
            loss.backward()
        return sum(e.count for e in prof.key_averages() if e.key in ("aten::mm", "aten::addmm"))

    assert products_in_backward(torch.ones(3, 8, requires_grad=True)) == 2  # dW and dx
    assert products_in_backward(torch.ones(3, 8)) == 1  # dW only
    dense = Dense(8, 4)
    dense.needs_input_grad = False
    dense(np.ones((3, 8)))
    assert dense.backward(np.ones((3, 4))) is None


def test_a_second_scheduler_restarts_from_initial_lr_here_and_continues_in_torch():
    # schedules.md, "Several schedulers, one base rate": the one place where the two differ.
    from nnfs.optim import CosineAnnealingLR, StepLR

    sched = torch.optim.lr_scheduler
    opt_t = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=1.0)
    first_t = sched.StepLR(opt_t, 1, 0.5)
    opt = SGD([Parameter(np.zeros(1))], lr=1.0)
    first = StepLR(opt, 1, 0.5)
    for _ in range(3):
        opt_t.step()
        first_t.step()
        opt.step()
        first.step()
    assert opt.lr == opt_t.param_groups[0]["lr"] == 0.125
    second_t = sched.CosineAnnealingLR(opt_t, 10)
    second = CosineAnnealingLR(opt, 10)
    assert second_t.base_lrs == [1.0] and second.base_lr == 1.0  # the same base rate
    assert opt_t.param_groups[0]["lr"] == 0.125  # torch carries on from the current rate
    assert opt.lr == 1.0  # nnfs sets the rate of the new scheduler's step 0
