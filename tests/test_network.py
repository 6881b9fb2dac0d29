"""NeuralNetwork: the list-of-sizes builder, its gradient check, update, and reproducibility."""

import numpy as np
import pytest

from nnfs import Dense, NeuralNetwork, ReLU, Sigmoid, Tanh
from nnfs.datasets import make_xor
from nnfs.gradcheck import check_module
from nnfs.losses import MSE, BinaryCrossEntropy
from tests.conftest import GRAD_TOL


def test_seed_readme_usage_runs_forward_backward_update():
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
    y = np.array([[0], [1], [1], [0]], dtype=float)
    nn = NeuralNetwork([2, 3, 1], ["relu", "sigmoid"])
    out = nn.forward(X)
    assert out.shape == (4, 1) and np.all((out > 0) & (out < 1))
    loss = BinaryCrossEntropy()
    loss(out, y)
    before = [p.data.copy() for p in nn.parameters()]
    nn.backward(loss.backward())
    nn.update(learning_rate=0.01)
    assert any(not np.array_equal(a, p.data) for a, p in zip(before, nn.parameters(), strict=True))
    assert all(np.all(p.grad == 0) for p in nn.parameters())


def test_builder_makes_dense_and_activation_layers_in_order():
    nn = NeuralNetwork([2, 3, 4, 1], ["relu", "tanh", "sigmoid"])
    kinds = [type(layer) for layer in nn.layers]
    assert kinds == [Dense, ReLU, Dense, Tanh, Dense, Sigmoid]
    assert [layer.W.shape for layer in nn.layers if isinstance(layer, Dense)] == [
        (2, 3),
        (3, 4),
        (4, 1),
    ]
    assert nn.num_parameters() == (2 * 3 + 3) + (3 * 4 + 4) + (4 * 1 + 1)


def test_linear_or_none_adds_no_activation():
    for act in (None, "linear"):
        nn = NeuralNetwork([3, 2], [act])
        assert len(nn.layers) == 1


def test_parameter_names_are_dotted_layer_indices():
    nn = NeuralNetwork([2, 3, 1], ["relu", "sigmoid"])
    assert [name for name, _ in nn.named_parameters()] == [
        "layers.0.W",
        "layers.0.b",
        "layers.2.W",
        "layers.2.b",
    ]


@pytest.mark.parametrize(
    "activations", [["tanh", "sigmoid"], ["sigmoid", None], ["leaky_relu", "softmax"]]
)
def test_gradient_check_through_the_whole_network(rng, activations):
    nn = NeuralNetwork([3, 5, 4], activations, seed=rng)
    for layer in nn.layers:
        if isinstance(layer, Dense):
            layer.b.data[...] = rng.standard_normal(layer.b.shape) * 0.1
    errors = check_module(nn, rng.standard_normal((6, 3)))
    assert set(errors) == {"input0", "layers.0.W", "layers.0.b", "layers.2.W", "layers.2.b"}
    assert max(errors.values()) < GRAD_TOL, errors


def test_gradient_check_with_relu_away_from_the_kink():
    nn = NeuralNetwork([2, 4, 1], ["relu", None], seed=3)
    x = np.random.default_rng(3).standard_normal((5, 2))
    pre = nn.layers[0](x)
    assert np.min(np.abs(pre)) > 1e-3  # no pre-activation within eps of the kink at 0
    assert max(check_module(nn, x).values()) < GRAD_TOL


def test_backward_returns_gradient_of_the_loss_wrt_the_input(rng):
    nn = NeuralNetwork([3, 4, 2], ["tanh", None], seed=rng)
    x, target = rng.standard_normal((5, 3)), rng.standard_normal((5, 2))
    loss = MSE()
    loss(nn(x), target)
    dx = nn.backward(loss.backward())
    eps = 1e-6
    for i in range(5):
        for j in range(3):
            xp, xm = x.copy(), x.copy()
            xp[i, j] += eps
            xm[i, j] -= eps
            numeric = (loss(nn(xp), target) - loss(nn(xm), target)) / (2 * eps)
            assert dx[i, j] == pytest.approx(numeric, rel=1e-6, abs=1e-10)


def test_update_is_plain_gradient_descent_and_skips_frozen_layers(rng):
    nn = NeuralNetwork([2, 3, 1], ["tanh", None], seed=rng)
    nn.layers[0].freeze()
    for p in nn.parameters():
        p.grad[...] = 1.0
    before = [p.data.copy() for p in nn.parameters()]
    nn.update(learning_rate=0.5)
    after = [p.data for p in nn.parameters()]
    np.testing.assert_array_equal(after[0], before[0])
    np.testing.assert_array_equal(after[1], before[1])
    np.testing.assert_allclose(after[2], before[2] - 0.5)
    np.testing.assert_allclose(after[3], before[3] - 0.5)


def _train_xor_by_hand(seed):
    X, y = make_xor()
    nn = NeuralNetwork([2, 4, 1], ["tanh", "sigmoid"], seed=seed)
    loss = BinaryCrossEntropy()
    for _ in range(300):
        loss(nn.forward(X), y)
        nn.backward(loss.backward())
        nn.update(learning_rate=0.5)
    return nn


def test_same_seed_trains_to_bit_identical_weights():
    a, b = _train_xor_by_hand(seed=11), _train_xor_by_hand(seed=11)
    for p, q in zip(a.parameters(), b.parameters(), strict=True):
        assert np.array_equal(p.data, q.data)
    c = _train_xor_by_hand(seed=12)
    assert not np.array_equal(a.parameters()[0].data, c.parameters()[0].data)


def test_float32_network_stays_float32(rng):
    nn = NeuralNetwork([4, 8, 3], ["relu", "softmax"], seed=rng, dtype=np.float32)
    out = nn(rng.standard_normal((5, 4)).astype(np.float32))
    dx = nn.backward(np.ones_like(out))
    nn.update(learning_rate=0.1)
    assert out.dtype == dx.dtype == np.float32
    assert all(p.data.dtype == np.float32 for p in nn.parameters())


@pytest.mark.parametrize(
    ("sizes", "activations", "message"),
    [
        ([2, 3, 1], ["relu"], "expected 2 activations"),
        ([2, 3, 1], ["relu", "swish"], "unknown activation 'swish'"),
        ([2], [], "sizes must be at least two positive integers"),
        ([2, 0, 1], ["relu", None], "sizes must be at least two positive integers"),
    ],
)
def test_bad_configuration_raises_value_error(sizes, activations, message):
    with pytest.raises(ValueError, match=f"NeuralNetwork: {message}"):
        NeuralNetwork(sizes, activations)


def test_wrong_input_width_raises_naming_the_dense_layer():
    nn = NeuralNetwork([2, 3, 1], ["relu", "sigmoid"])
    with pytest.raises(ValueError, match=r"Dense: input expected shape \(\*, 2\), got \(4, 3\)"):
        nn.forward(np.zeros((4, 3)))
