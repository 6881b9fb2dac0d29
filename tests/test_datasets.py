"""Data sets: seeded generators, the stratified split, standardization, and the shipped Iris."""

import numpy as np
import pytest

from nnfs.datasets import (
    IRIS_CLASSES,
    IRIS_FEATURES,
    load_iris,
    make_linear,
    make_spiral,
    make_xor,
    standardize,
    train_test_split,
)

# ---------------------------------------------------------------- chapters 3-5


def test_make_linear_follows_its_formula_and_is_reproducible():
    X, y, w, b = make_linear(n=50, weights=[1.0, 2.0, -1.0], bias=0.3, noise=0.0, seed=3)
    assert X.shape == (50, 3) and y.shape == (50, 1)
    np.testing.assert_allclose(y[:, 0], X @ w + b)
    X2, y2, _, _ = make_linear(n=50, weights=[1.0, 2.0, -1.0], bias=0.3, noise=0.0, seed=3)
    assert np.array_equal(X, X2) and np.array_equal(y, y2)


def test_make_xor_is_the_truth_table():
    X, y = make_xor()
    np.testing.assert_array_equal(y[:, 0], np.logical_xor(X[:, 0], X[:, 1]))


def test_make_spiral_shapes_labels_and_seed():
    X, y = make_spiral(n_per_class=40, n_classes=3, seed=0)
    assert X.shape == (120, 2) and y.shape == (120,)
    np.testing.assert_array_equal(np.bincount(y), [40, 40, 40])
    assert np.max(np.linalg.norm(X, axis=1)) <= 1.0 + 1e-12
    assert np.array_equal(X, make_spiral(n_per_class=40, n_classes=3, seed=0)[0])


def test_stratified_split_keeps_class_proportions_and_partitions_the_rows():
    X, y = load_iris()
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_fraction=0.2, seed=0)
    np.testing.assert_array_equal(np.bincount(y_test), [10, 10, 10])
    np.testing.assert_array_equal(np.bincount(y_train), [40, 40, 40])
    rows = {
        tuple(r) + (c,)
        for r, c in zip(
            np.vstack([X_train, X_test]), np.concatenate([y_train, y_test]), strict=True
        )
    }
    assert rows == {tuple(r) + (c,) for r, c in zip(X, y, strict=True)}


def test_split_is_reproducible_and_depends_on_the_seed():
    X, y = load_iris()
    a = train_test_split(X, y, seed=5)[3]
    b = train_test_split(X, y, seed=5)[3]
    c = train_test_split(X, y, seed=6)[1]
    assert np.array_equal(a, b) and not np.array_equal(train_test_split(X, y, seed=5)[1], c)


def test_standardize_uses_training_statistics_only():
    rng = np.random.default_rng(0)
    X_train, X_test = rng.normal(5, 3, (100, 2)), rng.normal(5, 3, (20, 2))
    Z_train, Z_test = standardize(X_train, X_test)
    np.testing.assert_allclose(Z_train.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(Z_train.std(axis=0), 1, atol=1e-9)
    np.testing.assert_allclose(Z_test, (X_test - X_train.mean(0)) / X_train.std(0), atol=1e-9)


def test_load_iris_is_fishers_data():
    X, y = load_iris()
    assert X.shape == (150, 4) and X.dtype == np.float64
    assert y.shape == (150,) and y.dtype == np.int64
    np.testing.assert_array_equal(np.bincount(y), [50, 50, 50])
    assert len(IRIS_FEATURES) == 4 and IRIS_CLASSES == ("setosa", "versicolor", "virginica")
    # the first flower and the published column means (cm)
    np.testing.assert_array_equal(X[0], [5.1, 3.5, 1.4, 0.2])
    np.testing.assert_allclose(X.mean(axis=0), [5.843333, 3.057333, 3.758, 1.199333], atol=1e-6)
    # Fisher's values for samples 35 and 38 (the UCI file has two transcription errors there)
    np.testing.assert_array_equal(X[34], [4.9, 3.1, 1.5, 0.2])
    np.testing.assert_array_equal(X[37], [4.9, 3.6, 1.4, 0.1])


def test_iris_setosa_is_linearly_separable_by_petal_length():
    X, y = load_iris()
    assert X[y == 0, 2].max() < X[y != 0, 2].min()


def test_load_iris_returns_fresh_arrays():
    X, _ = load_iris()
    X[0, 0] = -1.0
    assert load_iris()[0][0, 0] == pytest.approx(5.1)
