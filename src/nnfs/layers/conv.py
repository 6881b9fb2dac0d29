"""2-D convolution by im2col: unfold every receptive field into a column, then one matrix product.

A convolution layer (strictly, a cross-correlation, as in every deep-learning library) slides a
`(C, kh, kw)` kernel over the image. `im2col` copies each patch the kernel sees into one column
of a matrix; the whole layer is then `W_mat @ cols`, a single GEMM. `col2im` is its adjoint: it
adds each column back onto the pixels it came from, which is exactly what the backward pass needs.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from nnfs import init as initializers
from nnfs.checks import (
    check_array,
    check_float_dtype,
    check_int,
    check_int_pair,
    check_rng,
    require_forward,
)
from nnfs.core import Module, Parameter, check_shape


def _pair(layer: str, name: str, value: int | tuple[int, int], minimum: int = 1) -> tuple[int, int]:
    """An int or a pair of ints -> (int, int), each >= minimum (see `nnfs.checks`)."""
    return check_int_pair(layer, name, value, minimum)


def conv_output_size(size: int, kernel: int, stride: int, padding: int) -> int:
    """Output length along one axis: floor((size + 2 padding - kernel) / stride) + 1."""
    return (size + 2 * padding - kernel) // stride + 1


# --8<-- [start:im2col]
def im2col(
    x: np.ndarray,
    kernel_size: tuple[int, int],
    stride: tuple[int, int] = (1, 1),
    padding: tuple[int, int] = (0, 0),
) -> np.ndarray:
    """Unfold every kernel-sized patch of x into a column.

    Args:
        x: images, (N, C, H, W).
        kernel_size: (kh, kw).
        stride: (sh, sw).
        padding: (ph, pw), zeros added on both sides.

    Returns:
        cols: (C * kh * kw, OH * OW * N). Row c * kh * kw + i * kw + j holds pixel (c, i, j)
        of each patch; column (oh * OW + ow) * N + n is the patch under output (n, oh, ow).
    """
    (kh, kw), (sh, sw), (ph, pw) = kernel_size, stride, padding
    n, c, h, w = x.shape
    oh, ow = conv_output_size(h, kh, sh, ph), conv_output_size(w, kw, sw, pw)
    # Batch last, (C, H, W, N): a row of patches then reads OW * N contiguous values, not OW.
    x = x.transpose(1, 2, 3, 0)
    x = np.pad(x, ((0, 0), (ph, ph), (pw, pw), (0, 0))) if ph or pw else np.ascontiguousarray(x)
    # A strided view, no copy: windows[c, oh, ow, n, i, j] = x[c, oh*sh + i, ow*sw + j, n].
    windows = sliding_window_view(x, (kh, kw), axis=(1, 2))[:, ::sh, ::sw][:, :oh, :ow]
    # The one big copy: reorder to (C, kh, kw, OH, OW, N) and flatten into a matrix.
    return windows.transpose(0, 4, 5, 1, 2, 3).reshape(c * kh * kw, oh * ow * n)


# --8<-- [end:im2col]


# --8<-- [start:col2im]
def col2im(
    cols: np.ndarray,
    x_shape: tuple[int, int, int, int],
    kernel_size: tuple[int, int],
    stride: tuple[int, int] = (1, 1),
    padding: tuple[int, int] = (0, 0),
) -> np.ndarray:
    """The adjoint of im2col: add every column entry back onto the pixel it was copied from.

    A pixel that sits in several patches receives the sum of all their entries, so
    col2im(im2col(x)) = x * (number of patches covering each pixel).

    Args:
        cols: (C * kh * kw, OH * OW * N), laid out as `im2col` returns it.
        x_shape: (N, C, H, W) of the original images.
        kernel_size: (kh, kw), as given to `im2col`.
        stride: (sh, sw).
        padding: (ph, pw).

    Returns:
        (N, C, H, W), the same dtype as cols.
    """
    (kh, kw), (sh, sw), (ph, pw) = kernel_size, stride, padding
    n, c, h, w = x_shape
    oh, ow = conv_output_size(h, kh, sh, ph), conv_output_size(w, kw, sw, pw)
    patches = cols.reshape(c, kh, kw, oh, ow, n)
    padded = np.zeros((c, h + 2 * ph, w + 2 * pw, n), dtype=cols.dtype)  # batch last, as in im2col
    # Loop over the kh * kw kernel offsets, not over pixels: offset (i, j) of every patch lands
    # on a strided grid of pixels that never repeats, so a plain += is enough.
    for i in range(kh):
        for j in range(kw):
            rows = slice(i, i + sh * (oh - 1) + 1, sh)
            columns = slice(j, j + sw * (ow - 1) + 1, sw)
            window = padded[:, rows, columns]
            # np.add with out=, not `padded[...] += ...`, which would copy the view onto itself.
            np.add(window, patches[:, i, j], out=window)
    return np.ascontiguousarray(padded[:, ph : ph + h, pw : pw + w].transpose(3, 0, 1, 2))


# --8<-- [end:col2im]


# --8<-- [start:conv2d]
class Conv2D(Module):
    """2-D convolution (cross-correlation): y[n, o] = b[o] + sum_c x[n, c] * W[o, c].

    Args:
        in_channels: C, channels of the input.
        out_channels: O, number of kernels (channels of the output).
        kernel_size: kh = kw, or a pair (kh, kw).
        stride: sh = sw, or a pair (sh, sw).
        padding: ph = pw, or a pair (ph, pw); zeros added on both sides.
        init: weight initializer (fan_in = C kh kw), see `nnfs.init`.
        rng: the Generator that draws the initial weights.
        dtype: float64 (default, for gradient checks) or float32 (for speed).

    Shapes: x (N, C, H, W) -> y (N, O, OH, OW), OH = floor((H + 2 ph - kh) / sh) + 1;
    W (O, C, kh, kw); b (O,).

    Attributes:
        needs_input_grad: set it to False on a network's first layer, whose input is data:
            backward then skips dL/dx (a matrix product and col2im) and returns None.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int | tuple[int, int],
        stride: int | tuple[int, int] = 1,
        padding: int | tuple[int, int] = 0,
        *,
        init: str | Callable = "he",
        rng: np.random.Generator | None = None,
        dtype: type = np.float64,
    ) -> None:
        super().__init__()
        self.in_channels = check_int("Conv2D", "in_channels", in_channels)
        self.out_channels = check_int("Conv2D", "out_channels", out_channels)
        self.kernel_size = check_int_pair("Conv2D", "kernel_size", kernel_size)
        self.stride = check_int_pair("Conv2D", "stride", stride)
        self.padding = check_int_pair("Conv2D", "padding", padding, minimum=0)
        rng, dtype = check_rng("Conv2D", rng), check_float_dtype("Conv2D", dtype)
        shape = (out_channels, in_channels, *self.kernel_size)
        self.W = Parameter(initializers.initialize(init, shape, rng, dtype, owner="Conv2D"))
        self.b = Parameter(np.zeros(out_channels, dtype=dtype))
        self.needs_input_grad = True

    def forward(self, x: np.ndarray) -> np.ndarray:
        """x (N, C, H, W) -> y (N, O, OH, OW). Keeps the im2col matrix of x for backward."""
        check_shape("Conv2D", "input", x, (None, self.in_channels, None, None))
        (kh, kw), (ph, pw) = self.kernel_size, self.padding
        if x.shape[2] + 2 * ph < kh or x.shape[3] + 2 * pw < kw:
            raise ValueError(
                f"Conv2D: input expected height >= {kh - 2 * ph} and width >= {kw - 2 * pw} "
                f"for a {kh}x{kw} kernel with padding {self.padding}, got {tuple(x.shape)}"
            )
        n, _, h, w = self.x_shape = x.shape
        oh = conv_output_size(h, kh, self.stride[0], ph)
        ow = conv_output_size(w, kw, self.stride[1], pw)
        self.x_cols = im2col(x, self.kernel_size, self.stride, self.padding)  # (C kh kw, OH OW N)
        out = self.W.data.reshape(self.out_channels, -1) @ self.x_cols  # (O, OH OW N)
        self.out_shape = (n, self.out_channels, oh, ow)
        # y = out + b, written straight into (N, O, OH, OW): the bias add and the layout change
        # are one pass over the output, not two.
        y = np.empty(self.out_shape, dtype=out.dtype)
        out = out.reshape(self.out_channels, oh, ow, n).transpose(3, 0, 1, 2)
        return np.add(out, self.b.data[:, None, None], out=y)

    def backward(self, grad_out: np.ndarray) -> np.ndarray | None:
        """grad_out = dL/dy (N, O, OH, OW) -> dL/dx (N, C, H, W); adds dL/dW, dL/db."""
        require_forward(self, "x_cols")
        check_shape("Conv2D", "grad_out", grad_out, self.out_shape)
        # (N, O, OH, OW) -> (O, OH OW N): the same column order as x_cols.
        g = grad_out.transpose(1, 2, 3, 0).reshape(self.out_channels, -1)
        if not self.W.frozen:
            # dL/dW = g x_cols^T sums over every output position of every image at once.
            # Computed as its transpose x_cols g^T, the same sums: for a long sum (OH OW N
            # terms) into few outputs, OpenBLAS runs this order faster than g x_cols^T.
            self.W.grad += (self.x_cols @ g.T).T.reshape(self.W.shape)
        if not self.b.frozen:
            self.b.grad += g.sum(axis=1)
        if not self.needs_input_grad:
            return None
        # dL/dx_cols = W_mat^T g, then col2im adds each column back onto the pixels it came from.
        grad_cols = self.W.data.reshape(self.out_channels, -1).T @ g  # (C kh kw, OH OW N)
        return col2im(grad_cols, self.x_shape, self.kernel_size, self.stride, self.padding)

    # --8<-- [end:conv2d]

    def __repr__(self) -> str:
        return (
            f"Conv2D({self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
            f"stride={self.stride}, padding={self.padding})"
        )


