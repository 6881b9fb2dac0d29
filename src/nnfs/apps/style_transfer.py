"""Neural style transfer (Gatys et al., 2016): optimize the pixels of an image, not the weights.

A frozen, pretrained VGG16 maps an image to feature maps. The content loss compares one deep
feature map (relu4_2) with the content image's; the style loss compares the Gram matrices (which
channels fire together, wherever they are) of relu1_1 ... relu5_1 with the style image's; a
total-variation term keeps neighbouring pixels close. Backpropagating the weighted sum to the
input gives dL/dimage, and Adam on the pixels does the rest.

The network is `nnfs.pretrained.load("vgg16")`: ImageNet VGG16 weights fine-tuned for edge
detection by HED (Xie & Tu, 2015), not the plain ImageNet weights Gatys et al. used.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from nnfs.checks import check_choice, check_int, check_real
from nnfs.core import Parameter
from nnfs.datasets._files import shipped_file
from nnfs.optim import Adam
from nnfs.pretrained.vgg import MEAN_BGR, VGG16

STYLE_LAYERS = ("relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1")
CONTENT_LAYER = "relu4_2"
EXAMPLE_IMAGES = ("chelsea", "ihc")


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
        return float(np.sum(self.diff.astype(np.float64) ** 2)) * self.scale

    def backward(self) -> np.ndarray:
        return self.diff * np.asarray(2 * self.scale, dtype=self.diff.dtype)


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
        return float(np.sum(self.diff.astype(np.float64) ** 2)) * self.scale

    def backward(self) -> np.ndarray:
        scale = np.asarray(2 * self.scale, dtype=self.diff.dtype)
        return gram_backward(self.features, self.diff * scale)


def total_variation(x: np.ndarray) -> tuple[float, np.ndarray]:
    """TV = sum of squared differences between vertical and horizontal neighbours, and dTV/dx.

    Each difference d = x[i+1, j] - x[i, j] adds 2 d to the gradient at x[i+1, j] and -2 d at
    x[i, j] (the same along the width). Shapes: x (N, C, H, W) -> (float, (N, C, H, W)).
    """
    down, right = np.diff(x, axis=2), np.diff(x, axis=3)
    value = float(np.sum(down.astype(np.float64) ** 2) + np.sum(right.astype(np.float64) ** 2))
    grad = np.zeros_like(x)
    grad[:, :, 1:] += 2 * down
    grad[:, :, :-1] -= 2 * down
    grad[:, :, :, 1:] += 2 * right
    grad[:, :, :, :-1] -= 2 * right
    return value, grad


# --8<-- [end:losses]


# --8<-- [start:loss]
@dataclass
class StyleObjective:
    """L(x) = L_content + style_weight * L_style + tv_weight * TV(x) / TV(x_content).

    Built from the content and style images (preprocessed, (1, 3, H, W) and (1, 3, H', W')):
    the targets P (content layer) and A (Gram matrices of the style layers) are computed once.
    `style_weight` and `tv_weight` are relative: every term starts near 1 (TV at the content
    image is 1 by construction).
    """

    vgg: VGG16
    content: np.ndarray
    style: np.ndarray
    style_weight: float = 10.0
    tv_weight: float = 1.0
    content_layer: str = CONTENT_LAYER
    style_layers: Sequence[str] = STYLE_LAYERS

    def __post_init__(self) -> None:
        self.content_loss = ContentLoss(
            self.vgg.extract(self.content, [self.content_layer])[self.content_layer]
        )
        style_features = self.vgg.extract(self.style, self.style_layers)
        self.style_losses = {name: StyleLoss(style_features[name]) for name in self.style_layers}
        self.tv_scale = 1.0 / max(total_variation(self.content)[0], 1e-12)

    def __call__(self, x: np.ndarray) -> tuple[dict[str, float], np.ndarray]:
        """The three losses at x and dL/dx: one VGG forward to relu5_1 and one backward."""
        features = self.vgg.extract(x, [self.content_layer, *self.style_layers])
        losses = {"content": self.content_loss.forward(features[self.content_layer]), "style": 0.0}
        grads = {self.content_layer: self.content_loss.backward()}
        for name, loss in self.style_losses.items():
            losses["style"] += loss.forward(features[name])
            grad = self.style_weight * loss.backward()
            grads[name] = grads[name] + grad if name in grads else grad
        tv, tv_grad = total_variation(x)
        losses["tv"] = tv * self.tv_scale
        losses["total"] = (
            losses["content"] + self.style_weight * losses["style"] + self.tv_weight * losses["tv"]
        )
        tv_scale = np.asarray(self.tv_weight * self.tv_scale, dtype=x.dtype)
        return losses, self.vgg.extract_backward(grads) + tv_scale * tv_grad


# --8<-- [end:loss]


# --8<-- [start:lbfgs]
def lbfgs(
    objective: Callable[[np.ndarray], tuple[float, np.ndarray]],
    x0: np.ndarray,
    *,
    steps: int,
    memory: int = 10,
    first_step: float = 1.0,
) -> tuple[np.ndarray, list[float]]:
    """Minimize f by L-BFGS (Nocedal, 1980) with a backtracking (Armijo) line search.

    The direction is -H g, H the inverse-Hessian estimate built by the two-loop recursion from
    the last `memory` pairs s = x_{k+1} - x_k, y = g_{k+1} - g_k; H_0 = (s^T y / y^T y) I.
    A step t is accepted when f(x + t d) <= f(x) + 1e-4 t g^T d, else t is halved.

    Args:
        objective: x -> (f(x), df/dx), both computed at once.
        x0: the starting point (any shape; flattened inside).
        steps: the number of evaluations of `objective` to spend.
        memory: how many (s, y) pairs to keep.
        first_step: the length (max |step|) of the first step, a plain gradient step.

    Returns:
        The best x found (shape of x0) and f at every evaluation.
    """
    x = x0.astype(x0.dtype, copy=True).reshape(-1)
    f, g = objective(x.reshape(x0.shape))
    g = g.reshape(-1)
    history, pairs = [f], []
    while len(history) < steps:
        # Two-loop recursion: d = -H g.
        q = g.astype(np.float64)
        alphas = []
        for s, y, rho in reversed(pairs):
            alpha = rho * (s @ q)
            q -= alpha * y
            alphas.append(alpha)
        if pairs:
            s, y, _ = pairs[-1]
            q *= (s @ y) / (y @ y)
            t = 1.0
        else:
            t = first_step / max(float(np.abs(q).max()), 1e-12)
        for (s, y, rho), alpha in zip(pairs, reversed(alphas), strict=True):
            q += s * (alpha - rho * (y @ q))
        d = -q
        slope = float(g @ d)
        if slope >= 0:  # not a descent direction (rounding): restart from the gradient
            pairs, d, slope = [], -g.astype(np.float64), -float(g @ g)
            t = first_step / max(float(np.abs(g).max()), 1e-12)
        while len(history) < steps:
            x_new = (x + t * d).astype(x.dtype)
            f_new, g_new = objective(x_new.reshape(x0.shape))
            history.append(f_new)
            if f_new <= f + 1e-4 * t * slope:
                break
            t *= 0.5
        else:
            break
        if f_new > f:
            break
        s, y = (x_new - x).astype(np.float64), (g_new.reshape(-1) - g).astype(np.float64)
        if s @ y > 1e-12:  # keep only pairs with positive curvature
            pairs = [*pairs[-(memory - 1) :], (s, y, 1.0 / (s @ y))]
        x, f, g = x_new, f_new, g_new.reshape(-1)
    return x.reshape(x0.shape), history


# --8<-- [end:lbfgs]


# --8<-- [start:stylize]
@dataclass
class StyleResult:
    """The stylized image, RGB (1, H, W, 3) floats in 0..255, and every step's losses."""

    image: np.ndarray
    history: dict[str, list[float]] = field(default_factory=dict)


