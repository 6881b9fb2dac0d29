"""Flatten: the bridge from convolution feature maps (N, C, H, W) to dense layers (N, D)."""

from __future__ import annotations

import numpy as np

from nnfs.checks import check_array, require_forward
from nnfs.core import Module, check_shape


# --8<-- [start:flatten]
class Flatten(Module):
    """Keep the batch axis, merge all others: (N, d1, d2, ...) -> (N, d1 * d2 * ...).

    The values do not change, so the backward pass only reshapes the gradient back to the
    input's shape. Row-major order: for images (N, C, H, W), feature c * H * W + h * W + w.
    An empty batch (N = 0) flattens to (0, d1 * d2 * ...).
    """

    def forward(self, x: np.ndarray) -> np.ndarray:
        """x (N, d1, d2, ...) -> (N, d1 * d2 * ...), a view when x is contiguous."""
        check_array("Flatten", "input", x)
        if x.ndim < 2:
            raise ValueError(f"Flatten: input expected shape (N, *), got {tuple(x.shape)}")
        self.x_shape = x.shape
        # The size, not -1: reshape cannot infer -1 when N = 0.
        return x.reshape(x.shape[0], int(np.prod(x.shape[1:])))

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        """grad_out (N, D) -> the same values in the input's shape."""
        require_forward(self, "x_shape")
        check_shape(
            "Flatten", "grad_out", grad_out, (self.x_shape[0], int(np.prod(self.x_shape[1:])))
        )
        return grad_out.reshape(self.x_shape)


# --8<-- [end:flatten]
