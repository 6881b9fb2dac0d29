"""nnfs.layers.activation: gradient checks, agreement with functional, dtypes, shapes, extremes."""

import numpy as np
import pytest

from nnfs import Dense, LeakyReLU, ReLU, Sequential, Sigmoid, Softmax, Tanh
from nnfs import functional as F
from nnfs.gradcheck import check_module
from tests.conftest import GRAD_TOL

LAYERS = {
    "ReLU": (ReLU, F.relu),
    "LeakyReLU": (LeakyReLU, F.leaky_relu),
    "LeakyReLU(0.3)": (lambda: LeakyReLU(0.3), lambda x: F.leaky_relu(x, 0.3)),
    "Sigmoid": (Sigmoid, F.sigmoid),
    "Tanh": (Tanh, F.tanh),
    "Softmax": (Softmax, F.softmax),
    "Softmax(axis=0)": (lambda: Softmax(axis=0), lambda x: F.softmax(x, axis=0)),
}


def inputs_away_from_zero(rng, shape):
    """Normal inputs with |x| >= 0.1: central differences with eps = 1e-6 never cross a kink."""
    x = rng.standard_normal(shape) * 2
    return np.where(np.abs(x) < 0.1, 0.1 + np.abs(x), x)


@pytest.mark.parametrize("name", LAYERS)
@pytest.mark.parametrize("shape", [(5, 4), (2, 3, 4)])
def test_backward_passes_gradient_check(name, shape, rng):
    make, _ = LAYERS[name]
    errors = check_module(make(), inputs_away_from_zero(rng, shape))
    assert errors.keys() == {"input0"}  # no parameters
    assert errors["input0"] < GRAD_TOL, errors


def test_gradient_check_inside_a_network(rng):
    # Activations between Dense layers: every weight's gradient flows through each backward.
    model = Sequential(
        Dense(3, 4, rng=rng),
        Tanh(),
        Dense(4, 4, rng=rng),
        LeakyReLU(0.1),
        Dense(4, 4, rng=rng),
        Sigmoid(),
        Dense(4, 3, rng=rng),
        Softmax(),
    )
    errors = check_module(model, rng.standard_normal((6, 3)))
    assert max(errors.values()) < GRAD_TOL, errors


@pytest.mark.parametrize("name", LAYERS)
def test_forward_equals_the_functional_version(name, rng):
    make, f = LAYERS[name]
    x = rng.standard_normal((4, 5))
    np.testing.assert_array_equal(make()(x), f(x))


def test_relu_backward_passes_gradient_only_where_input_was_positive():
    layer = ReLU()
    layer(np.array([[-1.0, 0.0, 2.0]]))
    np.testing.assert_array_equal(layer.backward(np.array([[5.0, 5.0, 5.0]])), [[0.0, 0.0, 5.0]])


def test_softmax_backward_of_a_constant_gradient_is_zero(rng):
    # Adding c to every dL/ds_i cannot change anything: the probabilities always sum to 1.
    layer = Softmax()
    layer(rng.standard_normal((3, 4)))
    np.testing.assert_allclose(layer.backward(np.full((3, 4), 7.0)), 0.0, atol=1e-15)


@pytest.mark.parametrize("name", LAYERS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_forward_and_backward_keep_the_dtype(name, dtype, rng):
    make, _ = LAYERS[name]
    layer = make()
    x = rng.standard_normal((3, 4)).astype(dtype)
    y = layer(x)
    grad_in = layer.backward(np.ones_like(y))
    assert y.dtype == dtype and grad_in.dtype == dtype


@pytest.mark.parametrize("name", LAYERS)
def test_backward_does_not_mutate_grad_out(name, rng):
    make, _ = LAYERS[name]
    layer = make()
    layer(rng.standard_normal((3, 4)))
    grad_out = rng.standard_normal((3, 4))
    saved = grad_out.copy()
    layer.backward(grad_out)
    np.testing.assert_array_equal(grad_out, saved)


@pytest.mark.parametrize("name", LAYERS)
def test_backward_with_a_wrong_shape_names_the_layer_and_both_shapes(name, rng):
    make, _ = LAYERS[name]
    layer = make()
    layer(rng.standard_normal((3, 4)))
    layer_name = type(layer).__name__
    # (4,) would broadcast silently against (3, 4): the layer must refuse it.
    with pytest.raises(
        ValueError, match=rf"{layer_name}: grad_out expected shape \(3, 4\), got \(4,\)"
    ):
        layer.backward(np.ones(4))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_extreme_inputs_give_finite_outputs_and_gradients(dtype):
    x = np.array([[-1000.0, 0.5, 1000.0], [1e4, -1e4, 0.0]], dtype=dtype)
    for layer in (ReLU(), LeakyReLU(), Sigmoid(), Tanh(), Softmax()):
        y = layer(x)
        grad_in = layer.backward(np.ones_like(y))
        assert np.all(np.isfinite(y)) and np.all(np.isfinite(grad_in)), type(layer).__name__
    np.testing.assert_array_equal(Sigmoid()(x)[0, [0, 2]], [0.0, 1.0])
    np.testing.assert_array_equal(Softmax()(x)[1], [1.0, 0.0, 0.0])


def test_activation_layers_have_no_parameters():
    for layer in (ReLU(), LeakyReLU(), Sigmoid(), Tanh(), Softmax()):
        assert layer.parameters() == [] and layer.state_dict() == {}
