"""What training on a subset costs: LeNet-5's MNIST test error against the training-set size.

For each size n in SIZES, the first n of the 6,999 training digits (a random, roughly
class-balanced subset: the split is shuffled) train LeNet-5 with the settings chosen by
scripts/train_lenet_mnist.py, for the same number of optimizer steps as the full recipe (a
smaller set is seen more often), keeping the best epoch on the same 1,001 validation digits.
Each model is tested once on the 2,000 test digits. A 1-nearest-neighbour classifier on the
same n images is the baseline. At n = 6,999 (all of them) the runs are the final recipe with
seeds 0-2, which scripts/train_lenet_mnist.py has measured already: copied, not retrained.

Writes docs/07-convolutional-networks/results/lenet_mnist_size_curve.json.

    OPENBLAS_NUM_THREADS=1 python scripts/lenet_training_size_curve.py
"""

from __future__ import annotations

import json
import math
import time

import numpy as np
from lenet_common import RESULTS, environment, error_stats, mnist_splits, write_json

from nnfs.models.lenet import train_lenet5
from nnfs.training import accuracy, predict

SIZES = [250, 500, 1000, 2000, 4000, None]  # None: all the training digits
SEEDS = [0, 1, 2]


def nearest_neighbour_accuracy(X, y, X_test, y_test) -> float:
    """1-NN in pixel space: ||a - b||^2 = ||a||^2 - 2 a.b + ||b||^2, one matrix product."""
    A, B = X.reshape(len(X), -1).astype(np.float64), X_test.reshape(len(X_test), -1)
    d = (B**2).sum(axis=1)[:, None] - 2 * B @ A.T + (A**2).sum(axis=1)[None, :]
    return float(np.mean(y[d.argmin(axis=1)] == y_test))


def main() -> None:
    start = time.perf_counter()
    mnist = json.loads((RESULTS / "lenet_mnist.json").read_text())
    chosen = mnist["chosen"]
    final = {r["seed"]: r for r in mnist["final"]["runs"]}
    data = mnist_splits()
    (X, y), (X_val, y_val), (X_test, y_test) = data["train"], data["val"], data["test"]
    steps = chosen["epochs"] * math.ceil(len(X) / 32)
    points = []
    for n in SIZES:
        n = len(X) if n is None else n
        epochs = math.ceil(steps / math.ceil(n / 32))
        settings = {**chosen, "epochs": epochs}
        runs = []
        for seed in SEEDS:
            if n == len(X):  # the final recipe itself: train_lenet_mnist.py measured it
                runs.append({k: final[seed][k] for k in ("seed", "test_accuracy", "best_epoch")})
            else:
                model, history = train_lenet5(X[:n], y[:n], X_val, y_val, seed=seed, **settings)
                logits = predict(model, X_test, batch_size=256)
                runs.append(
                    {
                        "seed": seed,
                        "test_accuracy": accuracy(logits, y_test),
                        "best_epoch": history["best_epoch"],
                    }
                )
            test_accuracy = runs[-1]["test_accuracy"]
            print(f"n={n} epochs={epochs} seed={seed}: {test_accuracy:.4f}", flush=True)
        points.append(
            {
                "train_images": n,
                "epochs": epochs,
                "class_counts": np.bincount(y[:n], minlength=10).tolist(),
                "runs": runs,
                "test_accuracy": error_stats([r["test_accuracy"] for r in runs]),
                "nearest_neighbour_test_accuracy": nearest_neighbour_accuracy(
                    X[:n], y[:n], X_test, y_test
                ),
            }
        )
    write_json(
        "lenet_mnist_size_curve.json",
        {
            "what": "LeNet-5 test accuracy on the shipped MNIST test split (2,000) against the "
            "number of training images, same optimizer steps for every size",
            "script": "scripts/lenet_training_size_curve.py",
            "settings": chosen,
            "steps": steps,
            "seeds": SEEDS,
            "points": points,
            "lecun_1998": {
                "train_images": 60000,
                "test_error": 0.0095,
                "source": "LeCun et al. (1998), Proc. IEEE 86(11), Section III-C and Fig. 9; "
                "Fig. 6 plots their error against the training-set size",
            },
            "minutes": round((time.perf_counter() - start) / 60, 1),
            "environment": environment(),
        },
    )
    print(f"done in {(time.perf_counter() - start) / 60:.1f} min")


if __name__ == "__main__":
    main()
