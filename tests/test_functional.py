"""nnfs.functional: values, derivatives checked numerically, stability, dtypes, properties."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from nnfs import functional as F
from nnfs.gradcheck import numerical_gradient, rel_error
from tests.conftest import GRAD_TOL

ELEMENTWISE = {
    "sigmoid": (F.sigmoid, F.sigmoid_grad),
    "tanh": (F.tanh, F.tanh_grad),
    "relu": (F.relu, F.relu_grad),
    "leaky_relu": (F.leaky_relu, F.leaky_relu_grad),
    "leaky_relu_0.2": (lambda x: F.leaky_relu(x, 0.2), lambda x: F.leaky_relu_grad(x, 0.2)),
    "softplus": (F.softplus, F.sigmoid),  # softplus' = sigmoid
}

finite_rows = arrays(
    np.float64,
    st.tuples(st.integers(1, 5), st.integers(1, 6)),
    elements=st.floats(-50, 50, allow_nan=False),
)


def away_from_kink(rng, shape):
    """Standard normal values with |x| >= 0.05, so eps = 1e-6 never crosses relu's kink at 0."""
    x = rng.standard_normal(shape)
    return np.where(np.abs(x) < 0.05, 0.05 * np.sign(x) + 0.05 * (x == 0), x)


# ---- known values ---


def test_known_values():
    x = np.array([-2.0, 0.0, 3.0])
    np.testing.assert_allclose(F.sigmoid(x), 1 / (1 + np.exp(-x)), rtol=1e-15)
    assert F.sigmoid(np.array(0.0)) == 0.5
    np.testing.assert_array_equal(F.relu(x), [0.0, 0.0, 3.0])
    np.testing.assert_array_equal(F.leaky_relu(x), [-0.02, 0.0, 3.0])
    np.testing.assert_array_equal(F.leaky_relu(x, alpha=0.5), [-1.0, 0.0, 3.0])
    np.testing.assert_allclose(F.softplus(x), np.log1p(np.exp(x)), rtol=1e-15)
    np.testing.assert_allclose(F.softmax(np.log([1.0, 2.0, 5.0])), [0.125, 0.25, 0.625])


def test_tanh_is_a_rescaled_sigmoid(rng):
    x = rng.standard_normal(100) * 4
    np.testing.assert_allclose(F.tanh(x), 2 * F.sigmoid(2 * x) - 1, atol=1e-15)


def test_derivatives_at_the_kink_follow_pytorch():
    zero = np.array([0.0])
    assert F.relu_grad(zero)[0] == 0.0
    assert F.leaky_relu_grad(zero, 0.1)[0] == 0.1
    assert F.sigmoid_grad(zero)[0] == 0.25
    assert F.tanh_grad(zero)[0] == 1.0


# ---- derivatives against central differences ---


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_derivative_matches_central_differences(name, rng):
    f, f_grad = ELEMENTWISE[name]
    x = away_from_kink(rng, (4, 5)) * 3
    # For an elementwise f, d(sum f(x))/dx_i = f'(x_i): one numerical gradient checks them all.
    numeric = numerical_gradient(lambda v: float(np.sum(f(v))), x)
    assert rel_error(f_grad(x), numeric) < GRAD_TOL


def test_softmax_jacobian_matches_central_differences(rng):
    x = rng.standard_normal(5)
    numeric = np.stack(
        [numerical_gradient(lambda v, i=i: float(F.softmax(v)[i]), x) for i in range(5)]
    )
    assert rel_error(F.softmax_jacobian(x), numeric) < GRAD_TOL


