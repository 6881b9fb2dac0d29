"""VGG16 features against a CNN trained from scratch on few Fashion-MNIST labels (longer run).

For each number of labels (50, 200, 1,000: 5, 20, 100 per class) and each seed, the labelled
images are drawn from the 12,000 training images shipped with nnfs, and three models are
trained on them and scored on the 3,000 shipped test images:

- "frozen": VGG16 (HED's fine-tuned ImageNet weights) as a fixed feature extractor; the grey
  28x28 images are resized to 32x32 and copied into three channels; a linear head (Dense
  512 -> 10) on pool5, Adam 1e-3, 100 epochs;
- "block5": then conv5_1..conv5_3 unfrozen with the head, Adam 1e-5, 10 epochs (on the cached
  pool4 features, which do not change);
- "scratch": `SmallCNN(10, image_size=28)` on the 28x28 images, Adam 3e-3, 50 epochs.

Every hyperparameter is fixed in advance, the same for every label count. Usage:

    python scripts/transfer_vgg.py               # writes docs/10-applications/transfer_vgg.json
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from nnfs import pretrained
from nnfs.apps.transfer import TransferModel, extract_features, few_labels, fine_tune, grey_to_rgb
from nnfs.core import Sequential
from nnfs.datasets import load_fashion_mnist
from nnfs.layers import Dense, Flatten
from nnfs.losses import SoftmaxCrossEntropy
from nnfs.models import SmallCNN
from nnfs.optim import Adam
from nnfs.training import evaluate, fit

OUT = Path(__file__).resolve().parents[1] / "docs" / "10-applications" / "transfer_vgg.json"


def run(budgets: list[int], seeds: int, size: int) -> dict:
    vgg = pretrained.load("vgg16")
    X, y = load_fashion_mnist(split="train", dtype=np.float32)
    X_test, y_test = load_fashion_mnist(split="test", dtype=np.float32)
    draws = {
        (n, s): few_labels(y, n // 10, np.random.default_rng(1000 * n + s))
        for n in budgets
        for s in range(seeds)
    }
    needed = np.unique(np.concatenate(list(draws.values())))

    def pool4(images):
        return vgg.extract(vgg.preprocess(grey_to_rgb(images, size)), ["pool4"])["pool4"]

    start = time.perf_counter()
    cache = dict(zip(needed, extract_features(pool4, X[needed], batch_size=25), strict=True))
    test4 = extract_features(pool4, X_test, batch_size=25)
    feature_seconds = time.perf_counter() - start
    loss_fn = SoftmaxCrossEntropy()
    rows = []
    for (n, s), idx in draws.items():
        F4 = np.stack([cache[i] for i in idx])
        rng = np.random.default_rng(s)
        block5 = Sequential(*vgg.copy_layers("conv5_1", "pool5").layers, Flatten())
        head = Dense(512 * (size // 32) ** 2, 10, init="xavier", rng=rng, dtype=np.float32)
        model = TransferModel(block5, head)
        fine_tune(model, F4, y[idx], epochs=100, lr=1e-3, batch_size=25, rng=rng)
        frozen = evaluate(model, loss_fn, test4, y_test)[1]
        fine_tune(model, F4, y[idx], epochs=0, unfreeze_epochs=10, unfreeze_lr=1e-5,
                  batch_size=25, rng=rng)  # fmt: skip
        tuned = evaluate(model, loss_fn, test4, y_test)[1]
        net = SmallCNN(10, image_size=28, rng=np.random.default_rng(s), dtype=np.float32)
        fit(net, loss_fn, Adam(net.parameters(), lr=3e-3), X[idx], y[idx], epochs=50,
            batch_size=25, rng=np.random.default_rng(s))  # fmt: skip
        scratch = evaluate(net, loss_fn, X_test, y_test)[1]
        rows.append({"labels": n, "seed": s, "frozen": frozen, "block5": tuned, "scratch": scratch})
        print(rows[-1], flush=True)
    summary = {}
    for n in budgets:
        mine = [r for r in rows if r["labels"] == n]
        summary[str(n)] = {
            key: {"mean": float(np.mean([r[key] for r in mine])),
                  "min": float(np.min([r[key] for r in mine])),
                  "max": float(np.max([r[key] for r in mine]))}
            for key in ("frozen", "block5", "scratch")
        }  # fmt: skip
    return {
        "image_size": size, "seeds": seeds, "test_images": len(y_test),
        "feature_seconds": feature_seconds, "runs": rows, "summary": summary,
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budgets", type=int, nargs="+", default=[50, 200, 1000])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--size", type=int, default=32)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    result = run(args.budgets, args.seeds, args.size)
    args.out.write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps(result["summary"], indent=1))


if __name__ == "__main__":
    main()
