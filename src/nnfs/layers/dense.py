"""The dense (fully connected) layer: y = x W + b."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from nnfs import functional as F
from nnfs import init as initializers
from nnfs.checks import check_float_dtype, check_int, check_rng, require_forward
from nnfs.core import Module, Parameter, check_shape


# --8<-- [start:dense]
class Dense(Module):
    """Fully connected layer, y = x @ W + b.

    Args:
        in_features: D, the size of each input row.
        out_features: M, the size of each output row.
        init: weight initializer name ("he", "xavier", "normal", "zeros", ...) or a callable
            `f(shape, rng, dtype) -> ndarray`; see `nnfs.init`.
        rng: the Generator that draws the initial weights.
        dtype: float64 (the default, for gradient checks) or float32 (for speed).

    Shapes: x (N, D) -> y (N, M); W (D, M); b (M,).

    Attributes:
        needs_input_grad: set it to False on a network's first layer, whose input is data:
            backward then skips dL/dx and returns None. That is one of its two matrix
            products, half of the backward work and a third of forward + backward.
    """

    def __init__(
        self,
        in_features: int,
        out_features: int,
        *,
        init: str | Callable = "he",
        rng: np.random.Generator | None = None,
        dtype: type = np.float64,
    ) -> None:
        super().__init__()
        self.in_features = check_int("Dense", "in_features", in_features)
        self.out_features = check_int("Dense", "out_features", out_features)
        rng, dtype = check_rng("Dense", rng), check_float_dtype("Dense", dtype)
        W = initializers.initialize(init, (in_features, out_features), rng, dtype, owner="Dense")
        self.W = Parameter(W)
        self.b = Parameter(np.zeros(out_features, dtype=dtype))
        self.needs_input_grad = True

    def forward(self, x: np.ndarray) -> np.ndarray:
        """x (N, D) -> y = x W + b, (N, M). Keeps x for the backward pass."""
        check_shape("Dense", "input", x, (None, self.in_features))
        self.x = x
        y = x @ self.W.data
        y += self.b.data  # in place: one pass over y instead of a second temporary array
        return y

    def backward(self, grad_out: np.ndarray) -> np.ndarray | None:
        """grad_out = dL/dy (N, M) -> dL/dx = grad_out W^T (N, D); adds dL/dW, dL/db."""
        require_forward(self, "x")
        check_shape("Dense", "grad_out", grad_out, (self.x.shape[0], self.out_features))
        # dL/dW = x^T g sums the outer products of every sample: one matrix product.
        if not self.W.frozen:
            self.W.add_matmul(self.x.T, grad_out)  # W.grad += x^T g (see Parameter)
        # b is added to every row, so its gradient is the sum of the rows of g.
        if not self.b.frozen:
            self.b.grad += F.fast_sum(grad_out, axis=0)  # grad_out.sum(axis=0), faster
        if not self.needs_input_grad:
            return None
        return grad_out @ self.W.data.T

    # --8<-- [end:dense]

    def __repr__(self) -> str:
        skip = "" if self.needs_input_grad else ", needs_input_grad=False"
        return f"Dense({self.in_features}, {self.out_features}{skip})"
