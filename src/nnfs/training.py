"""Training loops: mini-batches, `fit`, the History it returns, callbacks such as early stopping,
accuracy and a confusion matrix."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from nnfs.checks import check_array, check_choice, check_int, check_nonempty, check_real
from nnfs.core import Module
from nnfs.losses import Loss
from nnfs.optim import Optimizer

Metric = Callable[[np.ndarray, np.ndarray], float]
# transform(X_batch, y_batch, rng) -> (X_batch, y_batch), applied to training batches only
BatchTransform = Callable[[np.ndarray, np.ndarray, np.random.Generator], tuple[Any, Any]]


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
    callbacks: Sequence[Callback | Callable[[int, History], object]] = (),
    scheduler: Scheduler | None = None,
    transform: BatchTransform | None = None,
    verbose: bool = False,
) -> History:
    """Train with mini-batch gradient descent; return the per-epoch History.

    Each step: (transform the batch), forward, loss, backward from dL/dpred, optimizer step.
    After each epoch: step the scheduler, measure the validation set, call the callbacks.

    Args:
        model: the module to train; `fit` calls `model.train()` once before the first epoch,
            so an `on_train_begin` callback can put parts of it back in eval mode (a
            BatchNorm whose running statistics should stay fixed, say).
        loss_fn: a loss with `forward(pred, target)` and `backward()`.
        optimizer: built on `model.parameters()`.
        X: training inputs (N, ...); y: training targets (N, ...).
        epochs: passes over the training data.
        batch_size: rows per step.
        rng: shuffles the rows every epoch; None trains in the data's order.
        validation: (X_val, y_val), measured in eval mode after each epoch; never trained on.
        metrics: name -> f(pred, target); default {"accuracy": accuracy}; {} for regression.
        callbacks: objects with `on_epoch_end(epoch, history, model)` (and optionally
            `on_train_begin(model)`, `on_train_end(history, model)`), such as `EarlyStopping`,
            or plain functions `f(epoch, history)`. A true return value from either stops
            training after this epoch; every callback still sees it.
        scheduler: a learning-rate scheduler with `step()` (e.g. `nnfs.optim.StepLR`), stepped
            once at the end of every epoch, as `torch.optim.lr_scheduler` expects.
        transform: `f(X_batch, y_batch, rng) -> (X_batch, y_batch)`, applied to each training
            batch (never to the validation set), e.g. `nnfs.augment.image_transform(...)`. It
            draws from `rng.spawn(1)[0]`, a child of `rng`: the same seed gives the same
            augmentations, and adding a transform leaves the shuffling order unchanged.
        verbose: print one line per epoch.

    Returns:
        History with "loss" and each metric (means over the epoch's batches, weighted by batch
        size), "lr" (the optimizer's learning rate during the epoch) and, with `validation`,
        "val_loss" and "val_<metric>".
    """
    metrics = {"accuracy": accuracy} if metrics is None else metrics
    epochs = check_int("fit", "epochs", epochs, minimum=0)
    _check_fit_arguments(X, y, validation, scheduler, transform, rng)
    transform_rng = rng.spawn(1)[0] if transform is not None else None
    history = History()
    model.train()  # once: predict restores every submodule's own mode after validation
    _run_hooks(callbacks, "on_train_begin", model)
    for epoch in range(epochs):
        totals, seen = dict.fromkeys(["loss", *metrics], 0.0), 0
        lr = optimizer.lr
        for xb, yb in batches(X, y, batch_size, rng):
            if transform is not None:
                xb, yb = transform(xb, yb, transform_rng)
            optimizer.zero_grad()
            out = model(xb)
            totals["loss"] += loss_fn(out, yb) * len(xb)
            model.backward(loss_fn.backward())
            optimizer.step()
            for name, metric in metrics.items():
                totals[name] += metric(out, yb) * len(xb)
            seen += len(xb)
        history.log(**{name: total / seen for name, total in totals.items()}, lr=lr)
        if scheduler is not None:
            scheduler.step()
        if validation is not None:
            X_val, y_val = validation
            out = predict(model, X_val)
            history.log(val_loss=loss_fn(out, y_val))
            history.log(**{f"val_{name}": m(out, y_val) for name, m in metrics.items()})
        if verbose:
            shown = ", ".join(f"{k}={v[-1]:.4g}" for k, v in history.metrics.items())
            print(f"epoch {epoch + 1}/{epochs}: {shown}")
        if _stop_requested(callbacks, epoch, history, model):
            break
    _run_hooks(callbacks, "on_train_end", history, model)
    return history


# --8<-- [end:fit]


def _check_fit_arguments(
    X: np.ndarray,
    y: np.ndarray,
    validation: tuple[np.ndarray, np.ndarray] | None,
    scheduler: object,
    transform: object,
    rng: np.random.Generator | None,
) -> None:
    """Refuse, before the first step, what would otherwise fail after an epoch of work."""
    if len(X) != len(y):
        raise ValueError(f"fit: X has {len(X)} rows but y has {len(y)}")
    if len(X) == 0:
        raise ValueError("fit: X expected at least one sample, got 0 rows")
    if validation is not None:
        if not isinstance(validation, (tuple, list)) or len(validation) != 2:
            raise TypeError(f"fit: validation expected a pair (X_val, y_val), got {validation!r}")
        if len(validation[0]) != len(validation[1]):
            raise ValueError(
                f"fit: validation X has {len(validation[0])} rows but y has {len(validation[1])}"
            )
    if scheduler is not None and not callable(getattr(scheduler, "step", None)):
        raise TypeError(
            f"fit: scheduler expected an object with a step() method, got {scheduler!r}"
        )
    if transform is not None:
        if not callable(transform):
            raise TypeError(f"fit: transform expected a function, got {transform!r}")
        if not isinstance(rng, np.random.Generator):
            raise ValueError(
                "fit: a transform draws random numbers, so it needs rng= a "
                "numpy.random.Generator (e.g. np.random.default_rng(0)), got None"
            )


# --8<-- [start:callbacks]
class Scheduler(Protocol):
    """What `fit` needs from a learning-rate scheduler: `step()`, once per epoch."""

    def step(self) -> None: ...


class Callback:
    """Base class for `fit` callbacks; override the hooks you need (each does nothing here).

    `fit` calls `on_train_begin(model)` once, `on_epoch_end(epoch, history, model)` after every
    epoch (epoch counts from 0; the history already holds that epoch's numbers), and
    `on_train_end(history, model)` once, also after an early stop.
    """

    def on_train_begin(self, model: Module) -> None:
        """Called before the first epoch."""

    def on_epoch_end(self, epoch: int, history: History, model: Module) -> bool:
        """Called after every epoch; return True to stop training."""
        return False

    def on_train_end(self, history: History, model: Module) -> None:
        """Called once when training ends, whether it ran all epochs or stopped early."""


def _run_hooks(callbacks: Sequence[object], hook: str, *args: object) -> None:
    for callback in callbacks:
        if hasattr(callback, hook):
            getattr(callback, hook)(*args)


def _stop_requested(
    callbacks: Sequence[object], epoch: int, history: History, model: Module
) -> bool:
    stop = False
    for callback in callbacks:  # all of them, even after one has asked to stop
        if hasattr(callback, "on_epoch_end"):
            result = callback.on_epoch_end(epoch, history, model)
        else:
            result = callback(epoch, history)  # a plain function
        stop = stop or bool(result)
    return stop


# --8<-- [end:callbacks]


# --8<-- [start:early_stopping]
class EarlyStopping(Callback):
    """Stop when a monitored number has not improved for `patience` epochs; restore the best.

    An epoch improves on the best value b so far when it beats it by more than `min_delta`:
    value < b - min_delta (mode "min") or value > b + min_delta (mode "max"). After `patience`
    epochs in a row without improvement training stops. With `restore_best`, the model gets back
    the parameters *and buffers* (BatchNorm's running statistics) of the best epoch, through
    `state_dict()` / `load_state_dict()`, when training ends, whether it stopped early or ran out
    of epochs (so the model `fit` returns is always the best one seen). The optimizer's state is
    not restored.

    Args:
        monitor: the History name to watch, e.g. "val_loss" (needs `validation=` in `fit`).
        patience: how many epochs in a row without improvement stop training (1: the first).
        min_delta: the smallest change that counts as an improvement (>= 0).
        mode: "min" (losses), "max" (accuracies), or "auto": "max" when the name ends in
            "accuracy", "min" otherwise.
        restore_best: load the best epoch's state into the model when training ends.

    Attributes:
        best: the best value seen; best_epoch: its epoch (0-based, an index into the History);
        stopped_epoch: the epoch after which training stopped, or None if it ran to the end.
    """

    def __init__(
        self,
        monitor: str = "val_loss",
        patience: int = 5,
        min_delta: float = 0.0,
        mode: str = "auto",
        restore_best: bool = True,
    ) -> None:
        if not isinstance(monitor, str):
            raise TypeError(f"EarlyStopping: monitor expected a History name, got {monitor!r}")
        self.monitor = monitor
        self.patience = check_int("EarlyStopping", "patience", patience, minimum=1)
        self.min_delta = check_real("EarlyStopping", "min_delta", min_delta, low=0.0)
        mode = check_choice("EarlyStopping", "mode", mode, ("auto", "min", "max"))
        if mode == "auto":
            mode = "max" if monitor.endswith("accuracy") else "min"
        self.mode, self.restore_best = mode, bool(restore_best)
        self.on_train_begin(None)

    def on_train_begin(self, model: Module | None) -> None:
        self.best, self.best_epoch, self.best_state = None, None, None
        self.wait, self.stopped_epoch = 0, None

    def improves(self, value: float) -> bool:
        """Does `value` beat the best so far by more than min_delta? (NaN never does.)"""
        if self.best is None:
            return not np.isnan(value)
        if self.mode == "min":
            return value < self.best - self.min_delta
        return value > self.best + self.min_delta

    def on_epoch_end(self, epoch: int, history: History, model: Module) -> bool:
        if self.monitor not in history:
            raise ValueError(
                f"EarlyStopping: monitor {self.monitor!r} is not in the history (it has "
                f"{sorted(history.metrics)}); pass validation=(X_val, y_val) to fit"
            )
        value = history[self.monitor][-1]
        if self.improves(value):
            self.best, self.best_epoch, self.wait = value, epoch, 0
            if self.restore_best:
                self.best_state = model.state_dict()  # copies of parameters and buffers
            return False
        self.wait += 1
        if self.wait >= self.patience:
            self.stopped_epoch = epoch
            return True
        return False

    def on_train_end(self, history: History, model: Module) -> None:
        if self.restore_best and self.best_state is not None:
            model.load_state_dict(self.best_state)


# --8<-- [end:early_stopping]