# --8<-- [start:conv2d_direct]
def conv2d_direct(
    x: np.ndarray,
    W: np.ndarray,
    b: np.ndarray | None = None,
    stride: int | tuple[int, int] = 1,
    padding: int | tuple[int, int] = 0,
) -> np.ndarray:
    """The convolution by its definition, one kernel offset at a time (no im2col).

    y[n, o, u, v] = b[o] + sum_{c, i, j} W[o, c, i, j] * x_pad[n, c, u*sh + i, v*sw + j]

    Args:
        x: images, (N, C_in, H, W).
        W: kernels, (C_out, C_in, kh, kw), the layout of `Conv2D.W`.
        b: biases, (C_out,), or None for none.
        stride: sh = sw, or a pair (sh, sw).
        padding: ph = pw, or a pair (ph, pw); zeros added on both sides.

    Returns:
        y: (N, C_out, H_out, W_out), H_out = floor((H + 2 ph - kh) / sh) + 1.
    """
    n, c_in, c_out, (kh, kw), (sh, sw), (ph, pw) = _check_direct(x, W, b, stride, padding)
    h_out = conv_output_size(x.shape[2], kh, sh, ph)
    w_out = conv_output_size(x.shape[3], kw, sw, pw)
    x_pad = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    y = np.zeros((n, c_out, h_out, w_out), dtype=np.result_type(x, W))
    for i in range(kh):
        for j in range(kw):
            # Rows i, i + sh, ..., columns j, j + sw, ...: the pixel under kernel offset (i, j)
            # in every window at once, (N, C_in, H_out, W_out).
            rows = slice(i, i + sh * (h_out - 1) + 1, sh)
            columns = slice(j, j + sw * (w_out - 1) + 1, sw)
            under = x_pad[:, :, rows, columns]
            # Times W[o, c, i, j], summed over the input channels c: (N, C_out, H_out, W_out).
            y += np.einsum("nchw,oc->nohw", under, W[:, :, i, j])
    if b is not None:
        y += b[:, None, None]
    return y


