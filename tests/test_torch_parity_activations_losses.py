"""Parity with PyTorch (float64) for chapters 1-2: every activation and every loss.

Forward values and gradients are compared; the failure message prints ours next to theirs.
Skipped with a reason when torch is not installed (tests.torch_utils does the importorskip).
"""

import numpy as np
import pytest

from nnfs import LeakyReLU, ReLU, Sigmoid, Softmax, Tanh
from nnfs import functional as F
from nnfs.losses import (
    MSE,
    BinaryCrossEntropy,
    BinaryCrossEntropyWithLogits,
    CategoricalCrossEntropy,
    SoftmaxCrossEntropy,
)
from tests.torch_utils import t, torch

TF = torch.nn.functional
RTOL, ATOL = 1e-12, 1e-14


def assert_close(ours, theirs, what):
    theirs = theirs.detach().numpy() if isinstance(theirs, torch.Tensor) else np.asarray(theirs)
    np.testing.assert_allclose(
        ours, theirs, rtol=RTOL, atol=ATOL, err_msg=f"{what}\nnnfs:  {ours}\ntorch: {theirs}"
    )


# ---- activation functions and layers ---

ACTIVATIONS = {
    # name: (nnfs layer, nnfs function, its derivative or None, torch function)
    "relu": (ReLU, F.relu, F.relu_grad, torch.relu),
    "leaky_relu": (LeakyReLU, F.leaky_relu, F.leaky_relu_grad, TF.leaky_relu),
    "leaky_relu_0.2": (
        lambda: LeakyReLU(0.2),
        lambda x: F.leaky_relu(x, 0.2),
        lambda x: F.leaky_relu_grad(x, 0.2),
        lambda x: TF.leaky_relu(x, negative_slope=0.2),
    ),
    "sigmoid": (Sigmoid, F.sigmoid, F.sigmoid_grad, torch.sigmoid),
    "tanh": (Tanh, F.tanh, F.tanh_grad, torch.tanh),
    "softmax": (Softmax, F.softmax, None, lambda x: torch.softmax(x, dim=-1)),
    "softmax_axis0": (
        lambda: Softmax(axis=0),
        lambda x: F.softmax(x, axis=0),
        None,
        lambda x: torch.softmax(x, dim=0),
    ),
}


@pytest.fixture
def x(rng):
    # includes exact zeros (the kink) and large values (saturation)
    values = rng.standard_normal((5, 6)) * 3
    values[0, :3] = [0.0, 40.0, -40.0]
    return values


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_activation_layer_forward_and_backward(name, x, rng):
    make, _, _, torch_f = ACTIVATIONS[name]
    layer = make()
    grad_out = rng.standard_normal(x.shape)
    xt = t(x)
    yt = torch_f(xt)
    yt.backward(torch.tensor(grad_out))
    assert_close(layer(x), yt, f"{name} forward")
    assert_close(layer.backward(grad_out), xt.grad, f"{name} backward")


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_activation_function_and_derivative(name, x):
    _, f, f_grad, torch_f = ACTIVATIONS[name]
    xt = t(x)
    yt = torch_f(xt)
    assert_close(f(x), yt, f"{name} value")
    if f_grad is not None:  # elementwise: d(sum f)/dx_i = f'(x_i)
        yt.sum().backward()
        assert_close(f_grad(x), xt.grad, f"{name} derivative")


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_log_softmax_logsumexp_and_softplus(axis, x):
    assert_close(F.log_softmax(x, axis=axis), torch.log_softmax(t(x), dim=axis), "log_softmax")
    assert_close(F.logsumexp(x, axis=axis), torch.logsumexp(t(x), dim=axis), "logsumexp")
    assert_close(F.softplus(x), TF.softplus(t(x), threshold=1000), "softplus")


def test_softmax_jacobian(rng):
    x = rng.standard_normal(5)
    jac = torch.autograd.functional.jacobian(lambda v: torch.softmax(v, dim=0), torch.tensor(x))
    assert_close(F.softmax_jacobian(x), jac, "softmax Jacobian")


def test_extreme_logits_agree(rng):
    z = np.array([[1e4, -1e4, 0.0], [-1e4, -1e4, -1e4]])
    assert_close(F.softmax(z), torch.softmax(t(z), dim=-1), "softmax(±1e4)")
    assert_close(F.log_softmax(z), torch.log_softmax(t(z), dim=-1), "log_softmax(±1e4)")
    s = np.array([-1000.0, 1000.0])
    assert_close(F.sigmoid(s), torch.sigmoid(t(s)), "sigmoid(±1000)")


# ---- losses ---


def compare_loss(ours, pred, target, torch_loss, what):
    """Forward value and dL/dpred of an nnfs loss against a torch loss of (pred, target)."""
    pt = t(pred)
    lt = torch_loss(pt, torch.tensor(target))
    lt.backward()
    assert_close(ours(pred, target), lt, f"{what} value")
    assert_close(ours.backward(), pt.grad, f"{what} gradient")


@pytest.mark.parametrize("shape", [(7,), (5, 3)])
def test_mse(shape, rng):
    pred, target = rng.standard_normal(shape), rng.standard_normal(shape)
    compare_loss(MSE(), pred, target, TF.mse_loss, "MSE")


@pytest.mark.parametrize("soft", [False, True])
def test_binary_cross_entropy(soft, rng):
    p = rng.uniform(0.01, 0.99, size=(6, 2))
    y = rng.uniform(size=(6, 2)) if soft else rng.integers(0, 2, size=(6, 2)).astype(float)
    compare_loss(BinaryCrossEntropy(), p, y, TF.binary_cross_entropy, "BCE")


def test_binary_cross_entropy_with_logits(rng):
    z = rng.standard_normal((6, 2)) * 5
    z[0] = [1e4, -1e4]
    y = rng.integers(0, 2, size=(6, 2)).astype(float)
    compare_loss(BinaryCrossEntropyWithLogits(), z, y, TF.binary_cross_entropy_with_logits, "BCEL")


def test_categorical_cross_entropy_with_labels_is_nll_of_log_probs(rng):
    p = F.softmax(rng.standard_normal((6, 4)))
    y = rng.integers(0, 4, size=6)
    compare_loss(
        CategoricalCrossEntropy(), p, y, lambda pt, yt: TF.nll_loss(torch.log(pt), yt), "CCE"
    )


def test_categorical_cross_entropy_with_one_hot_targets(rng):
    p = F.softmax(rng.standard_normal((6, 4)))
    one_hot = np.eye(4)[rng.integers(0, 4, size=6)]

    def torch_cce(pt, yt):
        return -(yt * torch.log(pt)).sum(dim=1).mean()

    compare_loss(CategoricalCrossEntropy(), p, one_hot, torch_cce, "CCE one-hot")


@pytest.mark.parametrize("target_kind", ["labels", "one_hot", "probabilities"])
def test_softmax_cross_entropy_is_torch_cross_entropy(target_kind, rng):
    z = rng.standard_normal((6, 4)) * 3
    z[0] = [1e4, -1e4, 0.0, 5.0]  # extreme logits must agree too
    labels = rng.integers(0, 4, size=6)
    target = {
        "labels": labels,
        "one_hot": np.eye(4)[labels],
        "probabilities": F.softmax(rng.standard_normal((6, 4))),
    }[target_kind]
    compare_loss(SoftmaxCrossEntropy(), z, target, TF.cross_entropy, f"cross-entropy {target_kind}")
