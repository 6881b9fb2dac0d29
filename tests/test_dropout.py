"""Dropout: inverted scaling, eval identity, reproducible masks, gradients with a fixed mask."""

import numpy as np
import pytest

from nnfs import Dense, Sequential, Tanh
from nnfs.gradcheck import check_module
from nnfs.layers.dropout import Dropout
from tests.conftest import GRAD_TOL


def test_eval_mode_is_the_identity_forward_and_backward(rng):
    layer = Dropout(0.5, rng=rng).eval()
    x = rng.standard_normal((4, 6))
    np.testing.assert_array_equal(layer(x), x)
    g = rng.standard_normal((4, 6))
    np.testing.assert_array_equal(layer.backward(g), g)


def test_p_zero_is_the_identity_in_training(rng):
    x = rng.standard_normal((3, 5))
    np.testing.assert_array_equal(Dropout(0.0, rng=rng)(x), x)


def test_training_outputs_are_zero_or_scaled_by_one_over_keep_probability(rng):
    x = rng.uniform(1.0, 2.0, (50, 40))
    y = Dropout(0.25, rng=rng)(x)
    kept = y != 0
    np.testing.assert_allclose(y[kept], x[kept] / 0.75, rtol=1e-15)
    assert 0 < kept.sum() < x.size


def test_expected_activation_is_preserved_statistically():
    """With 10^6 units and p = 0.3: drop rate ~ 0.3 and mean(y) ~ mean(x) = 1.

    y = x * keep / 0.7 has variance p / (1 - p) = 0.43 per unit, so the mean of 10^6 of them
    has standard deviation 6.5e-4; the tolerance 4e-3 is six of those.
    """
    x = np.ones((1000, 1000))
    y = Dropout(0.3, rng=np.random.default_rng(2024))(x)
    assert abs((y == 0).mean() - 0.3) < 3e-3
    assert abs(y.mean() - 1.0) < 4e-3


def test_expected_activation_per_unit_over_many_masks():
    """Each unit separately: averaged over 4000 masks, E[y_i] = x_i."""
    x = np.array([[-2.0, 0.5, 3.0]])
    layer = Dropout(0.5, rng=np.random.default_rng(5))
    mean = np.mean([layer(x) for _ in range(4000)], axis=0)
    # std of each mean: |x_i| * sqrt(p / (1 - p) / 4000) = |x_i| * 0.016
    np.testing.assert_allclose(mean, x, atol=0.2)


def test_same_seed_gives_the_same_mask_different_seed_another():
    x = np.ones((20, 30))
    a = Dropout(0.5, rng=np.random.default_rng(7))(x)
    b = Dropout(0.5, rng=np.random.default_rng(7))(x)
    c = Dropout(0.5, rng=np.random.default_rng(8))(x)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_a_new_mask_at_every_forward_unless_fixed(rng):
    layer = Dropout(0.5, rng=rng)
    x = np.ones((10, 10))
    first, second = layer(x), layer(x)
    assert not np.array_equal(first, second)
    layer.fix_mask()
    np.testing.assert_array_equal(layer(x), second)
    np.testing.assert_array_equal(layer(x), second)
    layer.release_mask()
    assert not np.array_equal(layer(x), second)


def test_backward_uses_the_forward_mask(rng):
    layer = Dropout(0.4, rng=rng)
    x = rng.standard_normal((6, 7))
    y = layer(x)
    dx = layer.backward(np.ones_like(x))
    np.testing.assert_array_equal(dx == 0, y == 0)
    np.testing.assert_allclose(dx[dx != 0], 1 / 0.6)


def test_gradient_check_with_a_fixed_mask(rng):
    keep = rng.random((5, 8)) >= 0.5
    layer = Dropout(0.5, rng=rng).fix_mask(keep)
    errors = check_module(layer, rng.standard_normal((5, 8)), seed=3)
    assert errors["input0"] < GRAD_TOL


def test_gradient_check_of_a_network_with_dropout(rng):
    drop = Dropout(0.3, rng=rng)
    model = Sequential(Dense(4, 8, rng=rng), Tanh(), drop, Dense(8, 3, rng=rng))
    x = rng.standard_normal((6, 4))
    model(x)
    drop.fix_mask()  # the mask the first forward drew
    errors = check_module(model, x, seed=3)
    assert max(errors.values()) < GRAD_TOL, errors


def test_float32_stays_float32(rng):
    layer = Dropout(0.5, rng=rng)
    x = rng.standard_normal((4, 4)).astype(np.float32)
    y = layer(x)
    assert y.dtype == np.float32
    assert layer.backward(np.ones_like(y)).dtype == np.float32


def test_invalid_arguments_raise_value_errors(rng):
    for p in (-0.1, 1.0, 1.5):
        with pytest.raises(ValueError, match=r"Dropout: p expected a value in \[0, 1\)"):
            Dropout(p)
    with pytest.raises(ValueError, match="Dropout.fix_mask: no mask drawn yet"):
        Dropout(0.5).fix_mask()
    layer = Dropout(0.5, rng=rng).fix_mask(np.ones((2, 3), dtype=bool))
    with pytest.raises(ValueError, match=r"Dropout: input expected shape \(2, 3\).*got \(4, 3\)"):
        layer(np.ones((4, 3)))


@pytest.mark.parametrize("training", [True, False])
def test_dropout_refuses_integer_input_in_every_mode(training):
    """1 / (1 - p) is not an integer: an int array would truncate it (PyTorch refuses too)."""
    layer = Dropout(0.5).train(training)
    with pytest.raises(TypeError, match=r"Dropout: input expected a floating-point array, got"):
        layer(np.ones((2, 3), dtype=np.int64))


@pytest.mark.parametrize("training", [True, False])
def test_dropout_backward_checks_grad_out_in_every_mode(rng, training):
    layer = Dropout(0.5, rng=rng).train(training)
    layer(np.ones((2, 3)))
    with pytest.raises(
        ValueError, match=r"Dropout: grad_out expected shape \(2, 3\), got \(1, 3\)"
    ):
        layer.backward(np.ones((1, 3)))  # would broadcast silently


def test_fix_mask_refuses_a_non_boolean_mask():
    with pytest.raises(TypeError, match="Dropout.fix_mask: keep expected a boolean"):
        Dropout(0.5).fix_mask(np.ones((2, 3)))
