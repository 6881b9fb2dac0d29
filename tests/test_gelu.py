"""erf, erfc, gelu, gelu_grad (nnfs/functional.py) and the GELU layer (layers/activation.py)."""

import math

import numpy as np
import pytest

from nnfs import functional as F
from nnfs.gradcheck import check_module, numerical_gradient, rel_error
from nnfs.layers import GELU
from tests.conftest import GRAD_TOL

# Points where the approximation switches interval, and one float64 step either side.
BREAKS = np.array([0.84375, 1.25, 1 / 0.35, 6.0, 28.0, 2.0**-28, 0.25])
BREAKS = np.concatenate([BREAKS, np.nextafter(BREAKS, 0), np.nextafter(BREAKS, np.inf)])
EXTREMES = np.array([0.0, 5e-324, 1e-310, 2.2250738585072014e-308, 1e-200, 1e-20, 35.0, 1e300])


def ulps(ours: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """|ours - reference| in units of the last place of the reference."""
    return np.abs(ours - reference) / np.spacing(np.abs(reference))


def grid() -> np.ndarray:
    """A dense grid over every interval plus the break points and extremes, both signs."""
    positive = np.concatenate(
        [np.linspace(0, 7, 70_001), np.linspace(7, 30, 2_301), np.logspace(-320, 0, 3_201)]
    )
    positive = np.concatenate([positive, BREAKS, EXTREMES])
    return np.concatenate([positive, -positive])


# ---- erf and erfc ---------------------------------------------------------------------------


def test_erf_is_within_one_ulp_of_math_erf_on_the_whole_real_line():
    x = grid()
    reference = np.array([math.erf(v) for v in x])
    errors = ulps(F.erf(x), reference)
    assert errors.max() <= 1.0, f"max {errors.max()} ulp at x = {x[errors.argmax()]!r}"
    # Most values are not just close but equal: the approximation is at the rounding level.
    assert np.mean(errors == 0) > 0.9


def test_erfc_is_within_a_few_ulps_of_math_erfc_including_the_far_tail():
    x = grid()
    reference = np.array([math.erfc(v) for v in x])
    ours = F.erfc(x)
    assert np.all(ours[reference == 0] == 0)  # erfc(x) < 5e-324 underflows in both
    nonzero = reference > 0
    errors = ulps(ours[nonzero], reference[nonzero])
    assert errors.max() <= 4.0, f"max {errors.max()} ulp at x = {x[nonzero][errors.argmax()]!r}"
    assert np.mean(errors == 0) > 0.7


def test_erf_and_erfc_against_120_bit_arithmetic():
    mpmath = pytest.importorskip("mpmath")
    mpmath.mp.prec = 120
    x = np.random.default_rng(0).uniform(-8, 27, 2_000)
    exact_erf = np.array([float(mpmath.erf(mpmath.mpf(float(v)))) for v in x])
    exact_erfc = np.array([float(mpmath.erfc(mpmath.mpf(float(v)))) for v in x])
    assert ulps(F.erf(x), exact_erf).max() <= 1.0
    assert ulps(F.erfc(x), exact_erfc).max() <= 2.0


def test_erf_special_values_symmetry_and_signed_zero():
    x = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 6.0, -6.0, 1e300, -1e300])
    np.testing.assert_array_equal(F.erf(x), [0.0, -0.0, 1, -1, np.nan, 1, -1, 1, -1])
    assert np.signbit(F.erf(np.array(-0.0)))
    np.testing.assert_array_equal(F.erfc(x), [1, 1, 0, 2, np.nan, math.erfc(6), 2, 0, 2])
    z = np.linspace(0, 8, 1_001)
    np.testing.assert_array_equal(F.erf(-z), -F.erf(z))  # odd, bit for bit


def test_erfc_keeps_relative_precision_where_one_minus_erf_is_zero():
    x = np.array([6.0, 10.0, 26.5])
    assert np.all(1.0 - F.erf(x) == 0.0)
    reference = np.array([math.erfc(v) for v in x])  # 2.2e-17, 2.1e-45, 2.4e-307
    assert np.all(reference > 0)
    assert ulps(F.erfc(x), reference).max() <= 4.0


def test_erf_float32_and_integer_inputs():
    x = np.linspace(-5, 5, 10_001).astype(np.float32)
    out = F.erf(x)
    assert out.dtype == np.float32 and out.shape == x.shape
    reference = np.array([math.erf(float(v)) for v in x]).astype(np.float32)
    # Computed in float64 and rounded once: the float32 result is the correctly rounded one.
    assert np.array_equal(out, reference)
    assert F.erfc(x[:3]).dtype == np.float32
    assert F.erf(np.array([0, 1, -2])).dtype == np.float64
    assert F.erf(np.float16(0.5)).dtype == np.float16


def test_erf_keeps_shapes_including_scalars_and_empty_arrays(rng):
    x = rng.standard_normal((3, 4, 5)) * 3
    assert F.erf(x).shape == (3, 4, 5) and F.erfc(x).shape == (3, 4, 5)
    assert F.erf(np.array(0.5)).shape == ()
    assert F.erf(np.zeros((0, 3))).shape == (0, 3)
    assert math.isclose(float(F.erf(0.5)), math.erf(0.5), rel_tol=1e-16)


def test_erf_does_not_modify_its_input(rng):
    x = rng.standard_normal(100) * 5
    copy = x.copy()
    F.erf(x), F.erfc(x), F.gelu(x), F.gelu_grad(x)
    np.testing.assert_array_equal(x, copy)


# ---- gelu and gelu_grad ---------------------------------------------------------------------


