"""Normalization layers: BatchNorm1d, BatchNorm2d and LayerNorm.

All three compute x_hat = (x - mean) / sqrt(var + eps) and y = gamma * x_hat + beta; they differ
only in the axes the mean and variance are taken over (the batch for BatchNorm, the features
for LayerNorm). The backward pass is the same compact formula for all of them,
`normalize_backward`, derived in chapter 6.
"""

from __future__ import annotations

import numpy as np

from nnfs.core import Module, Parameter, check_shape


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
    mean_grad = grad_x_hat.mean(axis=axes, keepdims=True)
    mean_grad_x_hat = (grad_x_hat * x_hat).mean(axis=axes, keepdims=True)
    return inv_std * (grad_x_hat - mean_grad - x_hat * mean_grad_x_hat)


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
        self.num_features, self.eps = num_features, float(eps)
        self.gamma = Parameter(np.ones(num_features, dtype=dtype))
        self.beta = Parameter(np.zeros(num_features, dtype=dtype))

    def forward(self, x: np.ndarray) -> np.ndarray:
        if x.ndim < 2:
            check_shape("LayerNorm", "input", x, (None, self.num_features))
        check_shape("LayerNorm", "input", x, (None,) * (x.ndim - 1) + (self.num_features,))
        mean = x.mean(axis=-1, keepdims=True)  # (..., 1)
        centered = x - mean
        var = (centered * centered).mean(axis=-1, keepdims=True)  # (..., 1), biased
        self.inv_std = 1.0 / np.sqrt(var + self.eps)
        self.x_hat = centered * self.inv_std  # (..., D)
        return self.gamma.data * self.x_hat + self.beta.data

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        if not self.gamma.frozen:
            batch_axes = tuple(range(grad_out.ndim - 1))
            self.gamma.grad += (grad_out * self.x_hat).sum(axis=batch_axes)
            self.beta.grad += grad_out.sum(axis=batch_axes)
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
    (PyTorch's definition). Eval: normalize with the running statistics.
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
        self.num_features, self.momentum, self.eps = num_features, float(momentum), float(eps)
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
            self.running_mean = (1 - mom) * self.running_mean + mom * mean.reshape(-1)
            unbiased = var.reshape(-1) * (m / (m - 1))
            self.running_var = (1 - mom) * self.running_var + mom * unbiased
        else:
            centered = x - self._per_feature(self.running_mean)
            var = self._per_feature(self.running_var)
        self.inv_std = 1.0 / np.sqrt(var + self.eps)
        self.x_hat = centered * self.inv_std
        return self._per_feature(self.gamma.data) * self.x_hat + self._per_feature(self.beta.data)

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        if not self.gamma.frozen:
            self.gamma.grad += (grad_out * self.x_hat).sum(axis=self.axes)
            self.beta.grad += grad_out.sum(axis=self.axes)
        grad_x_hat = grad_out * self._per_feature(self.gamma.data)
        if not self.training:
            # In eval mode mean and variance are constants, so x -> x_hat is just a scaling.
            return grad_x_hat * self.inv_std
        return normalize_backward(grad_x_hat, self.x_hat, self.inv_std, self.axes)

    # --8<-- [end:batchnorm]

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.num_features}, momentum={self.momentum})"


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
        check_shape("BatchNorm2d", "input", x, (None, self.num_features, None, None))