def stylize(
    vgg: VGG16,
    content_image: np.ndarray,
    style_image: np.ndarray,
    *,
    style_weight: float = 10.0,
    tv_weight: float = 1.0,
    steps: int = 60,
    optimizer: str = "lbfgs",
    lr: float = 4.0,
) -> StyleResult:
    """Start from the content image and descend on its pixels.

    Args:
        vgg: a frozen VGG16 reaching relu5_1 (`nnfs.pretrained.load("vgg16")`).
        content_image: RGB (1, H, W, 3), uint8 or floats in 0..255.
        style_image: RGB (1, H', W', 3); its size may differ from the content image's.
        style_weight: beta / alpha, the style loss's weight against the content loss's.
        tv_weight: the weight of the total-variation term.
        steps: evaluations of the loss and its gradient (one VGG forward and backward each).
        optimizer: "lbfgs" (as Gatys et al.; unconstrained, the result is clipped to 0..255)
            or "adam" (pixels clipped to 0..255 after every step).
        lr: for "lbfgs" the length of the first step, for "adam" the learning rate; both in
            pixel units (0..255).

    Returns:
        The final image and the history of "content", "style", "tv" and "total", one entry
        per evaluation.
    """
    check_int("stylize", "steps", steps, minimum=1)
    check_real("stylize", "lr", lr, low=0.0, low_open=True)
    check_real("stylize", "style_weight", style_weight, low=0.0)
    check_real("stylize", "tv_weight", tv_weight, low=0.0)
    check_choice("stylize", "optimizer", optimizer, ("lbfgs", "adam"))
    content, style = vgg.preprocess(content_image), vgg.preprocess(style_image)
    objective = StyleObjective(vgg, content, style, style_weight, tv_weight)
    history: dict[str, list[float]] = {"content": [], "style": [], "tv": [], "total": []}

    def evaluate(x: np.ndarray) -> tuple[float, np.ndarray]:
        losses, grad = objective(x)
        for name in history:
            history[name].append(losses[name])
        return losses["total"], grad

    if optimizer == "lbfgs":
        x, _ = lbfgs(evaluate, content, steps=steps, first_step=lr)
    else:
        mean = np.asarray(MEAN_BGR, dtype=content.dtype)[None, :, None, None]
        pixels = Parameter(content.copy())
        adam = Adam([pixels], lr=lr)
        for _ in range(steps):
            _, pixels.grad[...] = evaluate(pixels.data)
            adam.step()
            np.clip(pixels.data, -mean, 255.0 - mean, out=pixels.data)  # a valid image
        x = pixels.data
    return StyleResult(vgg.deprocess(x), history)


