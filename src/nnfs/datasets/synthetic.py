"""Synthetic data sets: small problems generated from a seed.

Every generator takes a `numpy.random.Generator` (or a seed) so the same call gives the same
data bit for bit: lines and spirals for the first chapters, XOR, segmentation shapes, a tiny
sentence grammar and a long-range memory task.
"""

from __future__ import annotations

import numpy as np


def _rng(seed: int | np.random.Generator | None) -> np.random.Generator:
    """A Generator passed through, or a new one seeded with `seed` (an int or None)."""
    return seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)


def make_linear(
    n: int = 200,
    weights: np.ndarray | None = None,
    bias: float = 0.5,
    noise: float = 0.1,
    seed: int | np.random.Generator | None = 0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """y = X w + b + noise, X ~ N(0, 1). Returns X (n, D), y (n, 1), the true w (D,) and b."""
    rng = _rng(seed)
    w = np.array([2.0, -3.0]) if weights is None else np.asarray(weights, dtype=float)
    X = rng.standard_normal((n, w.size))
    y = X @ w + bias + noise * rng.standard_normal(n)
    return X, y[:, None], w, bias


def make_xor() -> tuple[np.ndarray, np.ndarray]:
    """The four XOR points: X (4, 2) in {0, 1}^2 and y (4, 1) = x1 xor x2."""
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
    y = np.array([[0], [1], [1], [0]], dtype=float)
    return X, y


def make_spiral(
    n_per_class: int = 100,
    n_classes: int = 3,
    noise: float = 0.2,
    seed: int | np.random.Generator | None = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Interleaved spiral arms, one per class: X (n_per_class * K, 2), integer labels y (N,)."""
    rng = _rng(seed)
    X, y = [], []
    for k in range(n_classes):
        r = np.linspace(0.0, 1.0, n_per_class)
        theta = np.linspace(k * 4.0, (k + 1) * 4.0, n_per_class) + noise * rng.standard_normal(
            n_per_class
        )
        X.append(np.column_stack([r * np.sin(theta), r * np.cos(theta)]))
        y.append(np.full(n_per_class, k))
    return np.concatenate(X), np.concatenate(y)


# --8<-- [start:shapes_segmentation]
SHAPE_CLASSES = ("background", "disk", "square")


def make_shapes_segmentation(
    n: int = 500,
    size: int = 32,
    noise: float = 0.3,
    max_shapes: int = 3,
    seed: int | np.random.Generator | None = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Grey images of disks and squares on noisy, unevenly lit backgrounds, with pixel labels.

    Each image holds 1 to `max_shapes` shapes (a later shape covers an earlier one), each a
    disk or an axis-aligned square of random size, position and brightness. The background
    has a random brightness ramp, and Gaussian noise of std `noise` covers everything, so a
    single pixel's value does not tell its class: the shape around it does.

    Returns:
        X: (n, 1, size, size) float64 images.
        Y: (n, size, size) int64 labels, y = k is `SHAPE_CLASSES[k]` (0 background, 1 disk,
        2 square).
    """
    rng = _rng(seed)
    rows, cols = np.mgrid[0:size, 0:size] + 0.5  # pixel centres
    X = np.empty((n, 1, size, size))
    Y = np.zeros((n, size, size), dtype=np.int64)
    for i in range(n):
        # Background: a level in [0, 0.3] plus a ramp of up to 0.3 in a random direction.
        angle = rng.uniform(0, 2 * np.pi)
        ramp = (np.cos(angle) * rows + np.sin(angle) * cols) / size
        background = rng.uniform(0, 0.3) + rng.uniform(0, 0.3) * ramp
        image = background
        for _ in range(rng.integers(1, max_shapes + 1)):
            kind = rng.integers(1, len(SHAPE_CLASSES))
            radius = rng.uniform(size / 10, size / 5)  # half the side for squares
            cy, cx = rng.uniform(radius, size - radius, size=2)
            if SHAPE_CLASSES[kind] == "disk":
                inside = (rows - cy) ** 2 + (cols - cx) ** 2 <= radius**2
            else:
                inside = (np.abs(rows - cy) <= radius) & (np.abs(cols - cx) <= radius)
            image = np.where(inside, background + rng.uniform(0.5, 1.0), image)
            Y[i][inside] = kind
        X[i, 0] = image + noise * rng.standard_normal((size, size))
    return X, Y


# --8<-- [end:shapes_segmentation]


# --8<-- [start:sentences]
_SUBJECTS = (
    "the cat", "the old dog", "a small bird", "my friend", "the teacher", "a robot",
    "the farmer", "her brother", "a little girl", "a tired fox",
)  # fmt: skip
_VERBS = ("sees", "likes", "finds", "paints", "carries", "follows", "watches", "builds")
_OBJECTS = (
    "a red ball", "the green door", "an old boat", "the tall tree", "a paper kite",
    "the blue house", "some bread", "the river", "a yellow hat", "the moon",
)  # fmt: skip
_PLACES = ("", "", " in the park", " by the sea", " at night", " every morning", " near the hill")


def make_sentences(n: int = 400, seed: int | np.random.Generator | None = 0) -> str:
    """A text of `n` short sentences from a tiny grammar, for character-level language models.

    Each sentence is "subject verb object [place]." with every part drawn uniformly from a
    fixed list, separated by single spaces: 25 distinct characters (22 lower-case letters,
    space and full stop). The grammar and word lists were written for this package, so the
    text carries no third-party licence.
    """
    rng = _rng(seed)
    sentences = [
        f"{rng.choice(_SUBJECTS)} {rng.choice(_VERBS)} {rng.choice(_OBJECTS)}{rng.choice(_PLACES)}."
        for _ in range(n)
    ]
    return " ".join(sentences)


# --8<-- [end:sentences]


# --8<-- [start:delayed_sign]
def make_delayed_sign(
    n: int = 1000,
    max_delay: int = 40,
    skew: float = 1.0,
    seed: int | np.random.Generator | None = 0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A long-range memory task: remember the sign of the marked number.

    Each sequence has T = max_delay + 1 steps with two features: a number u_t ~ U(-1, 1) at
    every step and a marker that is 1 at exactly one step, `delay` steps before the end.
    The label is 1 if the marked number is positive, else 0; a model reading the last step
    must carry it across `delay` later numbers. Delays are floor((max_delay + 1) * v**skew)
    with v ~ U(0, 1): uniform for skew = 1, more short delays for skew > 1.

    Returns:
        X: (n, T, 2) float64 sequences, y: (n,) int labels, delay: (n,) int delays.
    """
    rng = _rng(seed)
    T = max_delay + 1
    X = np.zeros((n, T, 2))
    X[:, :, 0] = rng.uniform(-1.0, 1.0, size=(n, T))
    delay = np.minimum(np.floor(T * rng.random(n) ** skew), max_delay).astype(np.int64)
    rows, marked = np.arange(n), T - 1 - delay
    X[rows, marked, 1] = 1.0
    y = (X[rows, marked, 0] > 0).astype(np.int64)
    return X, y, delay


# --8<-- [end:delayed_sign]