def test_softmax_jacobian_is_symmetric_with_zero_row_sums(rng):
    J = F.softmax_jacobian(rng.standard_normal((3, 4)))
    assert J.shape == (3, 4, 4)
    np.testing.assert_allclose(J, np.swapaxes(J, -1, -2), atol=1e-17)
    # sum_i s_i = 1 for every x, so moving x cannot change the sum: every column sums to 0.
    np.testing.assert_allclose(J.sum(axis=-2), 0, atol=1e-16)


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_softmax_backward_is_the_jacobian_product(axis, rng):
    x, g = rng.standard_normal((2, 3, 4)), rng.standard_normal((2, 3, 4))
    s = F.softmax(x, axis=axis)
    x_last, g_last = np.moveaxis(x, axis, -1), np.moveaxis(g, axis, -1)
    via_jacobian = np.einsum("...j,...ji->...i", g_last, F.softmax_jacobian(x_last))
    np.testing.assert_allclose(
        F.softmax_backward(s, g, axis=axis), np.moveaxis(via_jacobian, -1, axis), atol=1e-15
    )


def test_log_softmax_gradient_matches_central_differences(rng):
    x, w = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    numeric = numerical_gradient(lambda v: float(np.sum(w * F.log_softmax(v))), x)
    # d/dx of sum_i w_i log s_i = w - s * sum_i w_i
    analytic = w - F.softmax(x) * w.sum(axis=-1, keepdims=True)
    assert rel_error(analytic, numeric) < GRAD_TOL


def test_logsumexp_gradient_is_softmax(rng):
    x = rng.standard_normal(6)
    numeric = numerical_gradient(lambda v: float(F.logsumexp(v)), x)
    assert rel_error(F.softmax(x), numeric) < GRAD_TOL


# ---- stability ---
# pytest turns every warning into an error, so "no NumPy warning" is checked by running the code.


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sigmoid_of_plus_minus_1000_is_exactly_0_and_1(dtype):
    x = np.array([-1000.0, 1000.0], dtype=dtype)
    np.testing.assert_array_equal(F.sigmoid(x), [0.0, 1.0])
    np.testing.assert_array_equal(F.sigmoid_grad(x), [0.0, 0.0])


def test_sigmoid_keeps_tiny_values_for_very_negative_inputs():
    # The naive 1 / (1 + exp(40)) is fine too, but e^x / (1 + e^x) keeps full relative precision.
    np.testing.assert_allclose(F.sigmoid(np.array([-40.0, -700.0])), np.exp([-40.0, -700.0]))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_softmax_log_softmax_logsumexp_on_logits_of_1e4(dtype):
    z = np.array([[1e4, -1e4, 0.0], [-1e4, -1e4, -1e4], [1e4, 1e4, -1e4]], dtype=dtype)
    s, log_s = F.softmax(z), F.log_softmax(z)
    np.testing.assert_allclose(s, [[1, 0, 0], [1 / 3, 1 / 3, 1 / 3], [0.5, 0.5, 0]], rtol=1e-6)
    assert np.all(np.isfinite(log_s))
    np.testing.assert_allclose(log_s[0], [0.0, -2e4, -1e4], rtol=1e-6)
    lse = F.logsumexp(z)
    np.testing.assert_allclose(lse, [1e4, -1e4 + np.log(3), 1e4 + np.log(2)], rtol=1e-6)


def test_softplus_and_tanh_on_plus_minus_1000():
    x = np.array([-1000.0, 1000.0])
    np.testing.assert_array_equal(F.softplus(x), [0.0, 1000.0])
    np.testing.assert_array_equal(F.tanh(x), [-1.0, 1.0])
    np.testing.assert_array_equal(F.tanh_grad(x), [0.0, 0.0])


def test_the_naive_softmax_really_fails_on_large_logits():
    # Guards the claim made in the book: without the max-shift, exp(1000) overflows.
    z = np.array([1000.0, 0.0])
    with np.errstate(over="ignore", invalid="ignore"):
        naive = np.exp(z) / np.sum(np.exp(z))
    assert np.isnan(naive[0])
    np.testing.assert_array_equal(F.softmax(z), [1.0, 0.0])


# ---- dtypes ---

