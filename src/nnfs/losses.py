"""Loss functions: `forward(pred, target) -> float` (a mean) and `backward() -> dL/dpred`.

Reductions follow PyTorch's `reduction="mean"`: MSE and the binary cross-entropies average over
every element, the categorical cross-entropies over the batch. The categorical losses take
integer labels `(N,)` or one-hot (or any probability) targets `(N, C)`. Every loss computes in
the dtype of `pred`, and its gradient has that dtype too.

Inputs outside a loss's domain raise a ValueError naming the loss instead of giving a
meaningless number: an empty batch, probabilities outside [0, 1] (logits passed to a loss that
wants probabilities), targets outside [0, 1], labels outside [0, C). A NaN prediction is let
through (the loss is NaN), so a diverged model stays visible to the training loop.
"""

from __future__ import annotations

import numpy as np

from nnfs import functional as F
from nnfs.checks import check_real, require_forward
from nnfs.functional import _as_float


def _check_nonempty(loss: str, pred: np.ndarray) -> None:
    # The mean of nothing is NaN, with a NumPy warning: say what happened instead.
    if pred.size == 0:
        raise ValueError(f"{loss}: expected a non-empty batch, got pred of shape {pred.shape}")


def _check_probabilities(loss: str, name: str, x: np.ndarray, *, allow_nan: bool) -> None:
    """Raise unless every value of `x` lies in [0, 1] (NaN allowed in predictions only)."""
    inside = (x >= 0) & (x <= 1)
    if allow_nan:
        inside |= np.isnan(x)
    if not inside.all():
        outside = x[~inside]
        shown = "NaN" if np.isnan(outside).any() else f"{outside.min():.4g} .. {outside.max():.4g}"
        hint = " (logits? use the loss on logits)" if name == "pred" else ""
        raise ValueError(
            f"{loss}: {name} expected probabilities in [0, 1], got {outside.size} values "
            f"outside, in {shown}{hint}"
        )


def _check_same_shape(loss: str, pred: np.ndarray, target: np.ndarray) -> None:
    # No broadcasting: pred (N, 1) against target (N,) would silently give an (N, N) loss.
    if pred.shape != target.shape:
        raise ValueError(
            f"{loss}: target expected shape {tuple(pred.shape)} (same as pred), "
            f"got {tuple(target.shape)}"
        )


