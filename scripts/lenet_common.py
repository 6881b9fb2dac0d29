"""What the chapter-7 training scripts share: the data as the lab prepares it, and JSON output.

Every script trains with `nnfs.models.lenet.train_lenet5`, the recipe the lab uses, on the
splits built here, so a lab run and a script run with the same seed train the same network.
"""

from __future__ import annotations

import json
import os
import platform
import time
from pathlib import Path

import numpy as np

import nnfs
from nnfs.datasets import load_fashion_mnist, load_mnist, train_test_split
from nnfs.models.lenet import lecun_scale

RESULTS = Path(__file__).resolve().parents[1] / "docs" / "07-convolutional-networks" / "results"
VALIDATION_SEED = 0  # the seed of the stratified validation split, as in the lab


def mnist_splits(validation: int = 1000) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """The shipped MNIST (8,000 train / 2,000 test), padded to 32x32, scaled as LeCun et al.,
    with about `validation` images held out of the training split (stratified: the same
    fraction of each class, rounded per class, so 1,001 of MNIST's 8,000)."""
    X, y = load_mnist(split="train", pad=2, dtype=np.float32)
    X_test, y_test = load_mnist(split="test", pad=2, dtype=np.float32)
    return _split(X, y, X_test, y_test, validation)


def fashion_splits(path=None, validation: int = 1000) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Fashion-MNIST (the shipped 12,000 / 3,000, or a folder's full 60,000 / 10,000), prepared
    the same way."""
    X, y = load_fashion_mnist(path, split="train", pad=2, dtype=np.float32)
    X_test, y_test = load_fashion_mnist(path, split="test", pad=2, dtype=np.float32)
    return _split(X, y, X_test, y_test, validation)


def _split(X, y, X_test, y_test, validation):
    X_train, X_val, y_train, y_val = train_test_split(
        lecun_scale(X), y, validation / len(X), seed=VALIDATION_SEED
    )
    return {
        "train": (X_train, y_train),
        "val": (X_val, y_val),
        "test": (lecun_scale(X_test), y_test),
    }


def environment() -> dict[str, str]:
    """Where the numbers came from: enough to judge a re-run that differs in the last digit."""
    return {
        "nnfs": nnfs.__version__ if hasattr(nnfs, "__version__") else "source tree",
        "numpy": np.__version__,
        "python": platform.python_version(),
        "machine": platform.machine(),
        "OPENBLAS_NUM_THREADS": os.environ.get("OPENBLAS_NUM_THREADS", "unset"),
        "date": time.strftime("%Y-%m-%d"),
    }


def write_json(name: str, payload: dict) -> Path:
    """Write RESULTS/name (indented, sorted keys) via a temporary file, then rename."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / name
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(payload, indent=1, sort_keys=True) + "\n")
    tmp.replace(path)
    return path


def error_stats(accuracies: list[float]) -> dict[str, float]:
    """Test accuracy over seeds as min / mean / max."""
    a = np.asarray(accuracies)
    return {"min": float(a.min()), "mean": float(a.mean()), "max": float(a.max())}
