"""Max pooling: keep the largest value of each window; the gradient goes back to that one pixel."""

from __future__ import annotations

import numpy as np

from nnfs.checks import check_int_pair, require_forward
from nnfs.core import Module, check_shape
from nnfs.layers.conv import conv_output_size


# --8<-- [start:maxpool]
class MaxPool2D(Module):
    """y[n, c, oh, ow] = max over the window x[n, c, oh*s : oh*s + k, ow*s : ow*s + k].

    Args:
        kernel_size: k (or a pair (kh, kw)), the window size.
        stride: s (or a pair); defaults to the kernel size, so windows do not overlap.

    Shapes: x (N, C, H, W) -> y (N, C, OH, OW), OH = floor((H - kh) / sh) + 1 (rows and
    columns that do not fill a window are dropped). Backward routes each output gradient to the
    one input that was the maximum; on ties, to the first in row-major window order. A window
    holding NaN outputs NaN and sends its gradient to its last NaN, as PyTorch does.
    """

    def __init__(
        self,
        kernel_size: int | tuple[int, int],
        stride: int | tuple[int, int] | None = None,
    ) -> None:
        super().__init__()
        self.kernel_size = check_int_pair("MaxPool2D", "kernel_size", kernel_size)
        stride = self.kernel_size if stride is None else stride
        self.stride = check_int_pair("MaxPool2D", "stride", stride)

    def _offsets(self) -> list[tuple[slice, slice]]:
        """For each kernel offset (i, j), in row-major order, the strided slices of x it reads:
        x[:, :, rows, cols] holds element (i, j) of every window and has the output's shape."""
        (kh, kw), (sh, sw), (oh, ow) = self.kernel_size, self.stride, self.out_hw
        return [
            (slice(i, i + sh * (oh - 1) + 1, sh), slice(j, j + sw * (ow - 1) + 1, sw))
            for i in range(kh)
            for j in range(kw)
        ]

    def forward(self, x: np.ndarray) -> np.ndarray:
        """x (N, C, H, W) -> y (N, C, OH, OW). Keeps x and y to find the winners in backward."""
        check_shape("MaxPool2D", "input", x, (None, None, None, None))
        (kh, kw), (sh, sw) = self.kernel_size, self.stride
        if x.shape[2] < kh or x.shape[3] < kw:
            raise ValueError(
                f"MaxPool2D: input expected height >= {kh} and width >= {kw}, got {tuple(x.shape)}"
            )
        self.out_hw = (
            conv_output_size(x.shape[2], kh, sh, 0),
            conv_output_size(x.shape[3], kw, sw, 0),
        )
        # Visit the kh * kw kernel offsets; each is a strided view of x with the output's shape,
        # so the max over a window is a running np.maximum over kh * kw whole arrays.
        offsets = self._offsets()
        rows, cols = offsets[0]
        out = x[:, :, rows, cols].copy()
        for rows, cols in offsets[1:]:
            np.maximum(out, x[:, :, rows, cols], out=out)
        self.x, self.out = x, out
        return out

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        """grad_out = dL/dy (N, C, OH, OW) -> dL/dx (N, C, H, W), nonzero only at the winners."""
        require_forward(self, "out")
        check_shape("MaxPool2D", "grad_out", grad_out, self.out.shape)
        grad_x = np.zeros(self.x.shape, dtype=grad_out.dtype)
        # Each window sends its gradient to the first offset holding the maximum; `unclaimed`
        # marks windows whose maximum has not been found yet, so a tie routes only once.
        unclaimed = np.ones(self.out.shape, dtype=bool)
        offsets = self._offsets()
        (kh, kw), (sh, sw) = self.kernel_size, self.stride
        overlapping = sh < kh or sw < kw
        is_max = np.empty(self.out.shape, dtype=bool)  # one buffer for every offset
        for rows, cols in offsets:
            np.equal(self.x[:, :, rows, cols], self.out, out=is_max)
            is_max &= unclaimed
            unclaimed ^= is_max  # is_max lies within unclaimed: xor takes those windows out
            if overlapping:  # one pixel can be the maximum of several windows: add them all
                grad_x[:, :, rows, cols] += grad_out * is_max
            else:  # each pixel is in one window only: write in place, no temporary (out=)
                np.multiply(grad_out, is_max, out=grad_x[:, :, rows, cols])
        # Left unclaimed: windows holding NaN (NaN == NaN is False). Like PyTorch, send their
        # gradient to their last NaN, so a NaN in the input is not silently cut off.
        if unclaimed.any():
            for rows, cols in reversed(offsets):
                is_nan = np.isnan(self.x[:, :, rows, cols])
                is_nan &= unclaimed
                unclaimed &= ~is_nan
                grad_x[:, :, rows, cols] += grad_out * is_nan
        return grad_x

    # --8<-- [end:maxpool]

    def __repr__(self) -> str:
        return f"MaxPool2D(kernel_size={self.kernel_size}, stride={self.stride})"