def test_gelu_exact_form_matches_x_phi_of_x():
    x = np.linspace(-30, 30, 6_001)
    # x erfc(-x / sqrt 2) / 2 through math.erfc (accurate in the tail). The argument is rounded
    # as in nnfs: a one-ulp change of it moves erfc(u) by about 2 u^2 ulps, 1e-13 at x = -30.
    reference = np.array([0.5 * v * math.erfc(v * -0.7071067811865476) for v in x])
    np.testing.assert_allclose(F.gelu(x), reference, rtol=1e-15, atol=0)


def test_gelu_tanh_form_matches_its_formula():
    x = np.linspace(-9, 9, 1_801)
    inner = math.sqrt(2 / math.pi) * (x + 0.044715 * x**3)
    # 1 + tanh(inner) cancels for negative x: one ulp of tanh is ~1e-16 absolute in the result.
    expected = 0.5 * x * (1 + np.tanh(inner))
    np.testing.assert_allclose(F.gelu(x, "tanh"), expected, rtol=1e-13, atol=1e-15)


def test_gelu_known_values():
    assert F.gelu(np.array(0.0)) == 0.0
    # GELU(1) = Phi(1) = 0.8413447460685429..., GELU(-1) = -(1 - Phi(1)).
    assert math.isclose(float(F.gelu(np.array(1.0))), 0.8413447460685429, rel_tol=1e-15)
    assert math.isclose(float(F.gelu(np.array(-1.0))), -0.15865525393145707, rel_tol=1e-15)
    # The tanh form stays within 5e-4 of the exact one everywhere (Hendrycks & Gimpel, 2016).
    x = np.linspace(-10, 10, 20_001)
    assert np.abs(F.gelu(x, "tanh") - F.gelu(x)).max() < 5e-4


@pytest.mark.parametrize("approximate", ["none", "tanh"])
def test_gelu_grad_matches_central_differences(rng, approximate):
    x = np.concatenate([rng.standard_normal(200) * 3, [0.0, -0.7, 5.0, -5.0, 9.5, -9.5]])
    h = 1e-6  # gelu is elementwise, so one vectorized central difference covers every entry
    numeric = (F.gelu(x + h, approximate) - F.gelu(x - h, approximate)) / (2 * h)
    np.testing.assert_allclose(F.gelu_grad(x, approximate), numeric, rtol=1e-8, atol=1e-9)
    # The same through the package's numerical_gradient (a sum over all entries).
    numeric = numerical_gradient(lambda z: float(np.sum(F.gelu(z, approximate))), x[:20])
    assert rel_error(F.gelu_grad(x[:20], approximate), numeric) < 1e-8


@pytest.mark.parametrize("approximate", ["none", "tanh"])
def test_gelu_extremes_give_no_nan_and_no_warning(approximate):
    x = np.array([-np.inf, -1e300, -1e4, -40.0, -10.0, 0.0, 10.0, 1e4, 1e300, np.inf])
    with np.errstate(all="raise", under="ignore"):
        y = F.gelu(x, approximate)
        g = F.gelu_grad(x, approximate)
        x32 = np.array([-np.inf, -3e38, -1e4, -10, 0, 10, 1e4, 3e38, np.inf], dtype=np.float32)
        y32 = F.gelu(x32, approximate)
        g32 = F.gelu_grad(x32, approximate)
    np.testing.assert_array_equal(y[:3], 0.0)  # -0.0 == 0.0
    np.testing.assert_array_equal(y[-4:], x[-4:])  # x Phi(x) = x for large x
    np.testing.assert_array_equal(g[:3], 0.0)
    np.testing.assert_array_equal(g[-3:], 1.0)
    assert y32.dtype == g32.dtype == np.float32
    np.testing.assert_array_equal(y32[-3:], x32[-3:])
    at_ten = F.gelu_grad(np.array([-10.0, 10.0]), approximate).astype(np.float32)
    np.testing.assert_allclose(g32, [0, 0, 0, at_ten[0], 0.5, at_ten[1], 1, 1, 1], rtol=1e-6)


def test_gelu_keeps_dtype_and_rejects_unknown_approximation():
    x = np.linspace(-3, 3, 7, dtype=np.float32)
    for approximate in ("none", "tanh"):
        assert F.gelu(x, approximate).dtype == np.float32
        assert F.gelu_grad(x, approximate).dtype == np.float32
    with pytest.raises(ValueError, match=r"gelu: approximate expected one of 'none', 'tanh'"):
        F.gelu(x, "erf")
    with pytest.raises(ValueError, match="gelu_grad: approximate"):
        F.gelu_grad(x, "fast")


# ---- the layer ------------------------------------------------------------------------------


@pytest.mark.parametrize("approximate", ["none", "tanh"])
def test_gelu_layer_gradient_check(rng, approximate):
    errors = check_module(GELU(approximate), rng.standard_normal((4, 3, 5)) * 2)
    assert errors.keys() == {"input0"} and errors["input0"] < GRAD_TOL, errors


def test_gelu_layer_matches_the_function_and_keeps_float32(rng):
    layer = GELU()
    x = rng.standard_normal((6, 7)).astype(np.float32)
    y = layer(x)
    assert y.dtype == np.float32 and np.array_equal(y, F.gelu(x))
    g = layer.backward(np.ones_like(y))
    assert g.dtype == np.float32 and np.array_equal(g, F.gelu_grad(x))
    assert repr(GELU("tanh")) == "GELU(approximate='tanh')"


def test_gelu_layer_errors():
    with pytest.raises(ValueError, match=r"GELU: approximate expected one of 'none', 'tanh', got"):
        GELU("exact")
    layer = GELU()
    with pytest.raises(RuntimeError, match="GELU: backward called before forward"):
        layer.backward(np.ones(3))
    layer(np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"GELU: grad_out expected shape \(2, 3\), got \(3, 2\)"):
        layer.backward(np.ones((3, 2)))
