"""Normalization layers: BatchNorm1d, BatchNorm2d and LayerNorm.

All three compute x_hat = (x - mean) / sqrt(var + eps) and y = gamma * x_hat + beta; they differ
only in the axes the mean and variance are taken over (the batch for BatchNorm, the features
for LayerNorm). The backward pass is the same compact formula for all of them,
`normalize_backward`, derived in chapter 6.
"""

from __future__ import annotations

import numpy as np

from nnfs.checks import (
    check_float_dtype,
    check_floating,
    check_int,
    check_real,
    require_forward,
)
from nnfs.core import Module, Parameter, check_shape
from nnfs.functional import fast_sum


def inverse_std(centered: np.ndarray, axes: tuple[int, ...], eps: float) -> np.ndarray:
    """1 / sqrt(mean(centered^2) + eps) over `axes` (keepdims), for any finite input.

    The squares overflow long before the result does (float32 rows of 1e20 square to 1e40):
    such rows are first divided by their largest magnitude s, using
    1 / sqrt(var + eps) = 1 / (s sqrt(var / s^2 + eps / s^2)).
    """
    with np.errstate(over="ignore"):
        var = _mean(centered * centered, axes)
    if np.all(np.isfinite(var)):
        return 1.0 / np.sqrt(var + eps)
    scale = np.abs(centered).max(axis=axes, keepdims=True)
    scale = np.where(np.isfinite(var), 1, scale)  # rescale only the rows that overflowed
    scaled = centered / scale
    with np.errstate(under="ignore"):
        tiny = eps / scale / scale  # underflows to 0 exactly where it no longer matters
    return 1.0 / (scale * np.sqrt(_mean(scaled * scaled, axes) + tiny))


def _mean(x: np.ndarray, axes: tuple[int, ...]) -> np.ndarray:
    """x.mean(axis=axes, keepdims=True), summed by `fast_sum` (a matrix product) for float32/64."""
    if x.dtype not in (np.float32, np.float64):
        return x.mean(axis=axes, keepdims=True)  # float16 means accumulate in float32
    count = int(np.prod([x.shape[a] for a in axes]))
    total = fast_sum(x, axis=axes, keepdims=True)
    total /= count
    return total


# --8<-- [start:normalize_backward]
def normalize_backward(
    grad_x_hat: np.ndarray, x_hat: np.ndarray, inv_std: np.ndarray, axes: tuple[int, ...]
) -> np.ndarray:
    """dL/dx of x_hat = (x - mean(x)) * inv_std, mean and (biased) variance taken over `axes`.

    dx = inv_std * (dx_hat - mean(dx_hat) - x_hat * mean(dx_hat * x_hat)), means over `axes`.

    Args:
        grad_x_hat: dL/dx_hat, same shape as x.
        x_hat: the normalized input saved by forward.
        inv_std: 1 / sqrt(var + eps), with size-1 dimensions along `axes`.
        axes: the axes the statistics were computed over.

    Returns: dL/dx, same shape as x.
    """
    mean_grad = _mean(grad_x_hat, axes)
    mean_grad_x_hat = _mean(grad_x_hat * x_hat, axes)
    # The bracket, then the product, in place on one new array instead of four temporaries.
    grad_x = grad_x_hat - mean_grad
    grad_x -= x_hat * mean_grad_x_hat
    grad_x *= inv_std
    return grad_x


# --8<-- [end:normalize_backward]


# --8<-- [start:layernorm]
class LayerNorm(Module):
    """Normalize each sample over its last axis: y = gamma * (x - mu) / sqrt(var + eps) + beta.

    mu and var (biased) are taken over the D features of each row, so the layer behaves the same
    in training and eval mode and does not depend on the other samples in the batch
    (Ba et al., 2016).

    Args:
        num_features: D, the size of the last axis.
        eps: added to the variance so that a constant row does not divide by zero.
        dtype: dtype of gamma and beta.

    Shapes: x (N, D) or (N, T, D) -> y same; gamma (D,), beta (D,).
    """

    def __init__(self, num_features: int, eps: float = 1e-5, *, dtype: type = np.float64) -> None:
        super().__init__()
        self.num_features = check_int("LayerNorm", "num_features", num_features)
        self.eps = check_real("LayerNorm", "eps", eps, 0)
        dtype = check_float_dtype("LayerNorm", dtype)
        self.gamma = Parameter(np.ones(num_features, dtype=dtype))
        self.beta = Parameter(np.zeros(num_features, dtype=dtype))

    def forward(self, x: np.ndarray) -> np.ndarray:
        check_floating("LayerNorm", "input", x)
        check_shape("LayerNorm", "input", x, (None,) * max(x.ndim - 1, 1) + (self.num_features,))
        mean = _mean(x, axes=(-1,))  # (..., 1)
        centered = x - mean
        self.inv_std = inverse_std(centered, axes=(-1,), eps=self.eps)  # 1/sqrt(var + eps)
        centered *= self.inv_std  # in place: the centered array becomes x_hat
        self.x_hat = centered  # (..., D)
        y = self.x_hat * self.gamma.data
        y += self.beta.data  # in place: one array for y, not two
        return y

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        require_forward(self, "x_hat")
        check_shape("LayerNorm", "grad_out", grad_out, self.x_hat.shape)
        batch_axes = tuple(range(grad_out.ndim - 1))
        if not self.gamma.frozen:
            self.gamma.grad += fast_sum(grad_out * self.x_hat, axis=batch_axes)
        if not self.beta.frozen:
            self.beta.grad += fast_sum(grad_out, axis=batch_axes)
        grad_x_hat = grad_out * self.gamma.data
        return normalize_backward(grad_x_hat, self.x_hat, self.inv_std, axes=(-1,))

    # --8<-- [end:layernorm]

    def __repr__(self) -> str:
        return f"LayerNorm({self.num_features}, eps={self.eps})"


