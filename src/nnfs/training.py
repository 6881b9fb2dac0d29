"""Training loops: mini-batches, `fit`, the History it returns, accuracy and a confusion matrix."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np

from nnfs.checks import check_array, check_int, check_nonempty
from nnfs.core import Module
from nnfs.losses import Loss
from nnfs.optim import Optimizer

Metric = Callable[[np.ndarray, np.ndarray], float]


# --8<-- [start:batches]
def batches(
    X: np.ndarray,
    y: np.ndarray,
    batch_size: int,
    rng: np.random.Generator | None = None,
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Yield (X_batch, y_batch) pairs covering the data once, shuffled when `rng` is given.

    Args:
        X: inputs, N rows (any trailing shape).
        y: targets, N rows.
        batch_size: B, the rows per batch; the last batch is smaller when B does not divide N.
        rng: a Generator to draw a fresh order from; None keeps the data's order.

    Yields:
        X[idx] (B, ...) and y[idx] (B, ...) for consecutive slices idx of the order.
    """
    if len(X) != len(y):
        raise ValueError(f"batches: X has {len(X)} rows but y has {len(y)}")
    if batch_size < 1:
        raise ValueError(f"batches: batch_size must be a positive integer, got {batch_size}")
    order = rng.permutation(len(X)) if rng is not None else np.arange(len(X))
    for start in range(0, len(X), batch_size):
        idx = order[start : start + batch_size]
        yield X[idx], y[idx]


# --8<-- [end:batches]


# --8<-- [start:accuracy]
def accuracy(scores: np.ndarray, y: np.ndarray) -> float:
    """Fraction of correct predictions.

    Args:
        scores: (N, C) class scores, logits or probabilities (the argmax wins), or (N,)/(N, 1)
            probabilities of class 1 (above 0.5 predicts class 1).
        y: (N,) integer labels, (N, C) one-hot rows, or (N,)/(N, 1) binary targets.

    Returns:
        The fraction of rows whose prediction equals the label, in [0, 1].
    """
    scores, y = np.asarray(scores), np.asarray(y)
    if scores.ndim == 2 and scores.shape[1] > 1:
        pred = scores.argmax(axis=1)
        labels = y.argmax(axis=1) if y.ndim == 2 else y
    else:
        pred = (scores.reshape(-1) > 0.5).astype(int)
        labels = y.reshape(-1).astype(int)
    if pred.shape != labels.shape:
        raise ValueError(
            f"accuracy: {pred.shape[0]} predictions but labels of shape {tuple(y.shape)}"
        )
    return float(np.mean(pred == labels))


def confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray, num_classes: int) -> np.ndarray:
    """Counts C[i, j] of samples of true class i predicted as class j.

    Args:
        y_true: (N,) integer labels in [0, K).
        y_pred: (N,) integer predictions in [0, K).
        num_classes: K.

    Returns:
        (K, K) int64 counts; the diagonal holds the correct predictions.
    """
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if y_true.shape != y_pred.shape or y_true.ndim != 1:
        raise ValueError(
            f"confusion_matrix: y_true and y_pred must both be (N,), got "
            f"{tuple(y_true.shape)} and {tuple(y_pred.shape)}"
        )
    for name, labels in (("y_true", y_true), ("y_pred", y_pred)):
        if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
            raise ValueError(
                f"confusion_matrix: {name} must lie in [0, {num_classes}), "
                f"got range [{labels.min()}, {labels.max()}]"
            )
    matrix = np.zeros((num_classes, num_classes), dtype=np.int64)
    np.add.at(matrix, (y_true, y_pred), 1)
    return matrix


# --8<-- [end:accuracy]


@dataclass
class History:
    """Per-epoch metrics recorded by `fit`: lists keyed by name ("loss", "val_accuracy", ...)."""

    metrics: dict[str, list[float]] = field(default_factory=dict)

    def log(self, **values: float) -> None:
        """Append one value to each named list (creating the list on first use)."""
        for name, value in values.items():
            self.metrics.setdefault(name, []).append(float(value))

    def __getitem__(self, name: str) -> list[float]:
        return self.metrics[name]

    def __contains__(self, name: str) -> bool:
        return name in self.metrics

    def __len__(self) -> int:
        """The number of epochs recorded."""
        return max((len(values) for values in self.metrics.values()), default=0)


