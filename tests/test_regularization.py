"""L1/L2 penalties, their gradients, and how they relate to the optimizers' weight_decay."""

import numpy as np
import pytest

from nnfs import BatchNorm1d, Dense, Parameter, ReLU, Sequential
from nnfs.gradcheck import numerical_gradient, rel_error
from nnfs.losses import MSE
from nnfs.optim import SGD, Adam
from nnfs.regularization import (
    add_l1_grad,
    add_l2_grad,
    l1_penalty,
    l2_penalty,
    weight_parameters,
)
from tests.conftest import GRAD_TOL


def _params():
    return [Parameter(np.array([[1.0, -2.0], [3.0, 0.0]])), Parameter(np.array([[-0.5]]))]


def test_penalty_values_with_numbers():
    # L1: 0.1 * (1 + 2 + 3 + 0 + 0.5) = 0.65.  L2: 0.05 * (1 + 4 + 9 + 0 + 0.25) = 0.7125.
    assert l1_penalty(_params(), 0.1) == pytest.approx(0.65, rel=1e-15)
    assert l2_penalty(_params(), 0.1) == pytest.approx(0.7125, rel=1e-15)


def test_gradients_with_numbers_and_subgradient_zero_at_zero():
    params = _params()
    add_l1_grad(params, 0.1)
    np.testing.assert_array_equal(params[0].grad, [[0.1, -0.1], [0.1, 0.0]])
    params = _params()
    add_l2_grad(params, 0.1)
    np.testing.assert_allclose(params[0].grad, [[0.1, -0.2], [0.3, 0.0]])
    np.testing.assert_allclose(params[1].grad, [[-0.05]])


@pytest.mark.parametrize(
    "penalty, add_grad", [(l1_penalty, add_l1_grad), (l2_penalty, add_l2_grad)]
)
def test_penalty_gradients_match_numerical_gradients(rng, penalty, add_grad):
    # Values away from 0, where |w| is differentiable.
    params = [Parameter(rng.choice([-1, 1], s) * rng.uniform(0.1, 2, s)) for s in [(4, 3), (3,)]]
    add_grad(params, 0.3)
    for p in params:
        numeric = numerical_gradient(lambda _: penalty(params, 0.3), p.data)
        assert rel_error(p.grad, numeric) < GRAD_TOL


def test_gradients_accumulate_and_skip_frozen_parameters(rng):
    live, frozen = Parameter(rng.standard_normal((2, 2))), Parameter(rng.standard_normal((2, 2)))
    frozen.frozen = True
    live.grad[...] = 1.0
    add_l2_grad([live, frozen], 0.5)
    add_l1_grad([live, frozen], 0.5)
    np.testing.assert_allclose(live.grad, 1.0 + 0.5 * live.data + 0.5 * np.sign(live.data))
    assert not frozen.grad.any()


def test_weight_parameters_leave_out_biases_and_normalization(rng):
    model = Sequential(Dense(3, 4, rng=rng), BatchNorm1d(4), ReLU(), Dense(4, 2, rng=rng))
    chosen = weight_parameters(model)
    assert [id(p) for p in chosen] == [id(model[0].W), id(model[3].W)]


def test_float32_parameters_stay_float32(rng):
    p = Parameter(rng.standard_normal((3, 3)).astype(np.float32))
    add_l1_grad([p], 0.1)
    add_l2_grad([p], 0.1)
    assert p.grad.dtype == np.float32
    assert isinstance(l2_penalty([p], 0.1), float)


def _three_steps(lam_in_loss, optimizer_cls, **opt_kwargs):
    """Three steps of a small regression; L2 either in the loss or in the optimizer."""
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((16, 3)), rng.standard_normal((16, 2))
    model = Dense(3, 2, rng=np.random.default_rng(1))
    opt = optimizer_cls(model.parameters(), **opt_kwargs)
    loss_fn = MSE()
    for _ in range(3):
        opt.zero_grad()
        loss_fn(model(X), y)
        model.backward(loss_fn.backward())
        if lam_in_loss:
            # weight_decay acts on every parameter it is given, the bias too.
            add_l2_grad(model.parameters(), lam_in_loss)
        opt.step()
    return model.W.data.copy()


def test_l2_in_the_loss_equals_sgd_weight_decay():
    """(lam / 2) ||W||^2 in the loss adds lam * W to the gradient: SGD's weight_decay does too."""
    in_loss = _three_steps(0.1, SGD, lr=0.1, momentum=0.9)
    in_optimizer = _three_steps(0.0, SGD, lr=0.1, momentum=0.9, weight_decay=0.1)
    np.testing.assert_allclose(in_loss, in_optimizer, rtol=1e-14)


def test_l2_in_the_loss_equals_adam_weight_decay_but_not_adamw():
    in_loss = _three_steps(0.1, Adam, lr=0.01)
    adam_wd = _three_steps(0.0, Adam, lr=0.01, weight_decay=0.1)
    adamw = _three_steps(0.0, Adam, lr=0.01, weight_decay=0.1, decoupled=True)
    np.testing.assert_allclose(in_loss, adam_wd, rtol=1e-14)
    assert np.abs(adamw - adam_wd).max() > 1e-5


def test_adamw_first_step_with_numbers():
    """Step 1 of AdamW: m_hat = g, v_hat = g^2, so p1 = p0 (1 - lr wd) - lr g / (|g| + eps)."""
    p = Parameter(np.array([2.0, -1.0]))
    p.grad[...] = [0.5, -3.0]
    Adam([p], lr=0.1, weight_decay=0.01, decoupled=True).step()
    # 2 * (1 - 0.001) - 0.1 * 1 = 1.898;  -1 * 0.999 + 0.1 = -0.899 (eps negligible)
    np.testing.assert_allclose(p.data, [1.898, -0.899], rtol=1e-7)


def test_l2_shrinks_the_weights_of_a_trained_model():
    rng = np.random.default_rng(3)
    X = rng.standard_normal((40, 5))
    y = X[:, :1] * 2.0 + 0.1 * rng.standard_normal((40, 1))
    norms = {}
    for lam in (0.0, 1.0):
        model = Dense(5, 1, rng=np.random.default_rng(4))
        opt, loss_fn = SGD(model.parameters(), lr=0.05), MSE()
        for _ in range(300):
            opt.zero_grad()
            loss_fn(model(X), y)
            model.backward(loss_fn.backward())
            add_l2_grad([model.W], lam)
            opt.step()
        norms[lam] = np.linalg.norm(model.W.data)
    # Ridge regression: the minimizer of MSE + (1/2) ||W||^2 is clearly shorter.
    assert norms[1.0] < 0.8 * norms[0.0]
