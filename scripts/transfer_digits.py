"""The small worked example of transfer learning, over more seeds than the page runs.

A `SmallCNN` is pre-trained on the digits 0-4 pasted at random positions on a 12x12 canvas
(three copies of each image, ~2,700 images, 6 epochs), saved and reloaded, then fine-tuned on
5-9 with 10 labelled images per class: 20 epochs with the backbone frozen (lr 1e-2), then
30 epochs of everything (lr 1e-3). The baseline is the same network trained from scratch on
the same 50 images (50 epochs, lr 3e-3). The test set is every other image of 5-9.

Usage:

    python scripts/transfer_digits.py    # writes docs/10-applications/transfer_digits.json

It runs NumPy's BLAS on one thread (OPENBLAS_NUM_THREADS=1 unless set), so that a rerun on
the same NumPy build reproduces the file.
"""

from __future__ import annotations

import os

# One BLAS thread: float32 sums are rounded in an order that depends on the thread count, and
# over the pre-training the differences grow to a point or two of test accuracy per seed.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import json
import tempfile
from pathlib import Path

import numpy as np

from nnfs import serialization
from nnfs.apps.transfer import fine_tune, replace_head
from nnfs.datasets import load_digits, place_randomly
from nnfs.losses import SoftmaxCrossEntropy
from nnfs.models import SmallCNN
from nnfs.optim import Adam
from nnfs.training import evaluate, fit

OUT = Path(__file__).resolve().parents[1] / "docs" / "10-applications" / "transfer_digits.json"
SEEDS = range(10)


def main() -> None:
    loss_fn = SoftmaxCrossEntropy()
    digits8, labels = load_digits(8, dtype=np.float32)
    images = place_randomly(digits8, 12, seed=0)
    source = labels < 5
    X_source = np.concatenate(
        [images[source]] + [place_randomly(digits8[source], 12, seed=s) for s in (1, 2)]
    )
    y_source = np.tile(labels[source], 3)
    net = SmallCNN(5, image_size=12, rng=np.random.default_rng(0), dtype=np.float32)
    fit(net, loss_fn, Adam(net.parameters(), lr=3e-3), X_source, y_source, epochs=6,
        batch_size=64, rng=np.random.default_rng(1))  # fmt: skip
    checkpoint = Path(tempfile.mkdtemp()) / "digits-0-4.npz"
    serialization.save(net, checkpoint)
    target = np.flatnonzero(labels >= 5)
    rows = []
    for seed in SEEDS:
        rng = np.random.default_rng(100 + seed)
        train = np.concatenate(
            [rng.choice(target[labels[target] == c], 10, replace=False) for c in range(5, 10)]
        )
        test = np.setdiff1d(target, train)
        X, y, X_test, y_test = images[train], labels[train] - 5, images[test], labels[test] - 5
        pre = SmallCNN(5, image_size=12, rng=np.random.default_rng(seed), dtype=np.float32)
        serialization.load(pre, checkpoint)
        model = replace_head(pre.features, pre.num_features, 5,
                             rng=np.random.default_rng(seed), dtype=np.float32)  # fmt: skip
        rng = np.random.default_rng(seed)
        fine_tune(model, X, y, epochs=20, lr=1e-2, batch_size=10, rng=rng)
        frozen = evaluate(model, loss_fn, X_test, y_test)[1]
        fine_tune(model, X, y, epochs=0, unfreeze_epochs=30, unfreeze_lr=1e-3, batch_size=10,
                  rng=rng)  # fmt: skip
        tuned = evaluate(model, loss_fn, X_test, y_test)[1]
        scratch_net = SmallCNN(5, image_size=12, rng=np.random.default_rng(seed), dtype=np.float32)
        fit(scratch_net, loss_fn, Adam(scratch_net.parameters(), lr=3e-3), X, y, epochs=50,
            batch_size=10, rng=np.random.default_rng(seed))  # fmt: skip
        scratch = evaluate(scratch_net, loss_fn, X_test, y_test)[1]
        rows.append({"seed": seed, "frozen": frozen, "fine_tuned": tuned, "scratch": scratch})
        print(rows[-1], flush=True)
    gains = [100 * (r["fine_tuned"] - r["scratch"]) for r in rows]
    summary = {
        key: {"mean": float(np.mean([r[key] for r in rows])),
              "min": float(np.min([r[key] for r in rows])),
              "max": float(np.max([r[key] for r in rows]))}
        for key in ("frozen", "fine_tuned", "scratch")
    }  # fmt: skip
    summary["gain_points"] = {"mean": float(np.mean(gains)), "min": float(np.min(gains)),
                              "max": float(np.max(gains))}  # fmt: skip
    OUT.write_text(json.dumps({"runs": rows, "summary": summary}, indent=1) + "\n")
    print(json.dumps(summary, indent=1))


if __name__ == "__main__":
    main()
