"""Optimizers: update rules written out by hand, convergence on quadratics, dtype, frozen params."""

import numpy as np
import pytest

from nnfs import Dense, Parameter, Sequential, Tanh
from nnfs.optim import (
    SGD,
    Adam,
    Momentum,
    RMSProp,
    gradient_descent,
    minimize,
)


def _param(values, grad):
    p = Parameter(np.array(values, dtype=float))
    p.grad[...] = grad
    return p


def test_gradient_descent_on_a_parabola_contracts_by_one_minus_two_lr():
    # f(x) = x^2, grad = 2x: each step multiplies x by (1 - 2 lr) exactly.
    path = gradient_descent(lambda x: 2 * x, np.array([1.0]), lr=0.1, steps=5)
    assert path.shape == (6, 1)
    np.testing.assert_allclose(path[:, 0], 0.8 ** np.arange(6))


def test_gradient_descent_diverges_when_lr_exceeds_two_over_curvature():
    path = gradient_descent(lambda x: 2 * x, np.array([1.0]), lr=1.1, steps=10)
    assert abs(path[-1, 0]) > abs(path[0, 0])


def test_gradient_descent_does_not_modify_the_starting_point():
    x0 = np.array([3.0, -1.0])
    gradient_descent(lambda x: x, x0, lr=0.5, steps=3)
    np.testing.assert_array_equal(x0, [3.0, -1.0])


def test_sgd_step_is_p_minus_lr_g():
    p = _param([1.0, -2.0], [0.5, 0.25])
    SGD([p], lr=0.1).step()
    np.testing.assert_allclose(p.data, [1.0 - 0.05, -2.0 - 0.025])


def test_momentum_velocity_accumulates_as_written():
    p = _param([0.0], [1.0])
    opt = Momentum([p], lr=0.1, beta=0.9)
    expected, v = 0.0, 0.0
    for _ in range(4):  # constant gradient 1: v = 1, 1.9, 2.71, 3.439
        opt.step()
        v = 0.9 * v + 1.0
        expected -= 0.1 * v
        assert p.data[0] == pytest.approx(expected, rel=1e-14)


def test_momentum_is_sgd_with_momentum():
    p1, p2 = _param([1.0, 2.0], [0.3, -0.7]), _param([1.0, 2.0], [0.3, -0.7])
    a, b = Momentum([p1], lr=0.05, beta=0.8), SGD([p2], lr=0.05, momentum=0.8)
    for _ in range(3):
        a.step()
        b.step()
    np.testing.assert_array_equal(p1.data, p2.data)


def test_rmsprop_first_step_by_hand():
    p = _param([1.0], [2.0])
    RMSProp([p], lr=0.01, alpha=0.9, eps=1e-300).step()  # eps negligible
    s = 0.1 * 4.0  # s = (1 - alpha) g^2
    assert p.data[0] == pytest.approx(1.0 - 0.01 * 2.0 / np.sqrt(s), rel=1e-14)


def test_adam_first_step_moves_every_coordinate_by_lr():
    # Bias correction makes m_hat = g and v_hat = g^2 at t = 1, so the step is lr * sign(g).
    p = _param([0.0, 0.0, 0.0], [1e-3, -5.0, 200.0])
    Adam([p], lr=0.1, eps=1e-300).step()
    np.testing.assert_allclose(p.data, [-0.1, 0.1, -0.1], rtol=1e-12)


def test_adam_matches_the_formula_over_several_steps(rng):
    grads = rng.standard_normal((5, 3))
    p = Parameter(np.zeros(3))
    opt = Adam([p], lr=0.01, betas=(0.8, 0.95), eps=1e-8)
    x, m, v = np.zeros(3), np.zeros(3), np.zeros(3)
    for t, g in enumerate(grads, start=1):
        p.grad[...] = g
        opt.step()
        m = 0.8 * m + 0.2 * g
        v = 0.95 * v + 0.05 * g**2
        x -= 0.01 * (m / (1 - 0.8**t)) / (np.sqrt(v / (1 - 0.95**t)) + 1e-8)
    np.testing.assert_allclose(p.data, x, rtol=1e-12)


