"""MLP training step, nnfs vs PyTorch: 784-256-128-10 with ReLU, batch 128, float32.

One step is what `nnfs.training.fit` does per batch: zero the gradients, forward, softmax
cross-entropy, backward, SGD update. The torch side is `nn.Sequential(Linear, ReLU, Linear, ReLU,
Linear)` with `F.cross_entropy` and `torch.optim.SGD`, starting from nnfs's weights (torch's
`Linear.weight` is our `W` transposed). Neither side computes the gradient of the input batch.
"""

from __future__ import annotations

import numpy as np
import torch

from benchmarks.harness import Case
from nnfs import Dense, NeuralNetwork
from nnfs.losses import SoftmaxCrossEntropy
from nnfs.optim import SGD

N, SIZES, LR = 128, [784, 256, 128, 10], 0.01


def _t(a: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(a))


def copy_weights(ours: NeuralNetwork, ref: torch.nn.Sequential) -> None:
    """Copy the Dense layers of `ours` into the Linear layers of `ref` (W -> weight = W.T)."""
    linears = [m for m in ref if isinstance(m, torch.nn.Linear)]
    dense = [m for m in ours.layers if isinstance(m, Dense)]
    with torch.no_grad():
        for lin, layer in zip(linears, dense, strict=True):
            lin.weight.copy_(_t(layer.W.data.T))
            lin.bias.copy_(_t(layer.b.data))


def _close(name: str, a: np.ndarray, b: np.ndarray, rtol: float = 1e-3) -> None:
    scale = float(np.max(np.abs(b))) + 1e-12
    err = float(np.max(np.abs(a - b))) / scale
    assert err < rtol, f"{name}: nnfs and torch differ, max error / max value = {err:.2e}"


def cases(dtype: type = np.float32) -> list[Case]:
    torch_dtype = torch.float32 if dtype == np.float32 else torch.float64
    ours = NeuralNetwork(SIZES, ["relu", "relu", None], seed=0, dtype=dtype)
    ref = torch.nn.Sequential(
        torch.nn.Linear(784, 256),
        torch.nn.ReLU(),
        torch.nn.Linear(256, 128),
        torch.nn.ReLU(),
        torch.nn.Linear(128, 10),
    ).to(torch_dtype)
    # The input is data: like torch (x has requires_grad=False), skip dL/dx in the first layer.
    ours.layers[0].needs_input_grad = False
    copy_weights(ours, ref)
    loss_fn = SoftmaxCrossEntropy()
    opt = SGD(ours.parameters(), lr=LR)
    opt_t = torch.optim.SGD(ref.parameters(), lr=LR)

    rng = np.random.default_rng(1)
    x = rng.standard_normal((N, SIZES[0])).astype(dtype)
    labels = rng.integers(0, SIZES[-1], N)
    x_t, labels_t = _t(x), _t(labels)

    def nnfs_step() -> float:
        opt.zero_grad()
        loss = loss_fn(ours(x), labels)
        ours.backward(loss_fn.backward())
        opt.step()
        return loss

    def torch_step() -> float:
        opt_t.zero_grad()
        loss = torch.nn.functional.cross_entropy(ref(x_t), labels_t)
        loss.backward()
        opt_t.step()
        return loss.item()

    def check() -> None:
        copy_weights(ours, ref)  # both start this step from the same weights
        logits = ours(x)
        assert logits.dtype == dtype, f"MLP: logits dtype changed to {logits.dtype}"
        loss = nnfs_step()
        loss_t = torch_step()
        assert abs(loss - loss_t) <= 1e-3 * abs(loss_t), f"MLP loss: {loss} vs torch {loss_t}"
        linears = [m for m in ref if isinstance(m, torch.nn.Linear)]
        dense = [m for m in ours.layers if isinstance(m, Dense)]
        for i, (layer, lin) in enumerate(zip(dense, linears, strict=True)):
            assert layer.W.grad.dtype == dtype, f"MLP: gradient dtype {layer.W.grad.dtype}"
            _close(f"MLP layer {i} dW", layer.W.grad, lin.weight.grad.numpy().T)
            _close(f"MLP layer {i} db", layer.b.grad, lin.bias.grad.numpy())
            _close(f"MLP layer {i} W after the step", layer.W.data, lin.weight.detach().numpy().T)

    return [Case(f"MLP 784-256-128-10 SGD step, batch {N}", nnfs_step, torch_step, check)]
