"""Tabular data shipped in the package: Fisher's Iris measurements."""

from __future__ import annotations

import numpy as np

from nnfs.datasets._files import shipped_file

# --8<-- [start:iris]
IRIS_FEATURES = ("sepal_length", "sepal_width", "petal_length", "petal_width")
IRIS_CLASSES = ("setosa", "versicolor", "virginica")


def load_iris() -> tuple[np.ndarray, np.ndarray]:
    """Fisher's Iris data, shipped as `nnfs/data/iris.csv` (source and licence in its README).

    Returns:
        X (150, 4) float64 measurements in cm, columns in the order of `IRIS_FEATURES`, and
        y (150,) int64 labels: y = k is the species `IRIS_CLASSES[k]`, 50 of each.
    """
    text = shipped_file("load_iris", "iris.csv").read_text(encoding="utf-8")
    rows = [line.split(",") for line in text.splitlines()[1:] if line]
    X = np.array([[float(value) for value in row[:4]] for row in rows])
    y = np.array([IRIS_CLASSES.index(row[4]) for row in rows], dtype=np.int64)
    return X, y


# --8<-- [end:iris]
