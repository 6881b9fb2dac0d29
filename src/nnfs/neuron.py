"""A single artificial neuron: a weighted sum of inputs, a bias, and an activation."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from nnfs import functional as F

ACTIVATION_FUNCTIONS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "sigmoid": F.sigmoid,
    "tanh": F.tanh,
    "relu": F.relu,
    "leaky_relu": F.leaky_relu,
    "linear": lambda z: z,
}


# --8<-- [start:neuron]
class Neuron:
    """y = f(x . w + b) for one input vector x (D,) or a batch X (N, D) -> (N,).

    Args:
        weights: w, shape (D,).
        bias: b, a number.
        activation: "sigmoid", "tanh", "relu", "leaky_relu" or "linear".
    """

    def __init__(self, weights: np.ndarray, bias: float = 0.0, activation: str = "sigmoid") -> None:
        if activation not in ACTIVATION_FUNCTIONS:
            raise ValueError(
                f"Neuron: unknown activation '{activation}', expected one of "
                f"{sorted(ACTIVATION_FUNCTIONS)}"
            )
        self.weights = np.asarray(weights, dtype=float)
        self.bias = float(bias)
        self.activation = activation

    def pre_activation(self, x: np.ndarray) -> np.ndarray:
        """z = x . w + b."""
        x = np.asarray(x, dtype=float)
        if x.shape[-1] != self.weights.shape[0]:
            raise ValueError(
                f"Neuron: input expected last axis of size {self.weights.shape[0]}, "
                f"got shape {x.shape}"
            )
        return x @ self.weights + self.bias

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return ACTIVATION_FUNCTIONS[self.activation](self.pre_activation(x))


# --8<-- [end:neuron]
