"""Data sets: small synthetic problems generated from a seed, and real data shipped in the package.

Every generator takes a `numpy.random.Generator` (or a seed) so the same call gives the same
data bit for bit. Real data sets live in `nnfs/data/` with their source and licence in
`nnfs/data/README.md`.
"""

from __future__ import annotations

import numpy as np


def _rng(seed: int | np.random.Generator | None) -> np.random.Generator:
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


def train_test_split(
    X: np.ndarray,
    y: np.ndarray,
    test_fraction: float = 0.25,
    seed: int | np.random.Generator | None = 0,
    stratify: bool = True,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Shuffle and split into X_train, X_test, y_train, y_test.

    With `stratify` and integer labels, each class keeps its proportion in both parts.
    """
    rng = _rng(seed)
    if stratify and y.ndim == 1 and np.issubdtype(y.dtype, np.integer):
        test_idx = []
        for label in np.unique(y):
            idx = rng.permutation(np.flatnonzero(y == label))
            test_idx.extend(idx[: round(len(idx) * test_fraction)])
        test_mask = np.zeros(len(y), dtype=bool)
        test_mask[test_idx] = True
        train_idx = rng.permutation(np.flatnonzero(~test_mask))
        test_idx = rng.permutation(np.flatnonzero(test_mask))
    else:
        order = rng.permutation(len(X))
        n_test = round(len(X) * test_fraction)
        test_idx, train_idx = order[:n_test], order[n_test:]
    return X[train_idx], X[test_idx], y[train_idx], y[test_idx]


def standardize(X_train: np.ndarray, *others: np.ndarray) -> tuple[np.ndarray, ...]:
    """Scale features to zero mean, unit variance using the training set's statistics only."""
    mean, std = X_train.mean(axis=0), X_train.std(axis=0) + 1e-12
    return tuple((X - mean) / std for X in (X_train, *others))
