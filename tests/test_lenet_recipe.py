"""lecun_scale and train_lenet5: the input levels, the best-epoch weights, seeds, errors."""

import re

import numpy as np
import pytest

from nnfs.losses import SoftmaxCrossEntropy
from nnfs.models import LeNet5
from nnfs.models.lenet import lecun_scale, train_lenet5
from nnfs.training import evaluate


def tiny_data(rng, n=48):
    X = rng.random((n, 1, 32, 32)).astype(np.float32)
    y = np.arange(n) % 10
    X[np.arange(n), 0, 3 * (y % 8) + 2, 3 * (y // 8) + 2] += 4.0  # a learnable mark per class
    return X, y


def test_lecun_scale_maps_background_and_ink_to_the_papers_levels():
    x = np.array([0.0, 0.5, 1.0], dtype=np.float32)
    out = lecun_scale(x)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, [-0.1, 0.5375, 1.175], rtol=1e-6)
    assert lecun_scale(np.zeros(2)).dtype == np.float64


def test_train_lenet5_returns_the_weights_of_its_best_validation_epoch(rng):
    X, y = tiny_data(rng)
    X_val, y_val = tiny_data(rng, 30)
    model, history = train_lenet5(X, y, X_val, y_val, epochs=4, lr=3e-3, batch_size=16)
    assert len(history["val_accuracy"]) == len(history["train_loss"]) == 4
    best = history["best_epoch"]
    assert history["val_accuracy"][best - 1] == max(history["val_accuracy"])
    assert all(a < history["val_accuracy"][best - 1] for a in history["val_accuracy"][: best - 1])
    _, val_accuracy = evaluate(model, SoftmaxCrossEntropy(), X_val, y_val)
    assert val_accuracy == history["val_accuracy"][best - 1]
    assert not model.training and model.conv1.W.data.dtype == np.float32
    assert history["seconds"] == sorted(history["seconds"])


def test_train_lenet5_is_reproducible_and_starts_from_lenet5_with_the_same_seed(rng):
    X, y = tiny_data(rng)
    first, h1 = train_lenet5(X, y, X[:10], y[:10], epochs=1, seed=3, batch_size=16)
    again, h2 = train_lenet5(X, y, X[:10], y[:10], epochs=1, seed=3, batch_size=16)
    assert h1["train_loss"] == h2["train_loss"]
    for (name, p), (_, q) in zip(first.named_parameters(), again.named_parameters(), strict=True):
        np.testing.assert_array_equal(p.data, q.data, err_msg=name)
    # With a vanishing learning rate, what comes back is the initial network, which the lab
    # rebuilds as LeNet5(rng=np.random.default_rng(seed)) to plot the filters before training.
    frozen, _ = train_lenet5(X, y, X[:10], y[:10], epochs=1, seed=3, lr=1e-12, batch_size=16)
    initial = LeNet5(rng=np.random.default_rng(3), dtype=np.float32)
    np.testing.assert_allclose(frozen.conv1.W.data, initial.conv1.W.data, atol=1e-9)


def test_train_lenet5_applies_the_transform_to_every_training_batch(rng):
    X, y = tiny_data(rng, 40)
    seen = []

    def transform(batch, generator):
        assert isinstance(generator, np.random.Generator)
        seen.append(len(batch))
        return batch[..., ::-1]

    train_lenet5(X, y, X[:8], y[:8], epochs=2, batch_size=16, transform=transform)
    assert seen == [16, 16, 8] * 2


@pytest.mark.parametrize(
    "change, error, message",
    [
        (
            {"X_train": np.zeros((4, 1, 28, 28), np.float32)},
            ValueError,
            "train_lenet5: X_train expected shape (*, 1, 32, 32), got (4, 1, 28, 28)",
        ),
        ({"y_train": np.zeros(3, int)}, ValueError, "train_lenet5: y_train expected shape (4,)"),
        (
            {"X_val": np.zeros((0, 1, 32, 32), np.float32), "y_val": np.zeros(0, int)},
            ValueError,
            "X_val expected at least one image",
        ),
        ({"lr": 0.0}, ValueError, "train_lenet5: lr expected a value in (0, inf]"),
        ({"epochs": 0}, ValueError, "train_lenet5: epochs expected an integer >= 1"),
        ({"batch_size": 2.5}, TypeError, "train_lenet5: batch_size expected an integer"),
        ({"activation": "sigmoid"}, ValueError, "LeNet5: activation"),
    ],
)
def test_train_lenet5_rejects_bad_arguments(change, error, message):
    args = {
        "X_train": np.zeros((4, 1, 32, 32), np.float32),
        "y_train": np.zeros(4, int),
        "X_val": np.zeros((2, 1, 32, 32), np.float32),
        "y_val": np.zeros(2, int),
    }
    args.update(change)
    positional = [args.pop(k) for k in ("X_train", "y_train", "X_val", "y_val")]
    with pytest.raises(error, match=re.escape(message)):
        train_lenet5(*positional, **args)
