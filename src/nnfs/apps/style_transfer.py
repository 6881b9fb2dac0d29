"""Neural style transfer (Gatys et al., 2016): optimize the pixels of an image, not the weights.

A frozen CNN maps an image to feature maps. The content loss compares feature maps with those of
the content image; the style loss compares their Gram matrices (which channels fire together,
wherever they are) with those of the style image. Backpropagating the sum of both to the input
gives dL/dimage, and gradient descent on the image does the rest. The feature extractor here has
random weights: many random filters followed by ReLU already capture texture statistics
(He et al., 2016; Ustyuzhaninov et al., 2017), and a 3-channel random CNN needs no download.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from nnfs.core import Module, Parameter
from nnfs.layers.activation import ReLU
from nnfs.layers.conv import Conv2D
from nnfs.layers.pool import MaxPool2D
from nnfs.optim import Adam


# --8<-- [start:gram]
def gram_matrix(features: np.ndarray) -> np.ndarray:
    """G = F F^T / M per image, F the (C, M = H W) matrix of feature maps.

    Shapes: features (N, C, H, W) -> G (N, C, C).
    """
    n, c, h, w = features.shape
    flat = features.reshape(n, c, h * w)
    return flat @ flat.transpose(0, 2, 1) / float(h * w)


def gram_backward(features: np.ndarray, grad_gram: np.ndarray) -> np.ndarray:
    """dL/dF = (dL/dG + dL/dG^T) F / M, the vector-Jacobian product of `gram_matrix`.

    Shapes: features (N, C, H, W), grad_gram (N, C, C) -> (N, C, H, W).
    """
    n, c, h, w = features.shape
    flat = features.reshape(n, c, h * w)
    sym = grad_gram + grad_gram.transpose(0, 2, 1)
    return (sym @ flat / float(h * w)).reshape(features.shape)


# --8<-- [end:gram]


# --8<-- [start:losses]
class ContentLoss:
    """L = ||F - P||^2 / ||P||^2, the relative squared error of the feature maps.

    `target` is P, the content image's feature map at the same layer: (N, C, H, W).
    dL/dF = 2 (F - P) / ||P||^2.
    """

    def __init__(self, target: np.ndarray) -> None:
        self.target = target.copy()
        self.scale = 1.0 / max(float(np.sum(target.astype(np.float64) ** 2)), 1e-12)

    def forward(self, features: np.ndarray) -> float:
        self.diff = features - self.target
        return float(np.sum(self.diff**2)) * self.scale

    def backward(self) -> np.ndarray:
        return self.diff * (2 * self.scale)


class StyleLoss:
    """L = ||G - A||^2 / ||A||^2 over the (N, C, C) Gram entries, A the style image's Gram.

    Dividing by ||A||^2 makes every layer's loss start near 1, whatever its size, so the
    layers weigh the same. dL/dG = 2 (G - A) / ||A||^2; `gram_backward` takes it to F.
    """

    def __init__(self, target_features: np.ndarray) -> None:
        self.target = gram_matrix(target_features)
        self.scale = 1.0 / max(float(np.sum(self.target.astype(np.float64) ** 2)), 1e-12)

    def forward(self, features: np.ndarray) -> float:
        self.features = features
        self.diff = gram_matrix(features) - self.target  # (N, C, C)
        return float(np.sum(self.diff**2)) * self.scale

    def backward(self) -> np.ndarray:
        return gram_backward(self.features, self.diff * (2 * self.scale))


# --8<-- [end:losses]


# --8<-- [start:extractor]
class FeatureExtractor(Module):
    """Runs `layers` on `x - offset` and returns the outputs of the layers listed in `taps`.

    `backward` takes one gradient per tap and walks back from the deepest tap to the input,
    adding each tap's gradient where its layer's output was read: dL/dx of the whole sum.

    Shapes: x (N, C, H, W) -> a tuple with one array per tap (in `taps` order, ascending).
    """

    def __init__(self, layers: Sequence[Module], taps: Sequence[int], offset: float = 0.0) -> None:
        super().__init__()
        self.layers, self.offset = list(layers), offset
        self.taps = sorted(taps)
        if not self.taps or self.taps[0] < 0 or self.taps[-1] >= len(self.layers):
            raise ValueError(
                f"FeatureExtractor: taps must lie in [0, {len(self.layers)}), got {list(taps)}"
            )

    def forward(self, x: np.ndarray) -> tuple[np.ndarray, ...]:
        outputs = []
        x = x - np.asarray(self.offset, dtype=x.dtype)
        for i, layer in enumerate(self.layers[: self.taps[-1] + 1]):  # nothing past the last tap
            x = layer(x)
            if i in self.taps:
                outputs.append(x)
        return tuple(outputs)

    def backward(self, grad_out: Sequence[np.ndarray] | np.ndarray) -> np.ndarray:
        grads = (grad_out,) if isinstance(grad_out, np.ndarray) else tuple(grad_out)
        by_layer = dict(zip(self.taps, grads, strict=True))
        grad = None
        for i in range(self.taps[-1], -1, -1):
            if i in by_layer:
                grad = by_layer[i] if grad is None else grad + by_layer[i]
            grad = self.layers[i].backward(grad)
        return grad


def random_cnn(
    channels: Sequence[int] = (3, 64, 128),
    kernel_sizes: Sequence[int] = (5, 3),
    *,
    rng: np.random.Generator | None = None,
    dtype: type = np.float64,
) -> FeatureExtractor:
    """A frozen random-weight CNN: [conv -> ReLU -> (maxpool2)] per stage, tapped after ReLU.

    Stage s maps channels[s] -> channels[s + 1] with a kernel_sizes[s] kernel ("same"
    padding); every stage but the last ends with a 2x2 max-pool, so the taps see the image
    at scales 1, 1/2, ... Pixels in [0, 1] are centred (offset 0.5) so that the zero-mean
    random filters respond to patterns rather than to overall brightness.
    """
    rng = rng if rng is not None else np.random.default_rng()
    layers: list[Module] = []
    taps = []
    stages = list(zip(channels[:-1], channels[1:], kernel_sizes, strict=True))
    for s, (c_in, c_out, k) in enumerate(stages):
        layers += [Conv2D(c_in, c_out, k, padding=k // 2, rng=rng, dtype=dtype), ReLU()]
        taps.append(len(layers) - 1)
        if s < len(stages) - 1:
            layers.append(MaxPool2D(2))
    return FeatureExtractor(layers, taps, offset=0.5).freeze()


# --8<-- [end:extractor]


# --8<-- [start:stylize]
@dataclass
class StyleResult:
    """The stylized image (1, C, H, W) and the loss of every step: "content", "style", "total"."""

    image: np.ndarray
    history: dict[str, list[float]] = field(default_factory=dict)


def style_transfer_loss(
    extractor: FeatureExtractor,
    image: np.ndarray,
    content_losses: dict[int, ContentLoss],
    style_losses: dict[int, StyleLoss],
    style_weight: float,
) -> tuple[float, float, np.ndarray]:
    """Content loss, style loss and d(content + style_weight * style)/d image.

    `content_losses` and `style_losses` map a tap's position (0, 1, ... in `extractor.taps`)
    to its loss. Shapes: image (N, C, H, W) -> gradient (N, C, H, W).
    """
    feats = extractor(image)
    grads = [np.zeros_like(f) for f in feats]
    content = style = 0.0
    for k, loss in content_losses.items():
        content += loss.forward(feats[k])
        grads[k] += loss.backward()
    for k, loss in style_losses.items():
        style += loss.forward(feats[k])
        grads[k] += style_weight * loss.backward()
    return content, style, extractor.backward(tuple(grads))


def stylize(
    extractor: FeatureExtractor,
    content_image: np.ndarray,
    style_image: np.ndarray,
    *,
    content_taps: Sequence[int] = (0, 1),
    style_taps: Sequence[int] = (0, 1),
    style_weight: float = 3.0,
    steps: int = 300,
    lr: float = 0.02,
) -> StyleResult:
    """Start from the content image and descend on its pixels (Adam), kept in [0, 1].

    Args:
        extractor: a frozen `FeatureExtractor` (its parameters never change here).
        content_image: (1, C, H, W) in [0, 1].
        style_image: (1, C, H', W') in [0, 1]; its size may differ from the content image's.
        content_taps: which of the extractor's taps the content loss reads.
        style_taps: which of the extractor's taps the style loss reads.
        style_weight: beta / alpha, the weight of the style loss against the content loss.
        steps: the number of Adam steps on the pixels.
        lr: Adam's learning rate, in pixel units.

    Returns:
        The final image and the loss history.
    """
    content_feats, style_feats = extractor(content_image), extractor(style_image)
    content_losses = {k: ContentLoss(content_feats[k]) for k in content_taps}
    style_losses = {k: StyleLoss(style_feats[k]) for k in style_taps}
    pixels = Parameter(content_image.copy())
    optimizer = Adam([pixels], lr=lr)
    history: dict[str, list[float]] = {"content": [], "style": [], "total": []}
    for _ in range(steps):
        content, style, grad = style_transfer_loss(
            extractor, pixels.data, content_losses, style_losses, style_weight
        )
        history["content"].append(content)
        history["style"].append(style)
        history["total"].append(content + style_weight * style)
        pixels.grad[...] = grad
        optimizer.step()
        np.clip(pixels.data, 0.0, 1.0, out=pixels.data)  # stay a valid image
    return StyleResult(pixels.data.copy(), history)


# --8<-- [end:stylize]


# --8<-- [start:images]
def make_content_image(size: int = 48, dtype: type = np.float64) -> np.ndarray:
    """Flat shapes on a vertical gradient: a red disc, a blue square, a green triangle.

    Returns (1, 3, size, size) RGB in [0, 1]; no randomness, the same picture every call.
    """
    y, x = np.mgrid[0:size, 0:size] / float(size)  # (H, W) each, in [0, 1)
    image = np.stack([0.85 - 0.25 * y, 0.9 - 0.2 * y, 0.95 - 0.1 * y])  # pale sky to sand
    shapes = [
        ((x - 0.3) ** 2 + (y - 0.3) ** 2 < 0.18**2, (0.85, 0.15, 0.15)),  # disc
        ((x > 0.55) & (x < 0.9) & (y > 0.45) & (y < 0.85), (0.15, 0.25, 0.8)),  # square
        ((y > 0.55) & (y < 0.92) & (np.abs(x - 0.28) < 0.6 * (y - 0.55)), (0.1, 0.6, 0.2)),
    ]
    for inside, color in shapes:
        for channel, value in enumerate(color):
            image[channel][inside] = value
    return image[None].astype(dtype)


def make_style_image(size: int = 48, kind: str = "stripes", dtype: type = np.float64) -> np.ndarray:
    """A texture: wavy diagonal "stripes" (navy and orange) or a "checker" (teal and cream).

    Returns (1, 3, size, size) RGB in [0, 1].
    """
    y, x = np.mgrid[0:size, 0:size].astype(float)
    if kind == "stripes":
        phase = 2 * np.pi * (x + y) / 9.0 + 1.5 * np.sin(2 * np.pi * y / 24.0)
        t = 0.5 + 0.5 * np.sin(phase)  # 0 = navy, 1 = orange, smooth between
        dark, light = np.array([0.1, 0.1, 0.35]), np.array([0.95, 0.6, 0.1])
    elif kind == "checker":
        t = ((x // 6 + y // 6) % 2).astype(float)
        dark, light = np.array([0.05, 0.45, 0.5]), np.array([0.95, 0.9, 0.75])
    else:
        raise ValueError(f"make_style_image: kind must be 'stripes' or 'checker', got {kind!r}")
    image = dark[:, None, None] * (1 - t) + light[:, None, None] * t
    return image[None].astype(dtype)


# --8<-- [end:images]
