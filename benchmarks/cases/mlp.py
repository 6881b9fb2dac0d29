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
from benchmarks.torch_bridge import assert_close, sgd_classifier_steps, to_torch
from nnfs import Dense, NeuralNetwork

N, SIZES, LR = 128, [784, 256, 128, 10], 0.01


def copy_weights(ours: NeuralNetwork, ref: torch.nn.Sequential) -> None:
    """Copy the Dense layers of `ours` into the Linear layers of `ref` (W -> weight = W.T)."""
    linears = [m for m in ref if isinstance(m, torch.nn.Linear)]
    dense = [m for m in ours.layers if isinstance(m, Dense)]
    with torch.no_grad():
        for lin, layer in zip(linears, dense, strict=True):
            lin.weight.copy_(to_torch(layer.W.data.T))
            lin.bias.copy_(to_torch(layer.b.data))


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

    rng = np.random.default_rng(1)
    x = rng.standard_normal((N, SIZES[0])).astype(dtype)
    labels = rng.integers(0, SIZES[-1], N)
    nnfs_step, torch_step = sgd_classifier_steps(ours, ref, x, labels, LR)

    initial = ours.state_dict()

    def check() -> None:
        # Both start from the initial weights: after the timing loops have trained on the one
        # batch for a thousand steps, its gradients are tiny and float32 noise would dominate.
        ours.load_state_dict(initial)
        copy_weights(ours, ref)
        logits = ours(x)
        assert logits.dtype == dtype, f"MLP: logits dtype changed to {logits.dtype}"
        loss = nnfs_step()
        loss_t = torch_step()
        assert abs(loss - loss_t) <= 1e-3 * abs(loss_t), f"MLP loss: {loss} vs torch {loss_t}"
        linears = [m for m in ref if isinstance(m, torch.nn.Linear)]
        dense = [m for m in ours.layers if isinstance(m, Dense)]
        for i, (layer, lin) in enumerate(zip(dense, linears, strict=True)):
            assert layer.W.grad.dtype == dtype, f"MLP: gradient dtype {layer.W.grad.dtype}"
            assert_close(f"MLP layer {i} dW", layer.W.grad, lin.weight.grad.numpy().T)
            assert_close(f"MLP layer {i} db", layer.b.grad, lin.bias.grad.numpy())
            weight_t = lin.weight.detach().numpy().T
            assert_close(f"MLP layer {i} W after the step", layer.W.data, weight_t)

    return [Case(f"MLP 784-256-128-10 SGD step, batch {N}", nnfs_step, torch_step, check)]