ALL_FUNCTIONS = [
    F.sigmoid,
    F.sigmoid_grad,
    F.tanh,
    F.tanh_grad,
    F.relu,
    F.relu_grad,
    F.leaky_relu,
    F.leaky_relu_grad,
    F.softplus,
    F.softmax,
    F.log_softmax,
    F.logsumexp,
    F.softmax_jacobian,
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("f", ALL_FUNCTIONS, ids=lambda f: f.__name__)
def test_float_dtype_is_kept(f, dtype, rng):
    x = rng.standard_normal((3, 4)).astype(dtype)
    assert f(x).dtype == dtype


def test_leaky_relu_keeps_float32_with_a_numpy_float64_alpha():
    x = np.array([-1.0, 2.0], dtype=np.float32)
    assert F.leaky_relu(x, np.float64(0.1)).dtype == np.float32
    assert F.leaky_relu_grad(x, np.float64(0.1)).dtype == np.float32


@pytest.mark.parametrize("f", ALL_FUNCTIONS, ids=lambda f: f.__name__)
def test_integer_input_is_computed_in_float64(f):
    out = f(np.array([[-2, 0, 3]]))
    assert out.dtype == np.float64


def test_integer_input_to_leaky_relu_keeps_the_slope():
    # Casting alpha to the input's integer dtype would turn the slope 0.5 into 0.
    np.testing.assert_array_equal(F.leaky_relu(np.array([-2, 3]), 0.5), [-1.0, 3.0])
    np.testing.assert_array_equal(F.leaky_relu_grad(np.array([-2, 3]), 0.5), [0.5, 1.0])


def test_softmax_backward_keeps_float32(rng):
    s = F.softmax(rng.standard_normal((2, 3)).astype(np.float32))
    g = rng.standard_normal((2, 3)).astype(np.float32)
    assert F.softmax_backward(s, g).dtype == np.float32


def test_logsumexp_keepdims_and_axis(rng):
    x = rng.standard_normal((2, 3, 4))
    assert F.logsumexp(x, axis=1).shape == (2, 4)
    assert F.logsumexp(x, axis=1, keepdims=True).shape == (2, 1, 4)
    np.testing.assert_allclose(F.logsumexp(x, axis=0), np.log(np.exp(x).sum(axis=0)))


# ---- properties ---


@settings(max_examples=60, deadline=None)
@given(finite_rows)
def test_softmax_rows_are_probability_distributions(x):
    s = F.softmax(x)
    assert np.all(s >= 0) and np.all(s <= 1)
    np.testing.assert_allclose(s.sum(axis=-1), 1.0, rtol=1e-12)


@settings(max_examples=60, deadline=None)
@given(finite_rows, st.floats(-1e3, 1e3))
def test_softmax_is_invariant_to_adding_a_constant(x, c):
    np.testing.assert_allclose(F.softmax(x + c), F.softmax(x), atol=1e-12)


@settings(max_examples=60, deadline=None)
@given(finite_rows)
def test_log_softmax_is_log_of_softmax_and_logsumexp_bounds(x):
    np.testing.assert_allclose(F.log_softmax(x), np.log(F.softmax(x)), atol=1e-12)
    # max(x) <= logsumexp(x) <= max(x) + log(C)
    lse, top = F.logsumexp(x), x.max(axis=-1)
    assert np.all(lse >= top - 1e-12) and np.all(lse <= top + np.log(x.shape[-1]) + 1e-12)


@settings(max_examples=60, deadline=None)
@given(arrays(np.float64, st.integers(1, 20), elements=st.floats(-1e6, 1e6)))
def test_sigmoid_is_in_0_1_and_symmetric(x):
    s = F.sigmoid(x)
    assert np.all((s >= 0) & (s <= 1))
    np.testing.assert_allclose(F.sigmoid(-x), 1 - s, atol=1e-15)


@settings(max_examples=60, deadline=None)
@given(arrays(np.float64, st.integers(1, 20), elements=st.floats(-1e6, 1e6)))
def test_relu_family_properties(x):
    np.testing.assert_array_equal(F.relu(x) - F.relu(-x), x)  # relu(x) - relu(-x) = x
    np.testing.assert_array_equal(F.leaky_relu(x, 1.0), x)  # slope 1 is the identity
    np.testing.assert_allclose(F.softplus(x) - F.softplus(-x), x, atol=1e-9)
