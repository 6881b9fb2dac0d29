"""Dense: forward formula, gradient check, accumulation, frozen weights, dtype and shape errors."""

import numpy as np
import pytest

from nnfs import Dense
from nnfs.gradcheck import check_module
from tests.conftest import GRAD_TOL


def test_parameter_layout_is_w_in_out_and_b_out(rng):
    layer = Dense(5, 3, rng=rng)
    assert layer.W.shape == (5, 3)
    assert layer.b.shape == (3,)
    assert [name for name, _ in layer.named_parameters()] == ["W", "b"]
    np.testing.assert_array_equal(layer.b.data, 0.0)


def test_forward_is_x_times_w_plus_b_row_by_row(rng):
    layer = Dense(4, 2, rng=rng)
    layer.b.data[...] = [0.5, -1.0]
    x = rng.standard_normal((3, 4))
    y = layer(x)
    assert y.shape == (3, 2)
    for n in range(3):
        for m in range(2):
            expected = sum(x[n, d] * layer.W.data[d, m] for d in range(4)) + layer.b.data[m]
            assert y[n, m] == pytest.approx(expected, rel=1e-12)


def test_gradient_check_input_weights_and_bias(rng):
    layer = Dense(4, 3, rng=rng)
    layer.b.data[...] = rng.standard_normal(3)
    errors = check_module(layer, rng.standard_normal((5, 4)))
    assert set(errors) == {"input0", "W", "b"}
    assert max(errors.values()) < GRAD_TOL, errors


def test_backward_formulas_with_shapes(rng):
    layer = Dense(4, 3, rng=rng)
    x, g = rng.standard_normal((6, 4)), rng.standard_normal((6, 3))
    layer(x)
    dx = layer.backward(g)
    assert dx.shape == (6, 4) and layer.W.grad.shape == (4, 3) and layer.b.grad.shape == (3,)
    np.testing.assert_allclose(dx, g @ layer.W.data.T)
    # dL/dW is the sum over samples of the outer products x_n^T g_n.
    np.testing.assert_allclose(layer.W.grad, sum(np.outer(x[n], g[n]) for n in range(6)))
    np.testing.assert_allclose(layer.b.grad, g.sum(axis=0))


def test_backward_accumulates_and_does_not_mutate_grad_out(rng):
    layer = Dense(3, 2, rng=rng)
    x, g = rng.standard_normal((4, 3)), rng.standard_normal((4, 2))
    g_copy = g.copy()
    layer(x)
    layer.backward(g)
    first = layer.W.grad.copy()
    layer.backward(g)
    np.testing.assert_allclose(layer.W.grad, 2 * first)
    np.testing.assert_array_equal(g, g_copy)


def test_frozen_weights_get_no_gradient_but_input_gradient_still_flows(rng):
    layer = Dense(3, 2, rng=rng)
    layer.freeze()
    x, g = rng.standard_normal((4, 3)), rng.standard_normal((4, 2))
    layer(x)
    dx = layer.backward(g)
    np.testing.assert_array_equal(layer.W.grad, 0.0)
    np.testing.assert_array_equal(layer.b.grad, 0.0)
    np.testing.assert_allclose(dx, g @ layer.W.data.T)


def test_only_the_bias_can_be_frozen(rng):
    layer = Dense(3, 2, rng=rng)
    layer.b.frozen = True
    layer(rng.standard_normal((4, 3)))
    layer.backward(np.ones((4, 2)))
    np.testing.assert_array_equal(layer.b.grad, 0.0)
    assert np.any(layer.W.grad != 0)


def test_first_layer_can_skip_the_input_gradient(rng):
    layer = Dense(4, 3, rng=rng)
    reference = Dense(4, 3, rng=np.random.default_rng(1234))
    layer.W.data[...] = reference.W.data
    layer.needs_input_grad = False
    x, g = rng.standard_normal((5, 4)), rng.standard_normal((5, 3))
    layer(x)
    reference(x)
    assert layer.backward(g) is None
    reference.backward(g)
    np.testing.assert_array_equal(layer.W.grad, reference.W.grad)
    np.testing.assert_array_equal(layer.b.grad, reference.b.grad)


def test_float32_layer_stays_float32_in_forward_and_backward(rng):
    layer = Dense(8, 4, rng=rng, dtype=np.float32)
    assert layer.W.data.dtype == np.float32 and layer.b.data.dtype == np.float32
    assert layer.W.data.flags.c_contiguous
    y = layer(rng.standard_normal((5, 8)).astype(np.float32))
    dx = layer.backward(np.ones_like(y))
    assert y.dtype == dx.dtype == layer.W.grad.dtype == layer.b.grad.dtype == np.float32


def test_same_rng_seed_gives_identical_weights():
    a = Dense(6, 4, rng=np.random.default_rng(7))
    b = Dense(6, 4, rng=np.random.default_rng(7))
    np.testing.assert_array_equal(a.W.data, b.W.data)


def test_he_init_has_variance_two_over_fan_in():
    layer = Dense(400, 300, rng=np.random.default_rng(0))
    assert layer.W.data.var() == pytest.approx(2 / 400, rel=0.03)


@pytest.mark.parametrize("bad_shape", [(5, 3), (5,), (2, 5, 4)])
def test_wrong_input_shape_raises_naming_the_layer_and_both_shapes(rng, bad_shape):
    layer = Dense(4, 2, rng=rng)
    with pytest.raises(ValueError, match=r"Dense: input expected shape \(\*, 4\), got"):
        layer(np.zeros(bad_shape))


def test_wrong_grad_out_shape_raises(rng):
    layer = Dense(4, 2, rng=rng)
    layer(np.zeros((3, 4)))
    with pytest.raises(ValueError, match=r"Dense: grad_out expected shape \(3, 2\), got \(3, 4\)"):
        layer.backward(np.zeros((3, 4)))


def test_extreme_inputs_give_finite_outputs_without_warnings(rng):
    layer = Dense(3, 2, rng=rng)
    y = layer(np.full((2, 3), 1e150))
    assert np.all(np.isfinite(y))
