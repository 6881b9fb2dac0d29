"""A small CNN for 8x8 digits, split into a reusable feature extractor and a linear head."""

from __future__ import annotations

import numpy as np

from nnfs.core import Module, Sequential
from nnfs.layers.activation import ReLU
from nnfs.layers.conv import Conv2D
from nnfs.layers.dense import Dense
from nnfs.layers.pool import MaxPool2D
from nnfs.layers.reshape import Flatten


# --8<-- [start:small_cnn]
class SmallCNN(Module):
    """conv3x3-ReLU-pool2, conv3x3-ReLU-pool2, dense-ReLU (the features), then a dense head.

    The split into `features` and `head` is what transfer learning needs: `features` is the
    backbone a new task reuses, `head` is the task-specific classifier it replaces.

    Args:
        num_classes: K, outputs of the head.
        in_channels: C of the input images.
        image_size: H = W of the input; a multiple of 4 (two 2x2 poolings).
        channels: output channels of the two convolutions.
        hidden: F, the size of the feature vector the head reads.
        rng: the Generator that draws every initial weight.
        dtype: float64 (gradient checks) or float32 (speed).

    Shapes: x (N, C, H, W) -> features (N, F) -> logits (N, K).
    """

    def __init__(
        self,
        num_classes: int = 10,
        *,
        in_channels: int = 1,
        image_size: int = 8,
        channels: tuple[int, int] = (16, 32),
        hidden: int = 64,
        rng: np.random.Generator | None = None,
        dtype: type = np.float64,
    ) -> None:
        super().__init__()
        if image_size % 4:
            raise ValueError(f"SmallCNN: image_size must be a multiple of 4, got {image_size}")
        rng = rng if rng is not None else np.random.default_rng()
        c1, c2 = channels
        flat = c2 * (image_size // 4) ** 2
        self.features = Sequential(
            Conv2D(in_channels, c1, 3, padding=1, rng=rng, dtype=dtype),
            ReLU(),
            MaxPool2D(2),
            Conv2D(c1, c2, 3, padding=1, rng=rng, dtype=dtype),
            ReLU(),
            MaxPool2D(2),
            Flatten(),
            Dense(flat, hidden, rng=rng, dtype=dtype),
            ReLU(),
        )
        self.head = Dense(hidden, num_classes, init="xavier", rng=rng, dtype=dtype)
        self.num_features = hidden

    def forward(self, x: np.ndarray) -> np.ndarray:
        return self.head(self.features(x))

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        return self.features.backward(self.head.backward(grad_out))


# --8<-- [end:small_cnn]
