"""Activation functions and their derivatives as pure functions of the pre-activation.

Every function keeps the floating dtype of its input (float32 in, float32 out; integer input is
computed in float64) and is safe for extreme inputs: `sigmoid(±1000)` and `softmax` of logits
of ±1e4 give finite results and no NumPy warning.
"""

from __future__ import annotations

import numpy as np


def _as_float(x: np.ndarray) -> np.ndarray:
    """`x` as an array of floats: float16/32/64 keep their dtype, ints and bools become float64."""
    x = np.asarray(x)
    return x if np.issubdtype(x.dtype, np.floating) else x.astype(np.float64)


# --8<-- [start:sigmoid]
def sigmoid(x: np.ndarray) -> np.ndarray:
    """sigma(x) = 1 / (1 + exp(-x)), computed without overflow for any x.

    For x >= 0 we use 1 / (1 + e^-x); for x < 0 the equal form e^x / (1 + e^x). With
    z = e^-|x| both read 1 / (1 + z) and z / (1 + z), and z lies in (0, 1]: exp never overflows.

    Shapes: any -> same.
    """
    x = _as_float(x)
    z = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + z), z / (1 + z))


def sigmoid_grad(x: np.ndarray) -> np.ndarray:
    """d sigma / dx = sigma(x) (1 - sigma(x)). Shapes: any -> same."""
    s = sigmoid(x)
    return s * (1 - s)


# --8<-- [end:sigmoid]


# --8<-- [start:tanh]
def tanh(x: np.ndarray) -> np.ndarray:
    """tanh(x) = (e^x - e^-x) / (e^x + e^-x) = 2 sigma(2x) - 1. Shapes: any -> same.

    NumPy's `np.tanh` is already stable: it saturates to ±1 without overflow.
    """
    return np.tanh(_as_float(x))


def tanh_grad(x: np.ndarray) -> np.ndarray:
    """d tanh / dx = 1 - tanh(x)^2. Shapes: any -> same."""
    t = tanh(x)
    return 1 - t * t


# --8<-- [end:tanh]


# --8<-- [start:relu]
def relu(x: np.ndarray) -> np.ndarray:
    """relu(x) = max(0, x). Shapes: any -> same."""
    return np.maximum(_as_float(x), 0)


def relu_grad(x: np.ndarray) -> np.ndarray:
    """d relu / dx = 1 where x > 0, else 0 (at the kink x = 0 we pick 0, as PyTorch does)."""
    x = _as_float(x)
    return (x > 0).astype(x.dtype)


# --8<-- [end:relu]


# --8<-- [start:leaky_relu]
def leaky_relu(x: np.ndarray, alpha: float = 0.01) -> np.ndarray:
    """leaky_relu(x) = x for x > 0, alpha x otherwise. Shapes: any -> same."""
    x = _as_float(x)
    # A Python float keeps float32 input float32; a NumPy float64 alpha would promote it.
    return np.where(x > 0, x, float(alpha) * x)


def leaky_relu_grad(x: np.ndarray, alpha: float = 0.01) -> np.ndarray:
    """d leaky_relu / dx = 1 for x > 0, alpha otherwise (alpha at the kink x = 0)."""
    x = _as_float(x)
    return np.where(x > 0, 1, float(alpha)).astype(x.dtype)


# --8<-- [end:leaky_relu]


# --8<-- [start:softplus]
def softplus(x: np.ndarray) -> np.ndarray:
    """softplus(x) = log(1 + e^x), a smooth ReLU whose derivative is sigma(x).

    Computed as max(x, 0) + log1p(e^-|x|): the exponent is never positive, so softplus(1000)
    is 1000 and softplus(-1000) is about 0, without overflow. Shapes: any -> same.
    """
    x = _as_float(x)
    return np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))


# --8<-- [end:softplus]


# --8<-- [start:logsumexp]
def logsumexp(x: np.ndarray, axis: int = -1, keepdims: bool = False) -> np.ndarray:
    """log sum_j exp(x_j) along `axis`, as m + log sum_j exp(x_j - m) with m = max_j x_j.

    The largest shifted term is exp(0) = 1, so the sum lies in [1, C]: no overflow, and its
    log is finite. Shapes: (..., C, ...) -> the same without `axis` (or size 1 if `keepdims`).
    """
    x = _as_float(x)
    m = np.max(x, axis=axis, keepdims=True)
    out = m + np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True))
    return out if keepdims else np.squeeze(out, axis=axis)


# --8<-- [end:logsumexp]


# --8<-- [start:softmax]
def softmax(x: np.ndarray, axis: int = -1) -> np.ndarray:
    """softmax(x)_i = exp(x_i) / sum_j exp(x_j), along `axis`. Shapes: any -> same.

    Subtracting the maximum first changes nothing mathematically (the factor exp(-max)
    cancels) but keeps every exponent <= 0, so logits of 1e4 cannot overflow.
    """
    x = _as_float(x)
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def log_softmax(x: np.ndarray, axis: int = -1) -> np.ndarray:
    """log softmax(x)_i = x_i - logsumexp(x): finite even where softmax underflows to 0."""
    x = _as_float(x)
    return x - logsumexp(x, axis=axis, keepdims=True)


# --8<-- [end:softmax]


# --8<-- [start:softmax_backward]
def softmax_jacobian(x: np.ndarray) -> np.ndarray:
    """Softmax's Jacobian over the last axis: ds_i/dx_j = s_i (delta_ij - s_j) = diag(s) - s s^T.

    Shapes: (..., C) -> (..., C, C). Backward passes never build it (see `softmax_backward`);
    it is here to check that shortcut against the definition.
    """
    s = softmax(x, axis=-1)
    return s[..., :, None] * np.eye(s.shape[-1], dtype=s.dtype) - s[..., :, None] * s[..., None, :]


def softmax_backward(s: np.ndarray, grad_out: np.ndarray, axis: int = -1) -> np.ndarray:
    """Vector-Jacobian product of softmax: dL/dx = s * (g - sum_j g_j s_j), given s = softmax(x).

    Multiplying g by the symmetric Jacobian diag(s) - s s^T gives s * g - s (s . g): O(C) work
    per row instead of building the C x C matrix. Shapes: s, grad_out (..., C) -> same.
    """
    return s * (grad_out - np.sum(grad_out * s, axis=axis, keepdims=True))


# --8<-- [end:softmax_backward]