def predict(model: Module, X: np.ndarray, batch_size: int = 1024) -> np.ndarray:
    """The model's outputs for X (N, ...), computed in eval mode and in batches.

    Afterwards every submodule is back in its own previous mode: a child that was in eval mode
    (a frozen BatchNorm, say) stays there, even if the model around it was training.
    """
    check_array("predict", "X", X)
    check_nonempty("predict", "X", X)
    batch_size = check_int("predict", "batch_size", batch_size)
    modes = [(module, module.training) for _, module in model.named_modules()]
    model.eval()
    try:
        outputs = [model(X[i : i + batch_size]) for i in range(0, len(X), batch_size)]
    finally:
        for module, mode in modes:
            module.training = mode
    return np.concatenate(outputs)


def evaluate(
    model: Module, loss_fn: Loss, X: np.ndarray, y: np.ndarray, batch_size: int = 1024
) -> tuple[float, float]:
    """Mean loss and accuracy of `model` on (X, y) in eval mode (each submodule's mode is
    restored afterwards, as in `predict`)."""
    check_array("evaluate", "y", y)
    if len(y) != len(X):
        raise ValueError(f"evaluate: X has {len(X)} rows but y has {len(y)}")
    out = predict(model, X, batch_size)
    return loss_fn(out, y), accuracy(out, y)


# --8<-- [start:fit]
def fit(
    model: Module,
    loss_fn: Loss,
    optimizer: Optimizer,
    X: np.ndarray,
    y: np.ndarray,
    *,
    epochs: int = 10,
    batch_size: int = 32,
    rng: np.random.Generator | None = None,
    validation: tuple[np.ndarray, np.ndarray] | None = None,
    metrics: dict[str, Metric] | None = None,
    callbacks: Sequence[Callable[[int, History], object]] = (),
    verbose: bool = False,
) -> History:
    """Train with mini-batch gradient descent; return the per-epoch History.

    Each step: forward, loss, backward from dL/dpred, optimizer step.

    Args:
        model: the module to train (put in training mode).
        loss_fn: a loss with `forward(pred, target)` and `backward()`.
        optimizer: built on `model.parameters()`.
        X: training inputs (N, ...); y: training targets (N, ...).
        epochs: passes over the training data.
        batch_size: rows per step.
        rng: shuffles the rows every epoch; None trains in the data's order.
        validation: (X_val, y_val), measured in eval mode after each epoch.
        metrics: name -> f(pred, target); default {"accuracy": accuracy}; {} for regression.
        callbacks: f(epoch, history) called after each epoch; returning True stops training.
        verbose: print one line per epoch.

    Returns:
        History with "loss" and each metric (means over the epoch's batches, weighted by batch
        size) and, with `validation`, "val_loss" and "val_<metric>".
    """
    metrics = {"accuracy": accuracy} if metrics is None else metrics
    history = History()
    for epoch in range(epochs):
        model.train()
        totals = dict.fromkeys(["loss", *metrics], 0.0)
        for xb, yb in batches(X, y, batch_size, rng):
            optimizer.zero_grad()
            out = model(xb)
            totals["loss"] += loss_fn(out, yb) * len(xb)
            model.backward(loss_fn.backward())
            optimizer.step()
            for name, metric in metrics.items():
                totals[name] += metric(out, yb) * len(xb)
        history.log(**{name: total / len(X) for name, total in totals.items()})
        if validation is not None:
            X_val, y_val = validation
            out = predict(model, X_val)
            history.log(val_loss=loss_fn(out, y_val))
            history.log(**{f"val_{name}": m(out, y_val) for name, m in metrics.items()})
        if verbose:
            shown = ", ".join(f"{k}={v[-1]:.4f}" for k, v in history.metrics.items())
            print(f"epoch {epoch + 1}/{epochs}: {shown}")
        if any([callback(epoch, history) is True for callback in callbacks]):
            break
    return history


# --8<-- [end:fit]