def _one_hot_target(loss: str, pred: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Return an `(N, C)` target in pred's dtype from labels `(N,)` or distributions `(N, C)`."""
    if pred.ndim != 2:
        raise ValueError(f"{loss}: pred expected shape (N, C), got {tuple(pred.shape)}")
    n, c = pred.shape
    if n == 0 or c == 0:
        raise ValueError(f"{loss}: expected a non-empty batch, got pred of shape {pred.shape}")
    target = np.asarray(target)
    if target.shape == (n,):
        if target.dtype.kind not in "iu":  # signed or unsigned integers
            raise TypeError(
                f"{loss}: label targets of shape ({n},) must be integers, got {target.dtype}"
            )
        if target.min(initial=0) < 0 or target.max(initial=0) >= c:
            raise ValueError(
                f"{loss}: labels must lie in [0, {c}), got range [{target.min()}, {target.max()}]"
            )
        one_hot = np.zeros(pred.shape, dtype=pred.dtype)
        one_hot[np.arange(n), target] = 1
        return one_hot
    if target.shape == (n, c):
        _check_probabilities(loss, "target", target, allow_nan=False)
        target = target.astype(pred.dtype, copy=False)
        # Each row must be a distribution: the fused gradient p - y relies on sum_c y_c = 1.
        row_sums = target.sum(axis=1)
        if np.any(np.abs(row_sums - 1) > np.sqrt(np.finfo(pred.dtype).eps)):
            raise ValueError(
                f"{loss}: each target row must sum to 1 (one-hot or probabilities), got row sums "
                f"in [{row_sums.min():.4g}, {row_sums.max():.4g}]"
            )
        return target
    raise ValueError(
        f"{loss}: target expected shape ({n},) or ({n}, {c}), got {tuple(target.shape)}"
    )


class Loss:
    """Base class: losses are callable, `loss(pred, target)` is `loss.forward(pred, target)`."""

    def forward(self, pred: np.ndarray, target: np.ndarray) -> float:
        raise NotImplementedError(f"{type(self).__name__} does not define forward")

    def backward(self) -> np.ndarray:
        raise NotImplementedError(f"{type(self).__name__} does not define backward")

    def __call__(self, pred: np.ndarray, target: np.ndarray) -> float:
        return self.forward(pred, target)


# --8<-- [start:mse]
class MSE(Loss):
    """L = mean((pred - target)^2) over all S elements; dL/dpred = 2 (pred - target) / S.

    Shapes: pred and target any shape, the same; backward() has that shape too.
    """

    def forward(self, pred: np.ndarray, target: np.ndarray) -> float:
        pred, target = _as_float(pred), np.asarray(target)
        _check_same_shape("MSE", pred, target)
        _check_nonempty("MSE", pred)
        self.diff = pred - target.astype(pred.dtype, copy=False)
        return float(np.mean(self.diff**2))

    def backward(self) -> np.ndarray:
        require_forward(self, "diff")
        return 2 * self.diff / self.diff.size


# --8<-- [end:mse]


# --8<-- [start:bce]
class BinaryCrossEntropy(Loss):
    """L = -mean(y log p + (1 - y) log(1 - p)) over all S elements, p a probability.

    p is clipped to [eps, 1 - eps], so p = 0 or 1 gives a large but finite loss; the gradient
    dL/dp = (p - y) / (p (1 - p)) / S uses the same clipped p. p and y must lie in [0, 1]:
    logits raise a ValueError (use BinaryCrossEntropyWithLogits for them).

    Args:
        eps: the clipping margin. It is raised to the dtype's machine epsilon when smaller
            (1e-12 would round 1 - eps back to 1 in float32 and float16).

    Shapes: pred and target any shape, the same; backward() has that shape too.
    """

    def __init__(self, eps: float = 1e-12) -> None:
        self.eps = check_real("BinaryCrossEntropy", "eps", eps, 0, 0.5, low_open=True)

    def forward(self, pred: np.ndarray, target: np.ndarray) -> float:
        pred, target = _as_float(pred), np.asarray(target)
        _check_same_shape("BinaryCrossEntropy", pred, target)
        _check_nonempty("BinaryCrossEntropy", pred)
        _check_probabilities("BinaryCrossEntropy", "pred", pred, allow_nan=True)
        _check_probabilities("BinaryCrossEntropy", "target", target, allow_nan=False)
        eps = max(self.eps, float(np.finfo(pred.dtype).eps))
        self.p = np.clip(pred, eps, 1 - eps)
        self.y = target.astype(pred.dtype, copy=False)
        losses = -(self.y * np.log(self.p) + (1 - self.y) * np.log1p(-self.p))
        return float(np.mean(losses))

    def backward(self) -> np.ndarray:
        require_forward(self, "p")
        return (self.p - self.y) / (self.p * (1 - self.p)) / self.p.size


# --8<-- [end:bce]


# --8<-- [start:bce_logits]
class BinaryCrossEntropyWithLogits(Loss):
    """Sigmoid and binary cross-entropy fused, on logits z: L = mean(softplus(z) - y z).

    -y log sigma(z) - (1 - y) log(1 - sigma(z)) simplifies to softplus(z) - y z, which is
    finite for any z, and its gradient is dL/dz = (sigma(z) - y) / S: no clipping needed.

    Shapes: pred (logits) and target any shape, the same; backward() has that shape too.
    """

    def forward(self, pred: np.ndarray, target: np.ndarray) -> float:
        pred, target = _as_float(pred), np.asarray(target)
        _check_same_shape("BinaryCrossEntropyWithLogits", pred, target)
        _check_nonempty("BinaryCrossEntropyWithLogits", pred)
        _check_probabilities("BinaryCrossEntropyWithLogits", "target", target, allow_nan=False)
        self.y = target.astype(pred.dtype, copy=False)
        self.probs = F.sigmoid(pred)
        return float(np.mean(F.softplus(pred) - self.y * pred))

    def backward(self) -> np.ndarray:
        require_forward(self, "probs")
        return (self.probs - self.y) / self.probs.size


# --8<-- [end:bce_logits]


# --8<-- [start:cce]
class CategoricalCrossEntropy(Loss):
    """L = -(1/N) sum_n sum_c y_nc log p_nc for probabilities p: (N, C).

    p is clipped to [eps, 1] so that a probability of exactly 0 gives a large but finite loss
    (only log p is taken, so 1 needs no margin). p must lie in [0, 1]: logits raise a
    ValueError (use SoftmaxCrossEntropy for them).

    Args:
        eps: the lower clip. It is raised to the dtype's smallest normal number when smaller
            (1e-12 is 0 in float16; the float16 floor 6.1e-5 still keeps 1 / p finite).

    Targets: integer labels (N,) or one-hot (N, C); backward() has shape (N, C).
    """

    def __init__(self, eps: float = 1e-12) -> None:
        self.eps = check_real(
            "CategoricalCrossEntropy", "eps", eps, 0, 1, low_open=True, high_open=True
        )

    def forward(self, pred: np.ndarray, target: np.ndarray) -> float:
        pred = _as_float(pred)
        self.y = _one_hot_target("CategoricalCrossEntropy", pred, target)
        _check_probabilities("CategoricalCrossEntropy", "pred", pred, allow_nan=True)
        eps = max(self.eps, float(np.finfo(pred.dtype).smallest_normal))
        self.p = np.clip(pred, eps, 1.0)
        return float(-np.sum(self.y * np.log(self.p)) / pred.shape[0])

    def backward(self) -> np.ndarray:
        require_forward(self, "p")
        return -self.y / self.p / self.p.shape[0]


# --8<-- [end:cce]


# --8<-- [start:softmax_ce]
class SoftmaxCrossEntropy(Loss):
    """Softmax and cross-entropy fused: L = -(1/N) sum_n sum_c y_nc log softmax(z_n)_c.

    pred holds logits z: (N, C). The fused gradient is dL/dz = (softmax(z) - y) / N: no
    division by a probability, so it stays finite even for logits of ±1e4, and log_softmax
    uses the log-sum-exp shift. Targets: integer labels (N,) or one-hot (N, C).
    """

    def forward(self, pred: np.ndarray, target: np.ndarray) -> float:
        pred = _as_float(pred)
        self.y = _one_hot_target("SoftmaxCrossEntropy", pred, target)
        # log softmax(z)_c = s_c - log sum_j exp(s_j), with s = z - max(z) (the log-sum-exp
        # shift); each row of y sums to 1, so L = (1/N) sum_n (log sum_j exp(s_nj) - y_n . s_n).
        shifted = pred - F.max_keepdims(pred, axis=1)  # (N, C)
        self.probs = np.exp(shifted)
        total = self.probs.sum(axis=1, keepdims=True)  # sum_j exp(s_j), in [1, C]
        self.probs /= total  # softmax(z), in place
        # np.vdot(y, s) = sum of y * s without the (N, C) temporary.
        return float((np.log(total).sum() - np.vdot(self.y, shifted)) / pred.shape[0])

    def backward(self) -> np.ndarray:
        require_forward(self, "probs")
        return (self.probs - self.y) / self.probs.shape[0]


# --8<-- [end:softmax_ce]
