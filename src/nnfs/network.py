"""NeuralNetwork: build a multi-layer perceptron from a list of layer sizes.

`NeuralNetwork([2, 3, 1], ["relu", "sigmoid"])` is Dense(2, 3) -> ReLU -> Dense(3, 1) -> Sigmoid.
`forward(X)`, `backward(d_loss)` and `update(learning_rate=...)` give the three steps of a
training iteration without an optimizer object (plain gradient descent).
"""

from __future__ import annotations

import numbers

import numpy as np

from nnfs.checks import check_float_dtype
from nnfs.core import Module, Sequential
from nnfs.layers.activation import LeakyReLU, ReLU, Sigmoid, Softmax, Tanh
from nnfs.layers.dense import Dense

ACTIVATIONS: dict[str, type[Module]] = {
    "relu": ReLU,
    "leaky_relu": LeakyReLU,
    "sigmoid": Sigmoid,
    "tanh": Tanh,
    "softmax": Softmax,
}


# --8<-- [start:network]
class NeuralNetwork(Sequential):
    """A stack of Dense layers, each followed by its activation ("linear" or None for none).

    Args:
        sizes: [D, H1, ..., M], the width of every layer, input first.
        activations: one name per Dense layer (len(sizes) - 1 of them).
        seed: seed or Generator for the weights.
        init: weight initializer for every Dense layer.
        dtype: float64 or float32.

    Shapes: X (N, D) -> (N, M).
    """

    def __init__(
        self,
        sizes: list[int],
        activations: list[str | None],
        *,
        seed: int | np.random.Generator | None = 0,
        init: str = "he",
        dtype: type = np.float64,
    ) -> None:
        _check_configuration(sizes, activations)
        check_float_dtype("NeuralNetwork", dtype)
        rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
        layers: list[Module] = []
        for d_in, d_out, act in zip(sizes[:-1], sizes[1:], activations, strict=True):
            layers.append(Dense(d_in, d_out, init=init, rng=rng, dtype=dtype))
            if act not in (None, "linear"):
                layers.append(ACTIVATIONS[act]())
        super().__init__(*layers)
        self.sizes = list(sizes)

    def update(self, learning_rate: float = 0.01) -> None:
        """One plain gradient-descent step on every parameter, then reset the gradients."""
        for p in self.parameters():
            if not p.frozen:
                p.data -= learning_rate * p.grad
            p.zero_grad()


# --8<-- [end:network]


def _check_configuration(sizes: list[int], activations: list[str | None]) -> None:
    """Check the sizes and activation names up front, before any layer is built."""
    if not isinstance(sizes, (list, tuple)) or not isinstance(activations, (list, tuple)):
        raise TypeError(
            f"NeuralNetwork: sizes and activations expected lists, got "
            f"{type(sizes).__name__} and {type(activations).__name__}"
        )
    for n in sizes:
        if isinstance(n, bool) or not isinstance(n, numbers.Integral):
            raise TypeError(f"NeuralNetwork: sizes expected integers, got {n!r} in {sizes}")
    if len(sizes) < 2 or any(n < 1 for n in sizes):
        raise ValueError(
            f"NeuralNetwork: sizes must be at least two positive integers, got {sizes}"
        )
    if len(activations) != len(sizes) - 1:
        raise ValueError(
            f"NeuralNetwork: expected {len(sizes) - 1} activations for sizes {sizes}, "
            f"got {len(activations)}"
        )
    for act in activations:
        if act not in (None, "linear") and act not in ACTIVATIONS:
            raise ValueError(
                f"NeuralNetwork: unknown activation {act!r}, expected one of "
                f"{sorted(ACTIVATIONS)}, 'linear' or None"
            )
