"""A single artificial neuron: a weighted sum of inputs, a bias, and an activation."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from nnfs import functional as F
from nnfs.checks import check_real
from nnfs.functional import _as_float

# name -> (f, f'), both functions of the pre-activation z.
ACTIVATION_FUNCTIONS: dict[str, tuple[Callable[[np.ndarray], np.ndarray], ...]] = {
    "sigmoid": (F.sigmoid, F.sigmoid_grad),
    "tanh": (F.tanh, F.tanh_grad),
    "relu": (F.relu, F.relu_grad),
    "leaky_relu": (F.leaky_relu, F.leaky_relu_grad),
    "linear": (lambda z: z, np.ones_like),
}


# --8<-- [start:neuron]
class Neuron:
    """y = f(x . w + b) for one input x (D,) -> a number, or a batch X (N, D) -> (N,).

    Args:
        weights: w, shape (D,). A float array keeps its dtype; anything else becomes float64.
        bias: b, a number.
        activation: f, one of "sigmoid", "tanh", "relu", "leaky_relu" or "linear" (f(z) = z).
    """

    def __init__(self, weights: np.ndarray, bias: float = 0.0, activation: str = "sigmoid") -> None:
        if activation not in ACTIVATION_FUNCTIONS:
            raise ValueError(
                f"Neuron: unknown activation '{activation}', expected one of "
                f"{sorted(ACTIVATION_FUNCTIONS)}"
            )
        self.weights = _as_float(weights)
        if self.weights.ndim != 1:
            raise ValueError(f"Neuron: weights expected shape (D,), got {self.weights.shape}")
        # A Python float: adding it keeps float32 arithmetic float32.
        self.bias = check_real("Neuron", "bias", bias)
        self.activation = activation

    def pre_activation(self, x: np.ndarray) -> np.ndarray:
        """z = x . w + b. Shapes: x (D,) -> a 0-d array, or (N, D) -> (N,)."""
        x = _as_float(x)
        d = self.weights.shape[0]
        if x.ndim not in (1, 2) or x.shape[-1] != d:
            raise ValueError(f"Neuron: input expected shape ({d},) or (N, {d}), got {x.shape}")
        return x @ self.weights + self.bias

    def __call__(self, x: np.ndarray) -> np.ndarray:
        """y = f(z), the neuron's output for x (D,) or a batch (N, D)."""
        f, _ = ACTIVATION_FUNCTIONS[self.activation]
        return f(self.pre_activation(x))

    def gradients(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """dy/dw = f'(z) x and dy/db = f'(z), by the chain rule through z = x . w + b.

        Shapes: x (D,) -> ((D,), 0-d); a batch (N, D) -> ((N, D), (N,)), one row per sample.
        """
        _, f_grad = ACTIVATION_FUNCTIONS[self.activation]
        x = _as_float(x)
        slope = f_grad(self.pre_activation(x))  # f'(z): (N,) or 0-d
        return slope[..., None] * x, slope


# --8<-- [end:neuron]
