"""LeNet5: shapes, dtype, gradients of the full model (sampled entries), a short training run."""

import numpy as np
import pytest

from nnfs.datasets import load_digits
from nnfs.gradcheck import numerical_gradient, rel_error
from nnfs.layers import Conv2D, Dense, MaxPool2D, ReLU, Tanh
from nnfs.losses import SoftmaxCrossEntropy
from nnfs.models import LeNet5
from nnfs.optim import Adam
from nnfs.training import accuracy, batches
from tests.conftest import GRAD_TOL


def test_lenet5_layer_shapes_and_parameter_count(rng):
    model = LeNet5(rng=rng)
    x = rng.standard_normal((3, 1, 32, 32))
    assert model(x).shape == (3, 10)
    maps = model.feature_maps(x)
    assert [m.shape for m in maps] == [
        (3, 6, 28, 28),
        (3, 6, 14, 14),
        (3, 16, 10, 10),
        (3, 16, 5, 5),
    ]
    # 156 + 2,416 + 48,120 + 10,164 + 850 parameters, as in LeCun et al. (1998) without C3's table.
    assert model.num_parameters() == 61_706
    assert model.conv1.W.shape == (6, 1, 5, 5) and model.conv2.W.shape == (16, 6, 5, 5)
    assert [type(layer) for layer in model.layers[:3]] == [Conv2D, MaxPool2D, ReLU]
    assert isinstance(model.layers[-1], Dense)


def test_pooling_before_the_activation_gives_the_same_output_as_after(rng):
    model = LeNet5("tanh", rng=rng)
    x = rng.standard_normal((2, 1, 32, 32))
    conv_act_pool = MaxPool2D(2)(np.tanh(model.conv1(x)))
    np.testing.assert_allclose(model.feature_maps(x)[1], conv_act_pool)
    assert isinstance(model.layers[2], Tanh)


def test_lenet5_float32_stays_float32_through_a_training_step(rng):
    model = LeNet5(rng=rng, dtype=np.float32)
    x = rng.standard_normal((4, 1, 32, 32)).astype(np.float32)
    loss = SoftmaxCrossEntropy()
    out = model(x)
    loss(out, np.arange(4))
    grad_x = model.backward(loss.backward())
    Adam(model.parameters()).step()
    assert out.dtype == grad_x.dtype == np.float32
    for name, p in model.named_parameters():
        assert p.data.dtype == p.grad.dtype == np.float32, name
        assert p.data.flags.c_contiguous, name


@pytest.mark.parametrize("activation", ["relu", "tanh"])
def test_lenet5_backward_matches_numerical_gradients_on_sampled_entries(activation):
    # The full check (every one of 61,706 weights) takes minutes; 12 random entries of each
    # parameter and 40 input pixels exercise every layer's backward in about a second.
    rng = np.random.default_rng(7)
    model = LeNet5(activation, rng=rng)
    for p in model.parameters():
        p.data += 0.1 * rng.standard_normal(p.shape)  # nonzero biases too
    x = rng.standard_normal((2, 1, 32, 32))
    R = rng.standard_normal((2, 10))

    def scalar(_=None):
        return float(np.sum(R * model(x)))

    model.zero_grad()
    model(x)
    grad_x = model.backward(R)
    arrays = [("input", x, grad_x, 40)] + [
        (n, p.data, p.grad, 12) for n, p in model.named_parameters()
    ]
    for name, values, analytic, count in arrays:
        flat, grad = values.reshape(-1), analytic.reshape(-1)
        idx = rng.choice(flat.size, size=min(count, flat.size), replace=False)
        numeric = np.empty(idx.size)
        for k, i in enumerate(idx):
            entry = flat[i : i + 1]  # a view, perturbed in place by numerical_gradient
            numeric[k] = numerical_gradient(scalar, entry)[0]
        assert rel_error(grad[idx], numeric) < GRAD_TOL, name


def test_lenet5_rejects_wrong_input_and_unknown_activation(rng):
    with pytest.raises(ValueError, match=r"LeNet5: input expected shape \(\*, 1, 32, 32\)"):
        LeNet5(rng=rng)(np.zeros((2, 1, 28, 28)))
    with pytest.raises(ValueError, match="LeNet5: activation expected one of"):
        LeNet5("sigmoid")


def test_lenet5_learns_the_digits_in_a_few_steps():
    X, y = load_digits(dtype=np.float32)
    X, y = X[:320], y[:320]
    rng = np.random.default_rng(0)
    model = LeNet5(rng=rng, dtype=np.float32)
    loss, opt = SoftmaxCrossEntropy(), Adam(model.parameters(), lr=2e-3)
    first = loss(model(X), y)
    for _ in range(4):
        for xb, yb in batches(X, y, 32, rng):
            opt.zero_grad()
            loss(model(xb), yb)
            model.backward(loss.backward())
            opt.step()
    assert loss(model(X), y) < 0.3 * first
    assert accuracy(model(X), y) > 0.85
