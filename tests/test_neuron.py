"""nnfs.neuron.Neuron: the weighted sum, the activation, shapes, errors and the chain rule."""

import numpy as np
import pytest

from nnfs import Neuron
from nnfs import functional as F
from nnfs.gradcheck import numerical_gradient, rel_error
from tests.conftest import GRAD_TOL

ACTIVATIONS = ["sigmoid", "tanh", "relu", "leaky_relu", "linear"]


def test_output_is_the_activation_of_the_weighted_sum():
    neuron = Neuron(np.array([0.5, -1.0, 2.0]), bias=0.25, activation="sigmoid")
    x = np.array([1.0, 2.0, 3.0])
    z = 0.5 * 1.0 - 1.0 * 2.0 + 2.0 * 3.0 + 0.25  # 4.75
    assert neuron.pre_activation(x) == z
    assert neuron(x) == pytest.approx(1 / (1 + np.exp(-z)), rel=1e-15)


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_batch_gives_one_output_per_row_equal_to_single_calls(activation, rng):
    neuron = Neuron(rng.standard_normal(4), bias=-0.3, activation=activation)
    X = rng.standard_normal((6, 4))
    y = neuron(X)
    assert y.shape == (6,)
    np.testing.assert_allclose(y, [neuron(row) for row in X], rtol=1e-12, atol=1e-15)


def test_linear_neuron_is_the_affine_map(rng):
    w, X = rng.standard_normal(3), rng.standard_normal((5, 3))
    np.testing.assert_allclose(Neuron(w, 1.5, "linear")(X), X @ w + 1.5)


def test_and_gate_with_hand_picked_weights():
    # z = 20 x1 + 20 x2 - 30 is positive only when both inputs are 1.
    neuron = Neuron(np.array([20.0, 20.0]), bias=-30.0)
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])
    np.testing.assert_array_equal(neuron(X) > 0.5, [False, False, False, True])


def test_decision_boundary_is_where_the_pre_activation_is_zero():
    neuron = Neuron(np.array([1.0, -2.0]), bias=1.0)
    on_line = np.array([[1.0, 1.0], [3.0, 2.0], [-1.0, 0.0]])  # x1 - 2 x2 + 1 = 0
    np.testing.assert_allclose(neuron(on_line), 0.5)


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_gradients_match_central_differences(activation, rng):
    w = rng.standard_normal(3)
    x = rng.standard_normal(3)
    neuron = Neuron(w.copy(), bias=0.4, activation=activation)
    assert abs(neuron.pre_activation(x)) > 1e-3  # away from relu's kink
    dw, db = neuron.gradients(x)
    numeric_dw = numerical_gradient(lambda v: float(Neuron(v, 0.4, activation)(x)), w)
    numeric_db = numerical_gradient(
        lambda b: float(Neuron(w, b[0], activation)(x)), np.array([0.4])
    )
    assert dw.shape == (3,) and np.shape(db) == ()
    assert rel_error(dw, numeric_dw) < GRAD_TOL
    assert rel_error(db, numeric_db) < GRAD_TOL


def test_batch_gradients_have_one_row_per_sample(rng):
    neuron = Neuron(rng.standard_normal(3), bias=0.1, activation="tanh")
    X = rng.standard_normal((5, 3))
    dw, db = neuron.gradients(X)
    assert dw.shape == (5, 3) and db.shape == (5,)
    slope = F.tanh_grad(X @ neuron.weights + 0.1)
    np.testing.assert_allclose(dw, slope[:, None] * X)
    np.testing.assert_allclose(db, slope)


def test_float32_weights_and_inputs_stay_float32(rng):
    neuron = Neuron(rng.standard_normal(3).astype(np.float32), bias=0.5, activation="tanh")
    X = rng.standard_normal((4, 3)).astype(np.float32)
    assert neuron(X).dtype == np.float32
    assert all(g.dtype == np.float32 for g in neuron.gradients(X))


def test_integer_weights_become_float64():
    assert Neuron([1, 2]).weights.dtype == np.float64


def test_wrong_input_size_names_the_neuron_and_both_shapes():
    neuron = Neuron(np.ones(3))
    with pytest.raises(
        ValueError, match=r"Neuron: input expected shape \(3,\) or \(N, 3\), got \(2, 4\)"
    ):
        neuron(np.ones((2, 4)))
    with pytest.raises(ValueError, match=r"Neuron: .*got \(2, 2, 3\)"):
        neuron(np.ones((2, 2, 3)))
    with pytest.raises(ValueError, match=r"Neuron: .*got \(\)"):
        neuron(np.array(1.0))


def test_bad_weights_and_unknown_activation_are_rejected():
    with pytest.raises(ValueError, match=r"Neuron: weights expected shape \(D,\), got \(2, 2\)"):
        Neuron(np.ones((2, 2)))
    with pytest.raises(ValueError, match="Neuron: unknown activation 'softmax'"):
        Neuron(np.ones(2), activation="softmax")