# --8<-- [start:batchnorm]
class _BatchNorm(Module):
    """Shared BatchNorm logic; subclasses say which axes hold the batch (`axes`) and the shape.

    Training: normalize with the batch mean and biased batch variance, and update
    running = (1 - momentum) * running + momentum * batch_stat, where the variance that goes
    into the running buffer is the unbiased one, var * m / (m - 1), m values per feature
    (PyTorch's definition). Eval: normalize with the running statistics. The buffers keep
    their dtype whatever the input's (float64 data does not turn float32 buffers float64).

    `backward` differentiates the forward that ran: if it used batch statistics, so does the
    gradient, even when the module was switched to eval mode in between.
    """

    _buffers = ("running_mean", "running_var")
    axes: tuple[int, ...] = (0,)

    def __init__(
        self,
        num_features: int,
        momentum: float = 0.1,
        eps: float = 1e-5,
        *,
        dtype: type = np.float64,
    ) -> None:
        super().__init__()
        name = type(self).__name__
        self.num_features = check_int(name, "num_features", num_features)
        self.momentum = check_real(name, "momentum", momentum, 0, 1)
        self.eps = check_real(name, "eps", eps, 0)
        dtype = check_float_dtype(name, dtype)
        self.gamma = Parameter(np.ones(num_features, dtype=dtype))
        self.beta = Parameter(np.zeros(num_features, dtype=dtype))
        self.running_mean = np.zeros(num_features, dtype=dtype)
        self.running_var = np.ones(num_features, dtype=dtype)

    def _check_input(self, x: np.ndarray) -> None:
        raise NotImplementedError

    def _per_feature(self, v: np.ndarray) -> np.ndarray:
        """Reshape a (C,) vector so that it broadcasts against the input, e.g. (1, C, 1, 1)."""
        shape = [1] * (len(self.axes) + 1)
        shape[1 if len(self.axes) > 1 else -1] = self.num_features
        return v.reshape(shape)

    def forward(self, x: np.ndarray) -> np.ndarray:
        self._check_input(x)
        self.used_batch_stats = self.training  # backward must follow this forward's mode
        if self.training:
            m = x.size // self.num_features  # values per feature
            if m < 2:
                raise ValueError(
                    f"{type(self).__name__}: training needs more than 1 value per feature, "
                    f"got input shape {tuple(x.shape)}"
                )
            mean = x.mean(axis=self.axes, keepdims=True)
            centered = x - mean
            var = (centered * centered).mean(axis=self.axes, keepdims=True)  # biased
            mom = self.momentum
            # Assigning into the buffers ([...] =) keeps their dtype whatever the input's.
            self.running_mean[...] = (1 - mom) * self.running_mean + mom * mean.reshape(-1)
            unbiased = var.reshape(-1) * (m / (m - 1))
            self.running_var[...] = (1 - mom) * self.running_var + mom * unbiased
        else:
            centered = x - self._per_feature(self.running_mean)
            var = self._per_feature(self.running_var)
        self.inv_std = 1.0 / np.sqrt(var + self.eps)
        self.x_hat = centered * self.inv_std
        return self._per_feature(self.gamma.data) * self.x_hat + self._per_feature(self.beta.data)

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        require_forward(self, "x_hat")
        check_shape(type(self).__name__, "grad_out", grad_out, self.x_hat.shape)
        if not self.gamma.frozen:
            self.gamma.grad += (grad_out * self.x_hat).sum(axis=self.axes)
        if not self.beta.frozen:
            self.beta.grad += grad_out.sum(axis=self.axes)
        grad_x_hat = grad_out * self._per_feature(self.gamma.data)
        if not self.used_batch_stats:
            # In eval mode mean and variance are constants, so x -> x_hat is just a scaling.
            return grad_x_hat * self.inv_std
        return normalize_backward(grad_x_hat, self.x_hat, self.inv_std, self.axes)

    # --8<-- [end:batchnorm]

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}({self.num_features}, momentum={self.momentum}, eps={self.eps})"
        )


class BatchNorm1d(_BatchNorm):
    """Batch normalization of dense features (Ioffe & Szegedy, 2015).

    Args:
        num_features: D.
        momentum: weight of the current batch in the running statistics (PyTorch's meaning).
        eps: added to the variance.
        dtype: dtype of gamma, beta and the running buffers.

    Shapes: x (N, D) -> y (N, D); statistics over the N rows; gamma, beta (D,).
    """

    axes = (0,)

    def _check_input(self, x: np.ndarray) -> None:
        check_floating("BatchNorm1d", "input", x)
        check_shape("BatchNorm1d", "input", x, (None, self.num_features))


class BatchNorm2d(_BatchNorm):
    """Batch normalization of feature maps (Ioffe & Szegedy, 2015), one statistic per channel.

    Args:
        num_features: C, the number of channels.
        momentum: weight of the current batch in the running statistics (PyTorch's meaning).
        eps: added to the variance.
        dtype: dtype of gamma, beta and the running buffers.

    Shapes: x (N, C, H, W) -> y same; statistics over N, H and W; gamma, beta (C,).
    """

    axes = (0, 2, 3)

    def _check_input(self, x: np.ndarray) -> None:
        check_floating("BatchNorm2d", "input", x)
        check_shape("BatchNorm2d", "input", x, (None, self.num_features, None, None))
