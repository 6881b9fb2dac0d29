"""Splitting and scaling data: train/test splits (stratified by class) and standardization."""

from __future__ import annotations

import numpy as np

from nnfs.datasets.synthetic import _rng


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
