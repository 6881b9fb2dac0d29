"""nnfs.gradcheck: numerical gradients, rel_error and check_module (zero gradients included)."""

import numpy as np
import pytest

from nnfs import BatchNorm1d, Dense, Sequential
from nnfs.gradcheck import check_module, noise_floor, numerical_gradient, rel_error
from tests.conftest import GRAD_TOL


class _WrongBiasDense(Dense):
    """A Dense whose bias gradient is off by a small constant: the bug check_module must see."""

    def backward(self, grad_out):
        dx = super().backward(grad_out)
        self.b.grad += 1e-4
        return dx


def test_numerical_gradient_of_a_quadratic_is_exact_to_rounding():
    x = np.array([1.0, -2.0, 3.0])
    np.testing.assert_allclose(numerical_gradient(lambda v: float(v @ v), x), 2 * x, rtol=1e-9)


def test_rel_error_is_relative_and_symmetric():
    a = np.array([1.0, 2.0])
    assert rel_error(a, a) == 0.0
    assert rel_error(a, 1.01 * a) == pytest.approx(0.02 / 4.02)
    assert rel_error(a, 1.01 * a) == rel_error(1.01 * a, a)


def test_rel_error_floor_judges_a_zero_gradient_by_its_absolute_error():
    noise = np.array([3e-10, -1e-10])
    assert rel_error(np.zeros(2), noise) == pytest.approx(1.0)  # two noises: meaningless
    assert rel_error(np.zeros(2), noise, floor=0.03) == pytest.approx(1e-8)


def test_rel_error_refuses_arrays_of_different_sizes_instead_of_broadcasting():
    with pytest.raises(ValueError, match=r"rel_error: a and b expected the same size"):
        rel_error(np.zeros(3), np.zeros((3, 3)))


def test_a_bias_before_batchnorm_has_zero_gradient_and_passes_the_check(rng):
    """BatchNorm removes any per-feature shift, so the Dense bias before it gets exactly 0."""
    model = Sequential(Dense(3, 5, rng=rng), BatchNorm1d(5))
    model[1].gamma.data[...] = rng.uniform(0.5, 1.5, 5)
    errors = check_module(model, rng.standard_normal((7, 3)), seed=7)
    assert np.max(np.abs(model[0].b.grad)) < 1e-12
    assert errors["layers.0.b"] < GRAD_TOL, errors
    assert max(errors.values()) < GRAD_TOL, errors


def test_a_wrong_zero_gradient_is_still_caught(rng):
    model = Sequential(_WrongBiasDense(3, 5, rng=rng), BatchNorm1d(5))
    errors = check_module(model, rng.standard_normal((7, 3)), seed=7)
    assert errors["layers.0.b"] > 100 * GRAD_TOL
    assert errors["layers.0.W"] < GRAD_TOL


def test_noise_floor_grows_with_the_size_of_the_checked_scalar():
    y, r = np.ones(10), np.ones(10)
    assert noise_floor((y,), (r,), 1e-6) == pytest.approx(1e7 * 2.220446e-16 * 10 / 1e-6)
    assert noise_floor((10 * y,), (r,), 1e-6) == pytest.approx(10 * noise_floor((y,), (r,), 1e-6))


def test_check_module_refuses_float32(rng):
    with pytest.raises(TypeError, match=r"check_module: parameter 'W' expected float64, got"):
        check_module(Dense(2, 3, rng=rng, dtype=np.float32), np.ones((2, 2)))
    with pytest.raises(TypeError, match=r"check_module: input0 expected float64, got float32"):
        check_module(Dense(2, 3, rng=rng), np.ones((2, 2), dtype=np.float32))
