"""U-Net (Ronneberger et al., 2015): an encoder-decoder for per-pixel classification.

The encoder halves the resolution and doubles the channels `depth` times, so deep features see
a wide context; the decoder upsamples back and, at each resolution, concatenates the encoder's
feature map of that resolution (the skip connection), so fine detail lost by pooling comes back.
Ours uses padded 3x3 convolutions (output size = input size, unlike the paper's unpadded ones)
and nearest-neighbour upsampling followed by convolutions instead of transposed convolutions.
"""

from __future__ import annotations

import numpy as np

from nnfs.checks import check_float_dtype, check_int, check_labels, check_rng, require_forward
from nnfs.core import Module, Sequential, check_shape
from nnfs.layers.activation import ReLU
from nnfs.layers.conv import Conv2D
from nnfs.layers.pool import MaxPool2D
from nnfs.layers.upsample import Concat, Upsample2D


def conv_block(
    in_channels: int, out_channels: int, rng: np.random.Generator, dtype: type
) -> Sequential:
    """Two padded 3x3 convolutions, each followed by ReLU: (N, C_in, H, W) -> (N, C_out, H, W)."""
    return Sequential(
        Conv2D(in_channels, out_channels, 3, padding=1, rng=rng, dtype=dtype),
        ReLU(),
        Conv2D(out_channels, out_channels, 3, padding=1, rng=rng, dtype=dtype),
        ReLU(),
    )


# --8<-- [start:unet]
class UNet(Module):
    """Encoder-decoder with skip connections; returns per-pixel class scores (logits).

    Args:
        in_channels: C, channels of the input images.
        num_classes: K, classes per pixel (the output channels).
        base_channels: width of the first level; level i has base_channels * 2^i channels.
        depth: how many times the encoder halves the resolution (H and W must be divisible by
            2^depth).
        rng: the Generator that draws the initial weights.
        dtype: float64 (the default, for gradient checks) or float32 (for speed).

    Shapes: x (N, C, H, W) -> logits (N, K, H, W).
    """

    def __init__(
        self,
        in_channels: int,
        num_classes: int,
        base_channels: int = 8,
        depth: int = 2,
        *,
        rng: np.random.Generator | None = None,
        dtype: type = np.float64,
    ) -> None:
        super().__init__()
        self.in_channels = check_int("UNet", "in_channels", in_channels)
        self.num_classes = check_int("UNet", "num_classes", num_classes)
        self.base_channels = check_int("UNet", "base_channels", base_channels)
        self.depth = check_int("UNet", "depth", depth)
        rng, dtype = check_rng("UNet", rng), check_float_dtype("UNet", dtype)
        widths = [base_channels * 2**i for i in range(depth + 1)]  # level 0 .. depth
        self.widths = widths
        self.encoder = [
            conv_block(in_channels if i == 0 else widths[i - 1], widths[i], rng, dtype)
            for i in range(depth)
        ]
        self.pools = [MaxPool2D(2) for _ in range(depth)]
        self.bottleneck = conv_block(widths[depth - 1], widths[depth], rng, dtype)
        # The decoder runs from the deepest level up: level i takes the upsampled level i + 1
        # (widths[i + 1] channels) next to the skip of level i (widths[i] channels).
        levels = list(reversed(range(depth)))
        self.upsamples = [Upsample2D(2) for _ in levels]
        self.concats = [Concat(axis=1) for _ in levels]
        self.decoder = [
            conv_block(widths[i + 1] + widths[i], widths[i], rng, dtype) for i in levels
        ]
        self.head = Conv2D(widths[0], num_classes, 1, init="xavier", rng=rng, dtype=dtype)

    def forward(self, x: np.ndarray) -> np.ndarray:
        factor = 2**self.depth
        check_shape("UNet", "input", x, (None, self.in_channels, None, None))
        if x.shape[2] % factor or x.shape[3] % factor:
            raise ValueError(
                f"UNet: input expected shape (N, {self.in_channels}, H, W) with H and W "
                f"divisible by {factor}, got {tuple(x.shape)}"
            )
        skips = []
        for block, pool in zip(self.encoder, self.pools, strict=True):
            x = block(x)  # (N, widths[i], H / 2^i, W / 2^i)
            skips.append(x)
            x = pool(x)
        x = self.bottleneck(x)  # (N, widths[depth], H / 2^depth, W / 2^depth)
        for upsample, concat, block, skip in zip(
            self.upsamples, self.concats, self.decoder, reversed(skips), strict=True
        ):
            x = block(concat(upsample(x), skip))  # (N, widths[i], H / 2^i, W / 2^i)
        out = self.head(x)  # (N, K, H, W)
        self.out_shape = out.shape
        return out

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        require_forward(self, "out_shape")
        check_shape("UNet", "grad_out", grad_out, self.out_shape)
        grad = self.head.backward(grad_out)
        grad_skips = []  # from the shallowest level down, the reverse of the decoder order
        for upsample, concat, block in zip(
            reversed(self.upsamples), reversed(self.concats), reversed(self.decoder), strict=True
        ):
            grad_up, grad_skip = concat.backward(block.backward(grad))
            grad_skips.append(grad_skip)
            grad = upsample.backward(grad_up)
        grad = self.bottleneck.backward(grad)
        for block, pool, grad_skip in zip(
            reversed(self.encoder), reversed(self.pools), reversed(grad_skips), strict=True
        ):
            # The encoder output fed both the pool and the skip: its gradient is the sum.
            grad = block.backward(pool.backward(grad) + grad_skip)
        return grad


# --8<-- [end:unet]


def _check_labels(pred, target, num_classes: int) -> tuple[np.ndarray, np.ndarray]:
    """mean_iou's input checks: integer labels in [0, K), the same non-empty shape."""
    num_classes = check_int("mean_iou", "num_classes", num_classes)
    pred = check_labels("mean_iou", "pred", pred, num_classes)
    target = check_labels("mean_iou", "target", target, num_classes)
    if pred.shape != target.shape or pred.size == 0:
        raise ValueError(
            f"mean_iou: pred and target expected the same non-empty shape, got "
            f"{pred.shape} and {target.shape}"
        )
    return pred, target


# --8<-- [start:iou]
def mean_iou(pred: np.ndarray, target: np.ndarray, num_classes: int) -> float:
    """Mean over classes of |pred = k and target = k| / |pred = k or target = k|.

    Args:
        pred: predicted integer labels, e.g. (N, H, W).
        target: true integer labels, the same shape.
        num_classes: K; a class absent from both pred and target is left out of the mean.
    """
    pred, target = _check_labels(pred, target, num_classes)
    ious = []
    for k in range(num_classes):
        union = np.sum((pred == k) | (target == k))
        if union:
            ious.append(np.sum((pred == k) & (target == k)) / union)
    return float(np.mean(ious))


# --8<-- [end:iou]
