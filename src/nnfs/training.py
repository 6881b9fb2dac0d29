"""Training loops: mini-batches, `fit`, the History it returns, and accuracy."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np

from nnfs.core import Module
from nnfs.losses import Loss
from nnfs.optim import Optimizer


# --8<-- [start:batches]
def batches(
    X: np.ndarray,
    y: np.ndarray,
    batch_size: int,
    rng: np.random.Generator | None = None,
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Yield (X_batch, y_batch) pairs covering the data once, shuffled when `rng` is given.

    The last batch is smaller when N is not a multiple of `batch_size`.
    """
    if len(X) != len(y):
        raise ValueError(f"batches: X has {len(X)} rows but y has {len(y)}")
    order = rng.permutation(len(X)) if rng is not None else np.arange(len(X))
    for start in range(0, len(X), batch_size):
        idx = order[start : start + batch_size]
        yield X[idx], y[idx]


# --8<-- [end:batches]


def accuracy(scores: np.ndarray, y: np.ndarray) -> float:
    """Fraction of correct predictions.

    `scores`: (N, C) class scores (argmax wins) or (N,)/(N, 1) probabilities (> 0.5 is class 1).
    `y`: (N,) labels, (N, C) one-hot or (N, 1) binary targets.
    """
    scores, y = np.asarray(scores), np.asarray(y)
    if scores.ndim == 2 and scores.shape[1] > 1:
        pred = scores.argmax(axis=1)
        labels = y.argmax(axis=1) if y.ndim == 2 else y
    else:
        pred = (scores.reshape(-1) > 0.5).astype(int)
        labels = y.reshape(-1).astype(int)
    return float(np.mean(pred == labels))


def confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray, num_classes: int) -> np.ndarray:
    """Counts C[i, j] of samples of true class i predicted as class j, shape (K, K)."""
    matrix = np.zeros((num_classes, num_classes), dtype=np.int64)
    np.add.at(matrix, (np.asarray(y_true), np.asarray(y_pred)), 1)
    return matrix


@dataclass
class History:
    """Per-epoch metrics recorded by `fit`: lists keyed by name ("loss", "val_accuracy", ...)."""

    metrics: dict[str, list[float]] = field(default_factory=dict)

    def log(self, **values: float) -> None:
        for name, value in values.items():
            self.metrics.setdefault(name, []).append(float(value))

    def __getitem__(self, name: str) -> list[float]:
        return self.metrics[name]

    def __contains__(self, name: str) -> bool:
        return name in self.metrics


def evaluate(
    model: Module, loss_fn: Loss, X: np.ndarray, y: np.ndarray, batch_size: int = 1024
) -> tuple[float, float]:
    """Mean loss and accuracy of `model` in eval mode (restores the previous mode)."""
    was_training = model.training
    model.eval()
    total, outputs = 0.0, []
    for xb, yb in batches(X, y, batch_size):
        out = model(xb)
        total += loss_fn(out, yb) * len(xb)
        outputs.append(out)
    model.train(was_training)
    return total / len(X), accuracy(np.concatenate(outputs), y)


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
    verbose: bool = False,
) -> History:
    """Train with mini-batch gradient descent; return the per-epoch History.

    Each step: forward, loss, backward from dL/dpred, optimizer step. History holds "loss" and
    "accuracy" (averaged over the epoch's batches) and, with `validation=(X_val, y_val)`,
    "val_loss" and "val_accuracy" measured in eval mode after each epoch.
    """
    history = History()
    for epoch in range(epochs):
        model.train()
        total_loss, total_correct = 0.0, 0.0
        for xb, yb in batches(X, y, batch_size, rng):
            optimizer.zero_grad()
            out = model(xb)
            loss = loss_fn(out, yb)
            model.backward(loss_fn.backward())
            optimizer.step()
            total_loss += loss * len(xb)
            total_correct += accuracy(out, yb) * len(xb)
        history.log(loss=total_loss / len(X), accuracy=total_correct / len(X))
        if validation is not None:
            val_loss, val_acc = evaluate(model, loss_fn, *validation)
            history.log(val_loss=val_loss, val_accuracy=val_acc)
        if verbose:
            shown = ", ".join(f"{k}={v[-1]:.4f}" for k, v in history.metrics.items())
            print(f"epoch {epoch + 1}/{epochs}: {shown}")
    return history


# --8<-- [end:fit]
