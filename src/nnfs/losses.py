"""Loss functions: `forward(pred, target) -> float` (a mean) and `backward() -> dL/dpred`.

Reductions follow PyTorch's `reduction="mean"`: MSE and BCE average over every element, the
cross-entropies over the batch. Targets may be integer labels `(N,)` or one-hot `(N, C)`.
"""

from __future__ import annotations

import numpy as np

from nnfs import functional as F


def _check_same_shape(loss: str, pred: np.ndarray, target: np.ndarray) -> None:
    if pred.shape != target.shape:
        raise ValueError(
            f"{loss}: target expected shape {tuple(pred.shape)} (same as pred), "
            f"got {tuple(target.shape)}"
        )


def _one_hot_target(loss: str, pred: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Return a one-hot `(N, C)` array in pred's dtype from labels `(N,)` or one-hot `(N, C)`."""
    if pred.ndim != 2:
        raise ValueError(f"{loss}: pred expected shape (N, C), got {tuple(pred.shape)}")
    n, c = pred.shape
    target = np.asarray(target)
    if target.shape == (n,):
        if not np.issubdtype(target.dtype, np.integer):
            raise TypeError(
                f"{loss}: label targets of shape ({n},) must be integers, got {target.dtype}"
            )
        if target.min(initial=0) < 0 or target.max(initial=0) >= c:
            raise ValueError(
                f"{loss}: labels must lie in [0, {c}), got range [{target.min()}, {target.max()}]"
            )
        one_hot = np.zeros_like(pred)
        one_hot[np.arange(n), target] = 1
        return one_hot
    if target.shape == (n, c):
        return target.astype(pred.dtype, copy=False)
    raise ValueError(
        f"{loss}: target expected shape ({n},) or ({n}, {c}), got {tuple(target.shape)}"
    )


class Loss:
    """Base class: losses are callable, `loss(pred, target)` is `loss.forward(pred, target)`."""

    def forward(self, pred: np.ndarray, target: np.ndarray) -> float:
        raise NotImplementedError

    def backward(self) -> np.ndarray:
        raise NotImplementedError

    def __call__(self, pred: np.ndarray, target: np.ndarray) -> float:
        return self.forward(pred, target)


# --8<-- [start:mse]
class MSE(Loss):
    """L = mean((pred - target)^2) over every element; dL/dpred = 2 (pred - target) / size."""

    def forward(self, pred: np.ndarray, target: np.ndarray) -> float:
        target = np.asarray(target)
        _check_same_shape("MSE", pred, target)
        self.diff = pred - target
        return float(np.mean(self.diff**2))

    def backward(self) -> np.ndarray:
        return 2 * self.diff / self.diff.size


# --8<-- [end:mse]


# --8<-- [start:bce]
class BinaryCrossEntropy(Loss):
    """L = -mean(y log p + (1 - y) log(1 - p)) over every element, p a probability.

    p is clipped to [eps, 1 - eps] so that p = 0 or 1 gives a large but finite loss; the
    gradient dL/dp = (p - y) / (p (1 - p)) / size uses the same clipped p.
    """

    def __init__(self, eps: float = 1e-12) -> None:
        self.eps = eps

    def forward(self, pred: np.ndarray, target: np.ndarray) -> float:
        target = np.asarray(target)
        _check_same_shape("BinaryCrossEntropy", pred, target)
        self.p = np.clip(pred, self.eps, 1 - self.eps)
        self.y = target.astype(pred.dtype, copy=False)
        losses = -(self.y * np.log(self.p) + (1 - self.y) * np.log1p(-self.p))
        return float(np.mean(losses))

    def backward(self) -> np.ndarray:
        return (self.p - self.y) / (self.p * (1 - self.p)) / self.p.size


# --8<-- [end:bce]


# --8<-- [start:cce]
class CategoricalCrossEntropy(Loss):
    """L = -(1/N) sum_n sum_c y_nc log p_nc for probabilities p: (N, C).

    Clipping p to [eps, 1] keeps log finite when a probability is exactly 0.
    """

    def __init__(self, eps: float = 1e-12) -> None:
        self.eps = eps

    def forward(self, pred: np.ndarray, target: np.ndarray) -> float:
        self.y = _one_hot_target("CategoricalCrossEntropy", pred, target)
        self.p = np.clip(pred, self.eps, 1.0)
        return float(-np.sum(self.y * np.log(self.p)) / pred.shape[0])

    def backward(self) -> np.ndarray:
        return -self.y / self.p / self.p.shape[0]


# --8<-- [end:cce]


# --8<-- [start:softmax_ce]
class SoftmaxCrossEntropy(Loss):
    """Softmax and cross-entropy fused: L = -(1/N) sum_n log softmax(z_n)[y_n], z logits (N, C).

    The fused gradient is dL/dz = (softmax(z) - y) / N: no division by a probability, so it
    stays finite even for logits of +-1e4 (log_softmax uses the log-sum-exp shift).
    """

    def forward(self, pred: np.ndarray, target: np.ndarray) -> float:
        self.y = _one_hot_target("SoftmaxCrossEntropy", pred, target)
        log_p = F.log_softmax(pred, axis=1)
        self.probs = np.exp(log_p)
        return float(-np.sum(self.y * log_p) / pred.shape[0])

    def backward(self) -> np.ndarray:
        return (self.probs - self.y) / self.probs.shape[0]


# --8<-- [end:softmax_ce]