# --8<-- [end:stylize]


# --8<-- [start:images]
def load_example_image(name: str, size: int = 192) -> np.ndarray:
    """One of the two pictures shipped for this page, RGB (1, size, size, 3) uint8.

    "chelsea": Chelsea the cat (photograph by Stefan van der Walt, CC0); "ihc": a stained
    section of colonic glands (immunohistochemistry, CMMI, no known copyright restrictions).
    Both come from scikit-image's sample data, resized to 192x192 (src/nnfs/data/README.md).
    `size` must divide 192: each output pixel is the mean of a (192 / size)^2 block.
    """
    if name not in EXAMPLE_IMAGES:
        raise ValueError(f"load_example_image: name expected one of {EXAMPLE_IMAGES}, got {name!r}")
    check_int("load_example_image", "size", size, minimum=1)
    if 192 % size:
        raise ValueError(f"load_example_image: size expected a divisor of 192, got {size}")
    path = shipped_file("load_example_image", "style-images.npz")  # sha256-checked
    with np.load(path, allow_pickle=False) as archive:
        image = archive[name].astype(np.float64)  # (192, 192, 3)
    k = 192 // size
    blocks = image.reshape(size, k, size, k, 3).mean(axis=(1, 3))
    return np.round(blocks).astype(np.uint8)[None]


# --8<-- [end:images]