def test_adam_decoupled_weight_decay_shrinks_before_the_step():
    p = _param([2.0], [0.0])
    Adam([p], lr=0.1, weight_decay=0.5, decoupled=True).step()
    # zero gradient: only the decay acts, p <- p - lr * wd * p.
    assert p.data[0] == pytest.approx(2.0 * (1 - 0.05), rel=1e-14)


def test_adam_l2_weight_decay_enters_the_gradient():
    p = _param([2.0], [0.0])
    Adam([p], lr=0.1, weight_decay=0.5, eps=1e-300).step()
    # the gradient becomes wd * p = 1 > 0, and Adam's first step is lr * sign(g).
    assert p.data[0] == pytest.approx(1.9, rel=1e-14)


@pytest.mark.parametrize(
    ("cls", "kwargs"),
    [
        (SGD, {"lr": 0.1}),
        (Momentum, {"lr": 0.05, "beta": 0.9}),
        (RMSProp, {"lr": 0.01}),
        (Adam, {"lr": 0.05}),
    ],
)
def test_every_optimizer_minimizes_an_ill_conditioned_quadratic(cls, kwargs):
    curvature = np.array([1.0, 10.0])  # f = 0.5 * (x1^2 + 10 x2^2)
    path = minimize(lambda x: curvature * x, [3.0, 2.0], cls, steps=500, **kwargs)
    f = 0.5 * np.sum(curvature * path**2, axis=1)
    assert f[-1] < 1e-3 * f[0]


def test_momentum_beats_plain_gradient_descent_on_a_narrow_valley():
    curvature = np.array([0.05, 1.0])

    def grad(x):
        return curvature * x

    plain = minimize(grad, [5.0, 1.0], SGD, steps=100, lr=1.0)
    heavy = minimize(grad, [5.0, 1.0], Momentum, steps=100, lr=1.0, beta=0.6)
    assert np.linalg.norm(heavy[-1]) < 0.1 * np.linalg.norm(plain[-1])


def test_minimize_with_sgd_equals_gradient_descent():
    def grad(x):
        return np.array([2 * x[0], 8 * x[1]])

    np.testing.assert_allclose(
        minimize(grad, [1.0, 1.0], SGD, steps=20, lr=0.1),
        gradient_descent(grad, [1.0, 1.0], lr=0.1, steps=20),
        rtol=0,
        atol=1e-15,
    )


@pytest.mark.parametrize(
    "make",
    [
        lambda ps: SGD(ps, lr=0.1, momentum=0.9, weight_decay=0.01),
        lambda ps: RMSProp(ps, lr=0.01, weight_decay=0.01),
        lambda ps: Adam(ps, lr=0.01, weight_decay=0.01),
        lambda ps: Adam(ps, lr=0.01, weight_decay=0.01, decoupled=True),
    ],
)
def test_optimizers_keep_float32_parameters_float32(make, rng):
    layer = Dense(4, 3, rng=rng, dtype=np.float32)
    opt = make(layer.parameters())
    x = rng.standard_normal((5, 4)).astype(np.float32)
    for _ in range(2):
        layer.zero_grad()
        layer(x)
        layer.backward(np.ones((5, 3), dtype=np.float32))
        opt.step()
    for p in layer.parameters():
        assert p.data.dtype == np.float32
        assert p.data.flags.c_contiguous
    for state in opt.state.values():
        assert all(v.dtype == np.float32 for v in state.values() if isinstance(v, np.ndarray))


@pytest.mark.parametrize("cls", [SGD, Momentum, RMSProp, Adam])
def test_optimizers_skip_frozen_parameters(cls):
    frozen, free = _param([1.0, 1.0], [1.0, 1.0]), _param([1.0, 1.0], [1.0, 1.0])
    frozen.frozen = True
    opt = cls([frozen, free], lr=0.1)
    opt.step()
    np.testing.assert_array_equal(frozen.data, [1.0, 1.0])
    assert np.all(free.data < 1.0)


