"""Conv2D, MaxPool2D and LeNet5 against torch.nn.functional in float64: values and gradients."""

import numpy as np
import pytest

from nnfs.layers.conv import Conv2D
from nnfs.layers.pool import MaxPool2D
from nnfs.models import LeNet5
from tests.torch_utils import t, torch

F = torch.nn.functional


def compare(name, ours, theirs, rtol=1e-10, atol=1e-12):
    theirs = theirs.detach().numpy()
    np.testing.assert_allclose(ours, theirs, rtol=rtol, atol=atol, err_msg=f"{name}: nnfs vs torch")


@pytest.mark.parametrize(
    "c_in, c_out, hw, kernel, stride, padding",
    [
        (1, 6, (12, 12), 5, 1, 0),
        (3, 4, (9, 7), 3, 2, 1),
        (2, 3, (8, 10), (3, 2), (2, 1), (1, 0)),
    ],
)
def test_conv2d_matches_torch_conv2d(rng, c_in, c_out, hw, kernel, stride, padding):
    layer = Conv2D(c_in, c_out, kernel, stride, padding, rng=rng)
    layer.b.data[:] = rng.standard_normal(c_out)
    x = rng.standard_normal((3, c_in, *hw))
    y = layer(x)
    g = rng.standard_normal(y.shape)
    grad_x = layer.backward(g)

    tx, tW, tb = t(x), t(layer.W.data), t(layer.b.data)
    ty = F.conv2d(tx, tW, tb, stride=stride, padding=padding)
    ty.backward(torch.tensor(g))
    compare("output", y, ty)
    compare("dL/dx", grad_x, tx.grad)
    compare("dL/dW", layer.W.grad, tW.grad)
    compare("dL/db", layer.b.grad, tb.grad)


@pytest.mark.parametrize(
    "kernel, stride, hw", [(2, None, (8, 8)), (2, None, (7, 9)), (3, 2, (9, 8))]
)
def test_maxpool2d_matches_torch_max_pool2d(rng, kernel, stride, hw):
    pool = MaxPool2D(kernel, stride)
    x = rng.standard_normal((2, 3, *hw))
    y = pool(x)
    g = rng.standard_normal(y.shape)
    grad_x = pool.backward(g)

    tx = t(x)
    ty = F.max_pool2d(tx, kernel, stride)
    ty.backward(torch.tensor(g))
    compare("output", y, ty)
    compare("dL/dx", grad_x, tx.grad)


def test_lenet5_logits_and_gradients_match_the_same_network_in_torch(rng):
    model = LeNet5(rng=rng)
    x = rng.standard_normal((4, 1, 32, 32))
    logits = model(x)
    g = rng.standard_normal(logits.shape)
    grad_x = model.backward(g)

    params = {name: t(p.data) for name, p in model.named_parameters()}
    tx = t(x)
    h = F.max_pool2d(F.relu(F.conv2d(tx, params["layers.0.W"], params["layers.0.b"])), 2)
    h = F.max_pool2d(F.relu(F.conv2d(h, params["layers.3.W"], params["layers.3.b"])), 2)
    h = h.flatten(1)
    h = F.relu(h @ params["layers.7.W"] + params["layers.7.b"])
    h = F.relu(h @ params["layers.9.W"] + params["layers.9.b"])
    ty = h @ params["layers.11.W"] + params["layers.11.b"]
    ty.backward(torch.tensor(g))
    compare("logits", logits, ty)
    compare("dL/dx", grad_x, tx.grad)
    for name, p in model.named_parameters():
        compare(f"dL/d{name}", p.grad, params[name].grad)
