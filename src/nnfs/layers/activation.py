"""Activation layers: elementwise nonlinearities with a hand-written backward.

Each layer caches what its derivative needs (the input, or the output when the derivative is
cheaper in terms of it) and returns `grad_out * f'(x)`.
"""

from __future__ import annotations

import numpy as np

from nnfs import functional as F
from nnfs.core import Module


# --8<-- [start:relu]
class ReLU(Module):
    """y = max(0, x). Shapes: any -> same."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        self.mask = x > 0
        return np.where(self.mask, x, 0).astype(x.dtype, copy=False)

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        return grad_out * self.mask


# --8<-- [end:relu]


class LeakyReLU(Module):
    """y = x if x > 0 else alpha * x. Shapes: any -> same."""

    def __init__(self, alpha: float = 0.01) -> None:
        super().__init__()
        self.alpha = alpha

    def forward(self, x: np.ndarray) -> np.ndarray:
        self.x = x
        return F.leaky_relu(x, self.alpha)

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        return grad_out * F.leaky_relu_grad(self.x, self.alpha)


# --8<-- [start:sigmoid]
class Sigmoid(Module):
    """y = 1 / (1 + exp(-x)); dy/dx = y (1 - y), so we cache the output. Shapes: any -> same."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        self.out = F.sigmoid(x)
        return self.out

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        return grad_out * self.out * (1 - self.out)


# --8<-- [end:sigmoid]


class Tanh(Module):
    """y = tanh(x); dy/dx = 1 - y^2, so we cache the output. Shapes: any -> same."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        self.out = np.tanh(x)
        return self.out

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        return grad_out * (1 - self.out * self.out)


class Softmax(Module):
    """y = softmax(x) along `axis`; backward is the vector-Jacobian product s * (g - <g, s>)."""

    def __init__(self, axis: int = -1) -> None:
        super().__init__()
        self.axis = axis

    def forward(self, x: np.ndarray) -> np.ndarray:
        self.out = F.softmax(x, axis=self.axis)
        return self.out

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        return F.softmax_backward(self.out, grad_out, axis=self.axis)