def test_adam_bias_correction_restarts_for_a_parameter_unfrozen_later():
    a, b = _param([0.0], [1.0]), _param([0.0], [1.0])
    b.frozen = True
    opt = Adam([a, b], lr=0.1, eps=1e-300)
    for _ in range(3):
        opt.step()
    b.frozen = False
    opt.step()  # b's first real step: lr * sign(g), whatever the global step count
    assert b.data[0] == pytest.approx(-0.1, rel=1e-12)


def test_zero_grad_resets_every_gradient():
    p = _param([1.0, 2.0], [3.0, 4.0])
    opt = SGD([p], lr=0.1)
    opt.zero_grad()
    np.testing.assert_array_equal(p.grad, 0.0)


@pytest.mark.parametrize(
    ("make", "error", "message"),
    [
        (lambda ps: SGD(ps, lr=-0.1), ValueError, r"SGD: lr expected a value in \[0, inf"),
        (lambda ps: SGD(ps, lr="0.1"), TypeError, "SGD: lr expected a real number"),
        (lambda ps: SGD(ps, lr=float("nan")), ValueError, "SGD: lr"),
        (lambda ps: SGD(ps, lr=0.1, momentum=1.0), ValueError, "SGD: momentum"),
        (lambda ps: SGD(ps, lr=0.1, momentum=-0.5), ValueError, "SGD: momentum"),
        (lambda ps: SGD(ps, lr=0.1, weight_decay=-1e-4), ValueError, "SGD: weight_decay"),
        (lambda ps: SGD(ps, lr=0.1, nesterov=True), ValueError, "SGD: nesterov=True expected"),
        (lambda ps: SGD(ps, lr=0.1, momentum=0.9, nesterov=1), TypeError, "SGD: nesterov"),
        (lambda ps: Momentum(ps, lr=0.1, beta=1.5), ValueError, "Momentum: beta"),
        (lambda ps: Momentum(ps, lr=-1.0), ValueError, "Momentum: lr"),
        (lambda ps: RMSProp(ps, alpha=1.5), ValueError, "RMSProp: alpha"),
        (lambda ps: RMSProp(ps, eps=0.0), ValueError, "RMSProp: eps"),
        (lambda ps: RMSProp(ps, weight_decay=-0.1), ValueError, "RMSProp: weight_decay"),
        (lambda ps: Adam(ps, betas=(0.9, 1.0)), ValueError, r"Adam: betas\[1\]"),
        (lambda ps: Adam(ps, betas=(0.9,)), ValueError, r"Adam: betas expected a pair"),
        (lambda ps: Adam(ps, betas=0.9), ValueError, r"Adam: betas expected a pair"),
        (lambda ps: Adam(ps, eps=0.0), ValueError, "Adam: eps"),
        (lambda ps: Adam(ps, eps=-1e-8), ValueError, "Adam: eps"),
        (lambda ps: Adam(ps, weight_decay=-0.01), ValueError, "Adam: weight_decay"),
        (lambda ps: Adam(ps, lr=-1e-3), ValueError, "Adam: lr"),
        (lambda ps: Adam(ps, decoupled="yes"), TypeError, "Adam: decoupled"),
    ],
)
def test_bad_hyperparameters_raise_naming_the_optimizer_and_argument(make, error, message):
    with pytest.raises(error, match=message):
        make([Parameter(np.zeros(2))])


@pytest.mark.parametrize("cls", [SGD, Momentum, RMSProp, Adam])
def test_a_module_instead_of_its_parameters_is_refused_with_the_fix(cls, rng):
    model = Dense(3, 2, rng=rng)
    with pytest.raises(TypeError, match=rf"{cls.__name__}: .*got the module Dense itself; pass "):
        cls(model, lr=0.1)


def test_a_sequential_is_refused_although_it_is_iterable(rng):
    # Sequential has __len__ and __getitem__, so list(model) would silently give its layers.
    model = Sequential(Dense(3, 2, rng=rng), Tanh())
    with pytest.raises(TypeError, match="got the module Sequential itself"):
        SGD(model, lr=0.1)


