"""LeNet-5 on Fashion-MNIST: the full 60,000 / 10,000 (Debian's dataset-fashion-mnist), and
the lab's short run on the subset shipped with nnfs, over seeds.

1. Full: 5,000 of the 60,000 training images are held out for validation (stratified). With
   ReLU, as on MNIST, the learning rate (four values, without augmentation), then horizontal
   flips at the best of them (a random half of each batch mirrored left to right; clothes stay
   clothes) are chosen on validation, one seed each; then the chosen
   settings train with three seeds and each model is tested once on the 10,000 test images.
2. Size curve: the chosen settings on the first n of the 55,000 training images, the same
   number of optimizer steps for every n, one seed (the epoch chosen on 1,000 of the
   validation images); the point at all 55,000 is the final run with seed 0.
3. Subset: the lab's protocol (the shipped 12,000 / 3,000, 1,000 of them for validation, the
   settings chosen on MNIST's validation split, SUBSET_EPOCHS epochs) with five seeds, so that
   the lab can check its one run against the spread.
4. Baselines: the test accuracies of a few entries of the benchmark table in the Debian
   package's README, copied with their source (the package's benchmark/baselines.json holds
   only the parameter grids of its scikit-learn classifiers, no accuracies).

Writes docs/07-convolutional-networks/results/lenet_fashion_mnist.json. Takes about an hour on
one busy core; not part of CI.

    OPENBLAS_NUM_THREADS=1 python scripts/train_lenet_fashion_mnist.py [full] [subset]

The stages update the JSON file in place; "subset" needs scripts/train_lenet_mnist.py's result.
"""

from __future__ import annotations

import gzip
import json
import math
import sys
import time
from pathlib import Path

import numpy as np
from lenet_common import RESULTS, environment, error_stats, fashion_splits, write_json

from nnfs.datasets import find_fashion_mnist
from nnfs.models.lenet import train_lenet5
from nnfs.training import accuracy, predict

LEARNING_RATES = [1e-3, 2e-3, 4e-3, 8e-3]
ACTIVATION = "relu"  # the activation MNIST's validation search chose
EPOCHS = 10
SEARCH_SEED = 100
FINAL_SEEDS = [0, 1, 2]
SIZES = [1000, 4000, 16000, 55000]
SUBSET_EPOCHS = 3
SUBSET_SEEDS = [0, 1, 2, 3, 4]
DOC = Path("/usr/share/doc/dataset-fashion-mnist")
# Rows of the README's benchmark table to quote: (classifier, a word of the submitter cell).
BASELINES = [
    ("Human Performance", "Leo"),
    ("MLP 256-128-100", "heitorrapela"),
    ("2 Conv+pooling", "Kashif Rasul"),
    ("2 Conv+pooling", "Tensorflow"),  # the package's own benchmark/convnet.py
    ("2 Conv <100K parameters", "hardmaru"),
    ("HOG+SVM", "subalde"),
    ("2 Conv+2 FC", "ashmeet13"),
    ("ResNet18", "kefth"),
    ("WRN-28-10 + Random Erasing", "zhunzhong07"),
]


