"""The two pieces a U-Net decoder adds: nearest-neighbour upsampling and channel concatenation."""

from __future__ import annotations

import numpy as np

from nnfs.checks import check_array, check_int, require_forward
from nnfs.core import Module, check_shape


# --8<-- [start:upsample]
class Upsample2D(Module):
    """Nearest-neighbour upsampling: y[n, c, i, j] = x[n, c, i // s, j // s].

    Each input pixel is copied into an s x s block, so in backward each input pixel collects
    the sum of the gradients of its block.

    Args:
        scale: s, the integer factor for both height and width.

    Shapes: x (N, C, H, W) -> y (N, C, s H, s W).
    """

    def __init__(self, scale: int = 2) -> None:
        super().__init__()
        self.scale = check_int("Upsample2D", "scale", scale)

    def forward(self, x: np.ndarray) -> np.ndarray:
        check_shape("Upsample2D", "input", x, (None, None, None, None))
        N, C, H, W = self.x_shape = x.shape
        s = self.scale
        y = np.empty((N, C, H * s, W * s), dtype=x.dtype)
        # Seen as (N, C, H, s, W, s), y holds one s x s block per pixel: write x into every
        # block at once by broadcasting it over the two size-s axes (one copy, always writable).
        y.reshape(N, C, H, s, W, s)[...] = x[:, :, :, None, :, None]
        return y

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        require_forward(self, "x_shape")
        N, C, H, W = self.x_shape
        s = self.scale
        check_shape("Upsample2D", "grad_out", grad_out, (N, C, H * s, W * s))
        return grad_out.reshape(N, C, H, s, W, s).sum(axis=(3, 5))

    # --8<-- [end:upsample]

    def __repr__(self) -> str:
        return f"Upsample2D(scale={self.scale})"


# --8<-- [start:concat]
class Concat(Module):
    """Join arrays along `axis` (default 1, the channels of NCHW): y = [x_1, x_2, ...].

    Every output entry is a copy of exactly one input entry, so backward cuts the gradient
    back into the pieces: a tuple with one gradient per input.

    Args:
        axis: the axis to join along; all other axes must match.

    Shapes: x_i (N, C_i, H, W) -> y (N, sum_i C_i, H, W) for axis=1.
    """

    def __init__(self, axis: int = 1) -> None:
        super().__init__()
        self.axis = check_int("Concat", "axis", axis, minimum=None)

    def forward(self, *xs: np.ndarray) -> np.ndarray:
        if len(xs) < 2:
            raise ValueError(f"Concat: expected at least 2 inputs, got {len(xs)}")
        for i, x in enumerate(xs):
            check_array("Concat", f"input {i}", x)
            if not -x.ndim <= self.axis < x.ndim:
                raise ValueError(
                    f"Concat: input {i} expected more than axis {self.axis} dimensions, "
                    f"got shape {x.shape}"
                )
        first = xs[0].shape
        for x in xs[1:]:
            other = tuple(s for i, s in enumerate(x.shape) if i != self.axis % x.ndim)
            expected = tuple(s for i, s in enumerate(first) if i != self.axis % len(first))
            if x.ndim != len(first) or other != expected:
                raise ValueError(
                    f"Concat: inputs must match except along axis {self.axis}; "
                    f"expected shape like {first}, got {tuple(x.shape)}"
                )
        self.sizes = [x.shape[self.axis] for x in xs]
        out = np.concatenate(xs, axis=self.axis)
        self.out_shape = out.shape
        return out

    def backward(self, grad_out: np.ndarray) -> tuple[np.ndarray, ...]:
        require_forward(self, "out_shape")
        check_shape("Concat", "grad_out", grad_out, self.out_shape)
        split_points = np.cumsum(self.sizes)[:-1]
        return tuple(np.split(grad_out, split_points, axis=self.axis))

    # --8<-- [end:concat]

    def __repr__(self) -> str:
        return f"Concat(axis={self.axis})"
