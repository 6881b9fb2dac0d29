"""Convolutions, nnfs vs PyTorch: one Conv2D forward + backward, and a LeNet-5 training step.

Conv2D: LeNet's second convolution, 6 -> 16 channels, 5x5, batch 64 of 6x14x14, both sides
back-propagating the same fixed upstream gradient into the weights, bias and input.

LeNet-5: batch 64 of 1x32x32, float32, softmax cross-entropy, SGD (lr 0.01). The torch side is
`nn.Sequential(Conv2d, ReLU, MaxPool2d, ..., Linear)` with nnfs's weights copied in (torch's
`Linear.weight` is our `W` transposed; conv weights have the same layout). nnfs pools before the
ReLU, which gives the same numbers. Neither side computes the gradient of the input images.
"""

from __future__ import annotations

import numpy as np
import torch

from benchmarks.harness import Case
from benchmarks.torch_bridge import assert_close, sgd_classifier_steps, to_torch
from nnfs.layers import Conv2D, Dense
from nnfs.models import LeNet5

N, LR = 64, 0.01


def torch_lenet5() -> torch.nn.Sequential:
    nn = torch.nn
    return nn.Sequential(
        nn.Conv2d(1, 6, 5),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(400, 120),
        nn.ReLU(),
        nn.Linear(120, 84),
        nn.ReLU(),
        nn.Linear(84, 10),
    )


def _pairs(ours: LeNet5, ref: torch.nn.Sequential) -> list[tuple[Conv2D | Dense, torch.nn.Module]]:
    mine = [m for m in ours.layers if isinstance(m, (Conv2D, Dense))]
    theirs = [m for m in ref if isinstance(m, (torch.nn.Conv2d, torch.nn.Linear))]
    return list(zip(mine, theirs, strict=True))


def copy_weights(ours: LeNet5, ref: torch.nn.Sequential) -> None:
    """Copy nnfs's Conv2D/Dense parameters into torch's Conv2d/Linear (Dense W -> weight = W.T)."""
    with torch.no_grad():
        for layer, mod in _pairs(ours, ref):
            W = layer.W.data.T if isinstance(layer, Dense) else layer.W.data
            mod.weight.copy_(to_torch(W))
            mod.bias.copy_(to_torch(layer.b.data))


def conv2d_case(dtype: type) -> Case:
    torch_dtype = torch.float32 if dtype == np.float32 else torch.float64
    layer = Conv2D(6, 16, 5, rng=np.random.default_rng(0), dtype=dtype)
    ref = torch.nn.Conv2d(6, 16, 5).to(torch_dtype)
    with torch.no_grad():
        ref.weight.copy_(to_torch(layer.W.data))
        ref.bias.copy_(to_torch(layer.b.data))
    rng = np.random.default_rng(1)
    x = rng.standard_normal((N, 6, 14, 14)).astype(dtype)
    grad_out = rng.standard_normal((N, 16, 10, 10)).astype(dtype)
    x_t, grad_out_t = to_torch(x).requires_grad_(True), to_torch(grad_out)

    def nnfs_step() -> np.ndarray:
        layer.zero_grad()
        layer(x)
        return layer.backward(grad_out)

    def torch_step() -> torch.Tensor:
        ref.zero_grad()
        x_t.grad = None
        ref(x_t).backward(grad_out_t)
        return x_t.grad

    def check() -> None:
        grad_x = nnfs_step()
        grad_x_t = torch_step().numpy()
        assert grad_x.dtype == layer.W.grad.dtype == dtype, "Conv2D: dtype changed"
        assert_close("Conv2D output", layer(x), ref(x_t).detach().numpy())
        assert_close("Conv2D dx", grad_x, grad_x_t)
        assert_close("Conv2D dW", layer.W.grad, ref.weight.grad.numpy())
        assert_close("Conv2D db", layer.b.grad, ref.bias.grad.numpy())

    return Case(f"Conv2D 6->16 5x5 fwd+bwd, batch {N}", nnfs_step, torch_step, check)


def lenet5_case(dtype: type) -> Case:
    torch_dtype = torch.float32 if dtype == np.float32 else torch.float64
    ours = LeNet5(rng=np.random.default_rng(0), dtype=dtype)
    ours.conv1.needs_input_grad = False  # the input is data, as in torch (requires_grad=False)
    ref = torch_lenet5().to(torch_dtype)
    copy_weights(ours, ref)
    rng = np.random.default_rng(1)
    x = rng.random((N, 1, 32, 32)).astype(dtype)
    labels = rng.integers(0, 10, N)
    nnfs_step, torch_step = sgd_classifier_steps(ours, ref, x, labels, LR)

    initial = ours.state_dict()

    def check() -> None:
        # Both start from the initial weights: after the timing loops have trained on the one
        # batch for a thousand steps, its gradients are tiny and float32 noise would dominate.
        ours.load_state_dict(initial)
        copy_weights(ours, ref)
        assert ours(x).dtype == dtype, "LeNet-5: logits dtype changed"
        loss, loss_t = nnfs_step(), torch_step()
        assert abs(loss - loss_t) <= 1e-3 * abs(loss_t), f"LeNet-5 loss: {loss} vs torch {loss_t}"
        for i, (layer, mod) in enumerate(_pairs(ours, ref)):
            transpose = isinstance(layer, Dense)
            grad_t = mod.weight.grad.numpy()
            weight_t = mod.weight.detach().numpy()
            assert layer.W.grad.dtype == dtype, f"LeNet-5: gradient dtype {layer.W.grad.dtype}"
            assert_close(f"LeNet-5 layer {i} dW", layer.W.grad, grad_t.T if transpose else grad_t)
            assert_close(f"LeNet-5 layer {i} db", layer.b.grad, mod.bias.grad.numpy())
            assert_close(
                f"LeNet-5 layer {i} W after", layer.W.data, weight_t.T if transpose else weight_t
            )

    return Case(f"LeNet-5 SGD step, batch {N}", nnfs_step, torch_step, check)


def cases(dtype: type = np.float32) -> list[Case]:
    return [conv2d_case(dtype), lenet5_case(dtype)]