def flip_half(batch: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Mirror a random half of the images left to right."""
    out = batch.copy()
    mirror = rng.random(len(batch)) < 0.5
    out[mirror] = out[mirror][..., ::-1]
    return out


def train_and_test(data, lr, flip, epochs, seed, activation, n=None, n_val=None):
    (X, y), (X_val, y_val), (X_test, y_test) = data["train"], data["val"], data["test"]
    X, y = (X, y) if n is None else (X[:n], y[:n])
    X_val, y_val = (X_val, y_val) if n_val is None else (X_val[:n_val], y_val[:n_val])
    model, history = train_lenet5(
        X,
        y,
        X_val,
        y_val,
        lr=lr,
        epochs=epochs,
        seed=seed,
        activation=activation,
        transform=flip_half if flip else None,
    )
    logits = predict(model, X_test, batch_size=256)
    return {
        "seed": seed,
        "test_accuracy": accuracy(logits, y_test),
        "best_epoch": history["best_epoch"],
        "val_accuracy": history["val_accuracy"],
        "minutes": round(history["seconds"][-1] / 60, 1),
    }


def benchmark_rows() -> list[dict]:
    """The quoted rows of the Debian package's README table, with the file they came from."""
    readme = DOC / "README.md.gz"
    table = gzip.decompress(readme.read_bytes()).decode("utf-8")
    rows = []
    for name, submitter in BASELINES:
        for line in table.splitlines():
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if len(cells) >= 5 and cells[0] == name and submitter in cells[4]:
                rows.append(
                    {
                        "classifier": name,
                        "preprocessing": cells[1],
                        "fashion_test_accuracy": float(cells[2]),
                        "submitter": submitter,
                        "source": f"{readme} (benchmark table)",
                    }
                )
                break
        else:
            raise ValueError(f"no row {name!r} by {submitter!r} in {readme}")
    return rows


def search_run(data, lr, flip) -> dict:
    r = train_and_test(data, lr, flip, EPOCHS, SEARCH_SEED, ACTIVATION)
    # Chosen on validation: the test score of a search run is not even kept.
    print(f"lr={lr} flip={flip}: validation {max(r['val_accuracy']):.4f}", flush=True)
    return {
        "lr": lr,
        "flip": flip,
        "val_accuracy": r["val_accuracy"],
        "score": max(r["val_accuracy"]),
        "minutes": r["minutes"],
    }


def stage_full(folder: Path, save) -> None:
    """Search, final runs, size curve; `save(part)` is called after each, so that a long run
    that is stopped keeps what it finished."""
    full = fashion_splits(folder, validation=5000)
    data = {
        "folder": str(folder),
        "train": len(full["train"][1]),
        "validation": len(full["val"][1]),
        "test": len(full["test"][1]),
    }
    # First the learning rate without augmentation, then flips at the best learning rate.
    search = []
    for lr in LEARNING_RATES:
        search.append(search_run(full, lr, False))
    best = max(search, key=lambda s: (round(s["score"], 6), -s["lr"]))
    search.append(search_run(full, best["lr"], True))
    if search[-1]["score"] > best["score"]:
        best = search[-1]
    chosen = {"lr": best["lr"], "flip": best["flip"], "epochs": EPOCHS, "activation": ACTIVATION}
    print("chosen:", chosen, flush=True)
    part = {
        "data": data,
        "learning_rates": LEARNING_RATES,
        "search_seed": SEARCH_SEED,
        "search": search,
        "chosen": chosen,
    }
    save({"full": part})
    runs = []
    for seed in FINAL_SEEDS:
        runs.append(train_and_test(full, chosen["lr"], chosen["flip"], EPOCHS, seed, ACTIVATION))
        print(f"full, seed {seed}: test {runs[-1]['test_accuracy']:.4f}", flush=True)
        part.update(runs=runs, test_accuracy=error_stats([r["test_accuracy"] for r in runs]))
        save({"full": part})
    steps = EPOCHS * math.ceil(len(full["train"][1]) / 32)
    curve = []
    for n in SIZES:
        epochs = math.ceil(steps / math.ceil(n / 32))
        if n == len(full["train"][1]):  # the final recipe with seed 0: already measured
            r = {**runs[0], "val_images": len(full["val"][1])}
        else:
            # The first 1,000 validation images choose the epoch: small sets run hundreds of
            # epochs, and scoring 5,000 images after each would cost more than the training.
            r = train_and_test(full, chosen["lr"], chosen["flip"], epochs, 0, ACTIVATION, n, 1000)
            r["val_images"] = 1000
        curve.append({"train_images": n, "epochs": epochs, **r})
        print(f"n={n}: test {r['test_accuracy']:.4f}", flush=True)
        save({"size_curve": {"steps": steps, "seed": 0, "points": curve}})


def stage_subset(save) -> None:
    mnist = json.loads((RESULTS / "lenet_mnist.json").read_text())["chosen"]
    subset = fashion_splits(None, validation=1000)
    settings = {"lr": mnist["lr"], "activation": mnist["activation"], "epochs": SUBSET_EPOCHS}
    runs = [
        train_and_test(subset, settings["lr"], False, SUBSET_EPOCHS, seed, settings["activation"])
        for seed in SUBSET_SEEDS
    ]
    for r in runs:
        print(f"subset, seed {r['seed']}: test {r['test_accuracy']:.4f}", flush=True)
    save(
        {
            "subset": {
                "data": {
                    "train": len(subset["train"][1]),
                    "validation": len(subset["val"][1]),
                    "test": len(subset["test"][1]),
                },
                "settings": {**settings, "flip": False, "chosen_on": "MNIST's validation split"},
                "runs": runs,
                "test_accuracy": error_stats([r["test_accuracy"] for r in runs]),
            }
        }
    )


def main(stages: list[str]) -> None:
    start = time.perf_counter()
    path = RESULTS / "lenet_fashion_mnist.json"

    def save(part: dict) -> None:
        # Read the file again each time: another stage may have run meanwhile.
        payload = json.loads(path.read_text()) if path.is_file() else {}
        payload.update(part)
        payload.update(
            {
                "what": "LeNet-5 (nnfs.models.LeNet5, train_lenet5) on Fashion-MNIST",
                "script": "scripts/train_lenet_fashion_mnist.py",
                "baselines": benchmark_rows(),
                "baselines_note": "baselines.json in the same package lists only the parameter "
                "grids of 14 scikit-learn classifiers, not their accuracies; the README's table "
                "lists submitted results, which its maintainers say they have not tested",
                f"minutes_{stage}": round((time.perf_counter() - start) / 60, 1),
                f"environment_{stage}": environment(),
            }
        )
        write_json(path.name, payload)

    for stage in stages:
        if stage == "full":
            folder = find_fashion_mnist()
            if folder is None:
                raise SystemExit(
                    "the full Fashion-MNIST is not installed (Debian package dataset-fashion-mnist)"
                )
            stage_full(folder, save)
        elif stage == "subset":
            stage_subset(save)
        else:
            raise SystemExit(f"unknown stage {stage!r}: full, subset")
    print(f"done in {(time.perf_counter() - start) / 60:.1f} min")


if __name__ == "__main__":
    main(sys.argv[1:] or ["full", "subset"])
