"""Chapters 3-4 against PyTorch (float64): Dense vs nn.Linear, optimizers vs torch.optim.

Our Dense stores W as (in, out) so that y = x @ W + b; torch.nn.Linear stores weight as
(out, in) and computes x @ weight.T + bias. Copying W.T into torch makes the two layers equal.
"""

import numpy as np
import pytest

from nnfs import Dense, NeuralNetwork, Parameter
from nnfs.losses import MSE, SoftmaxCrossEntropy
from nnfs.optim import SGD, Adam, Momentum, RMSProp
from tests.torch_utils import t, torch  # skips this module when torch is absent


def _assert_close(name, ours, theirs, rtol=1e-12, atol=1e-13):
    theirs = theirs.detach().numpy() if hasattr(theirs, "detach") else theirs
    np.testing.assert_allclose(ours, theirs, rtol=rtol, atol=atol, err_msg=f"{name}: nnfs vs torch")


def _linear_like(layer):
    linear = torch.nn.Linear(layer.in_features, layer.out_features, dtype=torch.float64)
    with torch.no_grad():
        linear.weight.copy_(torch.from_numpy(layer.W.data.T.copy()))
        linear.bias.copy_(torch.from_numpy(layer.b.data))
    return linear


def test_dense_forward_and_gradients_match_nn_linear(rng):
    layer = Dense(5, 3, rng=rng)
    layer.b.data[...] = rng.standard_normal(3)
    linear = _linear_like(layer)
    x, g = rng.standard_normal((7, 5)), rng.standard_normal((7, 3))

    y = layer(x)
    dx = layer.backward(g)
    xt = t(x)
    yt = linear(xt)
    yt.backward(torch.from_numpy(g))

    _assert_close("forward", y, yt)
    _assert_close("dL/dx", dx, xt.grad)
    _assert_close("dL/dW (= weight.grad transposed)", layer.W.grad, linear.weight.grad.T)
    _assert_close("dL/db", layer.b.grad, linear.bias.grad)


def test_network_loss_and_gradients_match_a_torch_sequential(rng):
    net = NeuralNetwork([4, 6, 3], ["tanh", None], seed=rng)
    dense = [layer for layer in net.layers if isinstance(layer, Dense)]
    model = torch.nn.Sequential(_linear_like(dense[0]), torch.nn.Tanh(), _linear_like(dense[1]))
    x, labels = rng.standard_normal((8, 4)), rng.integers(0, 3, 8)

    loss_fn = SoftmaxCrossEntropy()
    loss = loss_fn(net(x), labels)
    net.backward(loss_fn.backward())
    loss_t = torch.nn.functional.cross_entropy(model(t(x)), torch.from_numpy(labels))
    loss_t.backward()

    _assert_close("loss", loss, loss_t)
    for ours, theirs in zip(dense, [model[0], model[2]], strict=True):
        _assert_close("W grad", ours.W.grad, theirs.weight.grad.T)
        _assert_close("b grad", ours.b.grad, theirs.bias.grad)


OPTIMIZERS = [
    ("SGD", lambda ps: SGD(ps, lr=0.1), lambda ps: torch.optim.SGD(ps, lr=0.1)),
    (
        "SGD momentum",
        lambda ps: SGD(ps, lr=0.05, momentum=0.9),
        lambda ps: torch.optim.SGD(ps, lr=0.05, momentum=0.9),
    ),
    (
        "Momentum",
        lambda ps: Momentum(ps, lr=0.05, beta=0.8),
        lambda ps: torch.optim.SGD(ps, lr=0.05, momentum=0.8),
    ),
    (
        "RMSProp",
        lambda ps: RMSProp(ps, lr=0.01, alpha=0.9, eps=1e-8),
        lambda ps: torch.optim.RMSprop(ps, lr=0.01, alpha=0.9, eps=1e-8),
    ),
    (
        "Adam",
        lambda ps: Adam(ps, lr=0.02, betas=(0.85, 0.99), eps=1e-8),
        lambda ps: torch.optim.Adam(ps, lr=0.02, betas=(0.85, 0.99), eps=1e-8),
    ),
    (
        "Adam weight_decay",
        lambda ps: Adam(ps, lr=0.02, weight_decay=0.1),
        lambda ps: torch.optim.Adam(ps, lr=0.02, weight_decay=0.1),
    ),
    (
        "AdamW",
        lambda ps: Adam(ps, lr=0.02, weight_decay=0.1, decoupled=True),
        lambda ps: torch.optim.AdamW(ps, lr=0.02, weight_decay=0.1),
    ),
    (
        "SGD weight_decay",
        lambda ps: SGD(ps, lr=0.05, momentum=0.5, weight_decay=0.1),
        lambda ps: torch.optim.SGD(ps, lr=0.05, momentum=0.5, weight_decay=0.1),
    ),
]


@pytest.mark.parametrize(("name", "make_ours", "make_theirs"), OPTIMIZERS)
def test_optimizer_trajectory_on_a_quadratic_matches_torch(name, make_ours, make_theirs):
    # f(x) = 0.5 x^T A x - c^T x with an ill-conditioned A: the gradient depends on the
    # trajectory, so any difference in the update rule would compound over the 20 steps.
    A = np.array([[3.0, 0.5], [0.5, 0.2]])
    c = np.array([1.0, -1.0])
    x = Parameter(np.array([2.0, -3.0]))
    xt = torch.tensor([2.0, -3.0], dtype=torch.float64, requires_grad=True)
    ours, theirs = make_ours([x]), make_theirs([xt])
    At, ct = torch.from_numpy(A), torch.from_numpy(c)
    for step in range(20):
        x.grad[...] = A @ x.data - c
        ours.step()
        theirs.zero_grad()
        (0.5 * xt @ At @ xt - ct @ xt).backward()
        theirs.step()
        _assert_close(f"{name} step {step + 1}", x.data, xt)


@pytest.mark.parametrize(("name", "make_ours", "make_theirs"), OPTIMIZERS)
def test_optimizer_training_a_small_network_matches_torch(rng, name, make_ours, make_theirs):
    net = NeuralNetwork([3, 5, 2], ["tanh", None], seed=rng)
    dense = [layer for layer in net.layers if isinstance(layer, Dense)]
    for layer in dense:
        layer.b.data[...] = rng.standard_normal(layer.b.shape) * 0.1
    model = torch.nn.Sequential(_linear_like(dense[0]), torch.nn.Tanh(), _linear_like(dense[1]))
    x, target = rng.standard_normal((16, 3)), rng.standard_normal((16, 2))
    ours, theirs = make_ours(net.parameters()), make_theirs(model.parameters())
    loss_fn = MSE()
    for _ in range(20):
        ours.zero_grad()
        loss = loss_fn(net(x), target)
        net.backward(loss_fn.backward())
        ours.step()
        theirs.zero_grad()
        loss_t = torch.nn.functional.mse_loss(model(torch.from_numpy(x)), torch.from_numpy(target))
        loss_t.backward()
        theirs.step()
        _assert_close(f"{name} loss", loss, loss_t, rtol=1e-10)
    for ours_layer, theirs_layer in zip(dense, [model[0], model[2]], strict=True):
        _assert_close(f"{name} W", ours_layer.W.data, theirs_layer.weight.T, rtol=1e-10)
        _assert_close(f"{name} b", ours_layer.b.data, theirs_layer.bias, rtol=1e-10)
