"""Flatten: the bridge from convolution feature maps (N, C, H, W) to dense layers (N, D)."""

from __future__ import annotations

import numpy as np

from nnfs.core import Module


# --8<-- [start:flatten]
class Flatten(Module):
    """Keep the batch axis, merge all others: (N, d1, d2, ...) -> (N, d1 * d2 * ...).

    The values do not change, so the backward pass only reshapes the gradient back to the
    input's shape. Row-major order: for images (N, C, H, W), feature c * H * W + h * W + w.
    """

    def forward(self, x: np.ndarray) -> np.ndarray:
        """x (N, d1, d2, ...) -> (N, d1 * d2 * ...), a view when x is contiguous."""
        if x.ndim < 2:
            raise ValueError(f"Flatten: input expected shape (N, *), got {tuple(x.shape)}")
        self.x_shape = x.shape
        return x.reshape(x.shape[0], -1)

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        """grad_out (N, D) -> the same values in the input's shape."""
        return grad_out.reshape(self.x_shape)


# --8<-- [end:flatten]
