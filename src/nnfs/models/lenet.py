"""LeNet-5 (LeCun et al., 1998): two convolution + pooling stages, then three dense layers."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from nnfs.checks import check_choice, check_int, check_real, check_rng
from nnfs.core import Sequential, check_shape
from nnfs.layers.activation import ReLU, Tanh
from nnfs.layers.conv import Conv2D
from nnfs.layers.dense import Dense
from nnfs.layers.pool import MaxPool2D
from nnfs.layers.reshape import Flatten
from nnfs.losses import SoftmaxCrossEntropy
from nnfs.optim import Adam
from nnfs.training import batches, evaluate

_ACTIVATIONS = {"relu": (ReLU, "he"), "tanh": (Tanh, "xavier")}


# --8<-- [start:lenet5]
class LeNet5(Sequential):
    """conv 6@5x5 -> pool 2 -> conv 16@5x5 -> pool 2 -> dense 120 -> dense 84 -> dense 10.

    Shapes: x (N, 1, 32, 32) -> (N, 6, 28, 28) -> (N, 6, 14, 14) -> (N, 16, 10, 10)
    -> (N, 16, 5, 5) -> (N, 400) -> (N, 120) -> (N, 84) -> logits (N, 10).

    Each stage pools *before* its activation. For a nondecreasing f (ReLU, tanh),
    max(f(a), f(b)) = f(max(a, b)), so the output is the same as conv -> f -> pool, but f then
    runs on a quarter of the values.

    Args:
        activation: "relu" (He initialization) or "tanh" (Xavier initialization, as in 1998).
        num_classes: size of the output layer.
        rng: the Generator that draws the initial weights.
        dtype: float64 (gradient checks) or float32 (training speed).
    """

    def __init__(
        self,
        activation: str = "relu",
        *,
        num_classes: int = 10,
        rng: np.random.Generator | None = None,
        dtype: type = np.float64,
    ) -> None:
        act, init = _ACTIVATIONS[check_choice("LeNet5", "activation", activation, _ACTIVATIONS)]
        num_classes = check_int("LeNet5", "num_classes", num_classes)
        rng = check_rng("LeNet5", rng)
        kw = {"init": init, "rng": rng, "dtype": dtype}
        super().__init__(
            Conv2D(1, 6, 5, **kw),  # C1: (N, 6, 28, 28)
            MaxPool2D(2),  # S2: (N, 6, 14, 14)
            act(),
            Conv2D(6, 16, 5, **kw),  # C3: (N, 16, 10, 10)
            MaxPool2D(2),  # S4: (N, 16, 5, 5)
            act(),
            Flatten(),  # (N, 400)
            Dense(400, 120, **kw),  # C5
            act(),
            Dense(120, 84, **kw),  # F6
            act(),
            Dense(84, num_classes, **kw),  # output logits
        )
        self.activation, self.num_classes = activation, num_classes

    def forward(self, x: np.ndarray) -> np.ndarray:
        check_shape("LeNet5", "input", x, (None, 1, 32, 32))
        return super().forward(x)

    # --8<-- [end:lenet5]

    @property
    def conv1(self) -> Conv2D:
        """The first convolution (6 kernels of 1x5x5): the filters the lab plots."""
        return self.layers[0]

    @property
    def conv2(self) -> Conv2D:
        return self.layers[3]

    def feature_maps(self, x: np.ndarray) -> list[np.ndarray]:
        """What each stage computes for x (N, 1, 32, 32), all after the activation f:
        [f(C1) (N, 6, 28, 28), S2 (N, 6, 14, 14), f(C3) (N, 16, 10, 10), S4 (N, 16, 5, 5)].

        Runs the layers' forward passes, so it replaces the caches a following backward would use.
        """
        check_shape("LeNet5", "input", x, (None, 1, 32, 32))
        act = self.layers[2]
        c1 = self.layers[0](x)
        s2 = act(self.layers[1](c1))
        c3 = self.layers[3](s2)
        s4 = act(self.layers[4](c3))
        return [act(c1), s2, act(c3), s4]

    def __repr__(self) -> str:
        return f"LeNet5(activation={self.activation!r}, num_classes={self.num_classes})"


# The recipe below needs the training tools; they import nothing from nnfs.models.


# --8<-- [start:lecun_scale]
def lecun_scale(x: np.ndarray) -> np.ndarray:
    """Map ink values in [0, 1] to LeCun et al.'s (1998) input range: 0 -> -0.1, 1 -> 1.175.

    x' = 1.275 x - 0.1, in x's dtype. The paper chose these levels so that the mean input is
    roughly 0 and the variance roughly 1 (the chapter's lab measures both on MNIST).
    """
    return (x * 1.275 - 0.1).astype(x.dtype, copy=False)


# --8<-- [end:lecun_scale]


# --8<-- [start:train_lenet5]
def train_lenet5(
    X_train: np.ndarray,
    y_train: np.ndarray,
    X_val: np.ndarray,
    y_val: np.ndarray,
    *,
    activation: str = "relu",
    lr: float = 1e-3,
    epochs: int = 5,
    batch_size: int = 32,
    seed: int = 0,
    transform: Callable[[np.ndarray, np.random.Generator], np.ndarray] | None = None,
    dtype: type = np.float32,
) -> tuple[LeNet5, dict[str, Any]]:
    """The chapter's recipe: Adam, a cosine learning-rate decay, the best epoch on validation.

    lr_t = lr (1 + cos(pi t / T)) / 2 over the T steps of all epochs. After each epoch the
    model is scored on (X_val, y_val); the weights of the epoch with the highest validation
    accuracy are the ones returned (early stopping without stopping). The test set is not
    an argument: choosing anything on it would make its accuracy an optimistic estimate.

    Args:
        X_train: training images, (N, 1, 32, 32).
        y_train: their labels, (N,).
        X_val: validation images held out from the training data, for choosing the epoch
            (and, by the caller, every other setting), (M, 1, 32, 32).
        y_val: their labels, (M,).
        activation: "relu" or "tanh", see `LeNet5`.
        lr: Adam's peak learning rate.
        epochs: passes over the training data (the length of the cosine).
        batch_size: images per step.
        seed: draws the initial weights, the batch order and `transform`'s randomness.
        transform: f(batch, rng) -> batch applied to each training batch (augmentation).
        dtype: float32 (speed) or float64.

    Returns:
        The model (in eval mode), and a history: the lists "train_loss", "val_loss",
        "val_accuracy" and "seconds" (elapsed, after each epoch), and "best_epoch" (1-based).
    """
    _check_recipe(X_train, y_train, X_val, y_val, lr, epochs, batch_size)
    rng = np.random.default_rng(seed)
    model = LeNet5(activation, rng=rng, dtype=dtype)
    model.conv1.needs_input_grad = False  # the images need no gradient
    optimizer = Adam(model.parameters(), lr=lr)
    loss_fn = SoftmaxCrossEntropy()
    total_steps, step = epochs * -(-len(X_train) // batch_size), 0
    history: dict[str, Any] = {"train_loss": [], "val_loss": [], "val_accuracy": [], "seconds": []}
    best_accuracy, best_state, start = -1.0, None, time.perf_counter()
    for _ in range(epochs):
        model.train()
        loss_sum = 0.0
        for xb, yb in batches(X_train, y_train, batch_size, rng):
            optimizer.lr = lr * 0.5 * (1.0 + math.cos(math.pi * step / total_steps))
            step += 1
            if transform is not None:
                xb = transform(xb, rng)
            optimizer.zero_grad()
            loss_sum += loss_fn(model(xb), yb) * len(xb)
            model.backward(loss_fn.backward())
            optimizer.step()
        val_loss, val_accuracy = evaluate(model, loss_fn, X_val, y_val, batch_size=256)
        history["train_loss"].append(float(loss_sum) / len(X_train))
        history["val_loss"].append(float(val_loss))
        history["val_accuracy"].append(float(val_accuracy))
        history["seconds"].append(time.perf_counter() - start)
        if val_accuracy > best_accuracy:
            best_accuracy, best_state = val_accuracy, model.state_dict()
            history["best_epoch"] = len(history["val_accuracy"])
    model.load_state_dict(best_state)
    model.eval()
    return model, history


# --8<-- [end:train_lenet5]


def _check_recipe(X_train, y_train, X_val, y_val, lr, epochs, batch_size) -> None:
    name = "train_lenet5"
    for images, labels, part in ((X_train, y_train, "train"), (X_val, y_val, "val")):
        check_shape(name, f"X_{part}", images, (None, 1, 32, 32))
        check_shape(name, f"y_{part}", labels, (len(images),))
        if len(images) == 0:
            raise ValueError(f"{name}: X_{part} expected at least one image, got 0")
    check_real(name, "lr", lr, 0.0, low_open=True)
    check_int(name, "epochs", epochs)
    check_int(name, "batch_size", batch_size)
