"""Activation functions and their derivatives as pure functions of the pre-activation.

Every function keeps the dtype of its input and is safe for extreme inputs: `sigmoid(±1000)`
and `softmax` of logits of ±1e4 give finite results and no NumPy warning.
"""

from __future__ import annotations

import numpy as np


# --8<-- [start:sigmoid]
def sigmoid(x: np.ndarray) -> np.ndarray:
    """sigma(x) = 1 / (1 + exp(-x)), computed without overflow for any x.

    For x >= 0 use 1 / (1 + e^-x); for x < 0 the equal form e^x / (1 + e^x). Either way
    the exponent is never positive, so exp cannot overflow.
    """
    x = np.asarray(x)
    z = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + z), z / (1 + z))


def sigmoid_grad(x: np.ndarray) -> np.ndarray:
    """d sigma / dx = sigma(x) * (1 - sigma(x))."""
    s = sigmoid(x)
    return s * (1 - s)


# --8<-- [end:sigmoid]


# --8<-- [start:tanh]
def tanh(x: np.ndarray) -> np.ndarray:
    """tanh(x) = (e^x - e^-x) / (e^x + e^-x) = 2 sigma(2x) - 1."""
    return np.tanh(x)


def tanh_grad(x: np.ndarray) -> np.ndarray:
    """d tanh / dx = 1 - tanh(x)^2."""
    t = np.tanh(x)
    return 1 - t * t


# --8<-- [end:tanh]


# --8<-- [start:relu]
def relu(x: np.ndarray) -> np.ndarray:
    """relu(x) = max(0, x)."""
    return np.maximum(x, 0)


def relu_grad(x: np.ndarray) -> np.ndarray:
    """d relu / dx = 1 where x > 0, else 0 (we pick 0 at the kink x = 0, as PyTorch does)."""
    x = np.asarray(x)
    return (x > 0).astype(x.dtype)


def leaky_relu(x: np.ndarray, alpha: float = 0.01) -> np.ndarray:
    """leaky_relu(x) = x for x > 0, alpha * x otherwise."""
    x = np.asarray(x)
    return np.where(x > 0, x, x * np.asarray(alpha, dtype=x.dtype))


def leaky_relu_grad(x: np.ndarray, alpha: float = 0.01) -> np.ndarray:
    """d leaky_relu / dx = 1 for x > 0, alpha otherwise."""
    x = np.asarray(x)
    return np.where(x > 0, 1, alpha).astype(x.dtype)


# --8<-- [end:relu]


# --8<-- [start:softmax]
def softmax(x: np.ndarray, axis: int = -1) -> np.ndarray:
    """softmax(x)_i = exp(x_i) / sum_j exp(x_j), along `axis`.

    Subtracting the maximum first changes nothing mathematically (the factor exp(-max)
    cancels) but keeps every exponent <= 0, so logits of 1e4 cannot overflow.
    """
    x = np.asarray(x)
    shifted = x - np.max(x, axis=axis, keepdims=True)
    e = np.exp(shifted)
    return e / np.sum(e, axis=axis, keepdims=True)


def log_softmax(x: np.ndarray, axis: int = -1) -> np.ndarray:
    """log softmax(x)_i = x_i - logsumexp(x), with the max-shift for stability."""
    x = np.asarray(x)
    shifted = x - np.max(x, axis=axis, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


def softmax_backward(s: np.ndarray, grad_out: np.ndarray, axis: int = -1) -> np.ndarray:
    """Vector-Jacobian product of softmax: dx = s * (g - sum(g * s)), given s = softmax(x).

    The Jacobian is diag(s) - s s^T; multiplying by it never needs the full matrix.
    """
    return s * (grad_out - np.sum(grad_out * s, axis=axis, keepdims=True))


# --8<-- [end:softmax]