# --8<-- [end:conv2d_direct]


def _check_direct(x, W, b, stride, padding):
    """Validate conv2d_direct's arguments; return (N, C_in, C_out, kernel, stride, padding)."""
    name = "conv2d_direct"
    check_array(name, "x", x)
    check_array(name, "W", W)
    if x.ndim != 4:
        raise ValueError(f"{name}: x expected shape (N, C_in, H, W), got {tuple(x.shape)}")
    check_shape(name, "W", W, (None, x.shape[1], None, None))
    if b is not None:
        check_shape(name, "b", b, (W.shape[0],))
    stride = check_int_pair(name, "stride", stride, minimum=1)
    padding = check_int_pair(name, "padding", padding, minimum=0)
    kh, kw = W.shape[2:]
    if kh == 0 or kw == 0 or x.shape[2] + 2 * padding[0] < kh or x.shape[3] + 2 * padding[1] < kw:
        raise ValueError(
            f"{name}: x expected height >= {kh - 2 * padding[0]} and width >= "
            f"{kw - 2 * padding[1]} for a {kh}x{kw} kernel with padding {padding}, "
            f"got {tuple(x.shape)}"
        )
    return x.shape[0], x.shape[1], W.shape[0], (kh, kw), stride, padding


# --8<-- [start:receptive_field]
def receptive_field(layers: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Receptive field and jump after each layer of a stack of convolutions and poolings.

    A layer of kernel k and stride s grows the field by (k - 1) steps of the current jump, and
    multiplies the jump (the input distance between neighbouring outputs) by s:
    r_l = r_{l-1} + (k_l - 1) j_{l-1},  j_l = j_{l-1} s_l,  starting from r_0 = j_0 = 1.

    Args:
        layers: (kernel, stride) of each layer, input first (square kernels and strides).

    Returns:
        [(r_1, j_1), (r_2, j_2), ...]: the field size and the jump after each layer, in pixels.
    """
    field, jump, out = 1, 1, []
    for kernel, stride in layers:
        kernel = check_int("receptive_field", "kernel", kernel)
        stride = check_int("receptive_field", "stride", stride)
        field, jump = field + (kernel - 1) * jump, jump * stride
        out.append((field, jump))
    return out


# --8<-- [end:receptive_field]
