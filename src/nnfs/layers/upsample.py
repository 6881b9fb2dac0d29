"""The two pieces a U-Net decoder adds: nearest-neighbour upsampling and channel concatenation."""

from __future__ import annotations

import numpy as np

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
        if int(scale) != scale or scale < 1:
            raise ValueError(f"Upsample2D: scale must be a positive integer, got {scale!r}")
        self.scale = int(scale)

    def forward(self, x: np.ndarray) -> np.ndarray:
        check_shape("Upsample2D", "input", x, (None, None, None, None))
        N, C, H, W = x.shape
        s = self.scale
        # View x as (N, C, H, 1, W, 1), stretch the two size-1 axes to s, then merge: one copy.
        blocks = np.broadcast_to(x[:, :, :, None, :, None], (N, C, H, s, W, s))
        return blocks.reshape(N, C, H * s, W * s)

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        N, C, Hs, Ws = grad_out.shape
        s = self.scale
        return grad_out.reshape(N, C, Hs // s, s, Ws // s, s).sum(axis=(3, 5))


# --8<-- [end:upsample]


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
        self.axis = axis

    def forward(self, *xs: np.ndarray) -> np.ndarray:
        if len(xs) < 2:
            raise ValueError(f"Concat: expected at least 2 inputs, got {len(xs)}")
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
        return np.concatenate(xs, axis=self.axis)

    def backward(self, grad_out: np.ndarray) -> tuple[np.ndarray, ...]:
        split_points = np.cumsum(self.sizes)[:-1]
        return tuple(np.split(grad_out, split_points, axis=self.axis))


# --8<-- [end:concat]