@pytest.mark.parametrize(
    ("params", "error", "message"),
    [
        ([], ValueError, "Adam: params expected at least one Parameter, got an empty list"),
        (iter([]), ValueError, "Adam: params expected at least one Parameter"),
        (Parameter(np.zeros(2)), TypeError, r"got a single Parameter; wrap it in a list"),
        (np.zeros(2), TypeError, r"got a single ndarray"),
        ([np.zeros(2)], TypeError, r"Adam: params\[0\] expected a Parameter, got ndarray"),
        (3, TypeError, "Adam: params expected an iterable of Parameters, got int"),
    ],
)
def test_bad_parameter_lists_are_refused(params, error, message):
    with pytest.raises(error, match=message):
        Adam(params, lr=0.1)


def test_the_same_parameter_twice_is_refused_instead_of_stepped_twice():
    p, q = Parameter(np.zeros(2)), Parameter(np.zeros(2))
    with pytest.raises(ValueError, match="same one at positions 0 and 2"):
        SGD([p, q, p], lr=0.1)


def test_a_generator_of_parameters_is_accepted(rng):
    layer = Dense(3, 2, rng=rng)
    opt = SGD((p for p in layer.parameters()), lr=0.1)
    assert opt.params == layer.parameters()


def test_zero_learning_rate_is_accepted_and_changes_nothing():
    p = _param([1.0, -2.0], [0.5, 0.25])
    SGD([p], lr=0.0, momentum=0.9).step()
    np.testing.assert_array_equal(p.data, [1.0, -2.0])


def test_nesterov_steps_by_hand():
    # Constant gradient 1, lr 1, momentum 0.5: v = 1, 1.5, 1.75; steps g + 0.5 v = 1.5, 1.75, 1.875.
    p = _param([0.0], [1.0])
    opt = SGD([p], lr=1.0, momentum=0.5, nesterov=True)
    positions = []
    for _ in range(3):
        opt.step()
        positions.append(p.data[0])
    np.testing.assert_allclose(-np.diff([0.0, *positions]), [1.5, 1.75, 1.875], rtol=1e-15)


def test_nesterov_is_the_look_ahead_form_at_the_shifted_point():
    # Sutskever et al.: v <- mu v - lr grad(theta + mu v); theta <- theta + v. torch's form
    # tracks phi = theta + mu v exactly (up to rounding), on any function.
    def grad(x):
        return np.array([4 * x[0] ** 3 + x[1], x[0] + 2 * x[1]])

    lr, mu = 0.02, 0.9
    theta, v = np.array([1.0, -1.5]), np.zeros(2)
    path = minimize(grad, theta, SGD, steps=50, lr=lr, momentum=mu, nesterov=True)
    for phi in path[1:]:
        v = mu * v - lr * grad(theta + mu * v)
        theta = theta + v
        np.testing.assert_allclose(phi, theta + mu * v, rtol=1e-12, atol=1e-14)


def test_momentum_class_passes_nesterov_on():
    a, b = _param([1.0], [0.3]), _param([1.0], [0.3])
    opt_a = Momentum([a], lr=0.1, beta=0.8, nesterov=True)
    opt_b = SGD([b], lr=0.1, momentum=0.8, nesterov=True)
    for _ in range(3):
        opt_a.step()
        opt_b.step()
    np.testing.assert_array_equal(a.data, b.data)


def test_gradient_descent_and_minimize_check_their_arguments():
    with pytest.raises(ValueError, match="gradient_descent: lr"):
        gradient_descent(lambda x: x, np.ones(1), lr=-1.0)
    with pytest.raises(TypeError, match="gradient_descent: steps expected an integer"):
        gradient_descent(lambda x: x, np.ones(1), steps=2.5)
    with pytest.raises(ValueError, match="minimize: steps"):
        minimize(lambda x: x, [1.0], steps=-1, lr=0.1)
