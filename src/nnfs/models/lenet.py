"""LeNet-5 (LeCun et al., 1998): two convolution + pooling stages, then three dense layers."""

from __future__ import annotations

import numpy as np

from nnfs.checks import check_choice, check_int, check_rng
from nnfs.core import Sequential, check_shape
from nnfs.layers.activation import ReLU, Tanh
from nnfs.layers.conv import Conv2D
from nnfs.layers.dense import Dense
from nnfs.layers.pool import MaxPool2D
from nnfs.layers.reshape import Flatten

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
