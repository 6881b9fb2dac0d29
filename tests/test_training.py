"""Training loop: batches, metrics, fit/History, reproducibility, chapter-5 convergence."""

import numpy as np
import pytest

from nnfs import Dense, NeuralNetwork
from nnfs.datasets import load_iris, make_linear, make_xor, standardize, train_test_split
from nnfs.losses import MSE, BinaryCrossEntropy, SoftmaxCrossEntropy
from nnfs.optim import SGD, Adam
from nnfs.training import (
    History,
    accuracy,
    batches,
    confusion_matrix,
    evaluate,
    fit,
    predict,
)

# ---------------------------------------------------------------- batches


def test_batches_cover_every_row_once_with_a_short_last_batch():
    X, y = np.arange(20).reshape(10, 2), np.arange(10)
    parts = list(batches(X, y, batch_size=4))
    assert [len(xb) for xb, _ in parts] == [4, 4, 2]
    np.testing.assert_array_equal(np.concatenate([yb for _, yb in parts]), y)


def test_shuffled_batches_are_a_permutation_that_keeps_rows_paired():
    X, y = np.arange(20).reshape(10, 2), np.arange(10)
    parts = list(batches(X, y, batch_size=3, rng=np.random.default_rng(0)))
    seen = np.concatenate([yb for _, yb in parts])
    assert sorted(seen) == list(range(10)) and not np.array_equal(seen, y)
    for xb, yb in parts:
        np.testing.assert_array_equal(xb[:, 0], 2 * yb)


def test_same_rng_seed_gives_the_same_batches():
    X, y = np.arange(30.0).reshape(15, 2), np.arange(15)
    a = [yb for _, yb in batches(X, y, 4, np.random.default_rng(5))]
    b = [yb for _, yb in batches(X, y, 4, np.random.default_rng(5))]
    assert all(np.array_equal(p, q) for p, q in zip(a, b, strict=True))


def test_batches_reject_mismatched_lengths_and_bad_batch_size():
    with pytest.raises(ValueError, match="batches: X has 4 rows but y has 3"):
        list(batches(np.zeros((4, 2)), np.zeros(3), 2))
    with pytest.raises(ValueError, match="batches: batch_size must be a positive integer"):
        list(batches(np.zeros((4, 2)), np.zeros(4), 0))


# ---------------------------------------------------------------- metrics


def test_accuracy_for_class_scores_labels_and_one_hot():
    scores = np.array([[0.1, 0.9], [2.0, -1.0], [0.3, 0.7]])
    assert accuracy(scores, np.array([1, 0, 0])) == pytest.approx(2 / 3)
    assert accuracy(scores, np.eye(2)[[1, 0, 1]]) == 1.0


def test_accuracy_for_binary_probabilities_thresholds_at_one_half():
    probs = np.array([[0.2], [0.51], [0.9], [0.4]])
    assert accuracy(probs, np.array([[0], [1], [0], [0]])) == 0.75


def test_accuracy_rejects_mismatched_lengths():
    with pytest.raises(ValueError, match="accuracy: 3 predictions"):
        accuracy(np.zeros((3, 2)), np.array([0, 1]))


def test_confusion_matrix_counts_true_rows_against_predicted_columns():
    y_true = np.array([0, 0, 1, 2, 2, 2])
    y_pred = np.array([0, 1, 1, 2, 0, 2])
    m = confusion_matrix(y_true, y_pred, 3)
    np.testing.assert_array_equal(m, [[1, 1, 0], [0, 1, 0], [1, 0, 2]])
    assert m.sum() == 6 and np.trace(m) / m.sum() == pytest.approx(4 / 6)


def test_confusion_matrix_rejects_out_of_range_labels_and_shapes():
    with pytest.raises(ValueError, match=r"y_pred must lie in \[0, 2\)"):
        confusion_matrix(np.array([0, 1]), np.array([0, 2]), 2)
    with pytest.raises(ValueError, match="must both be"):
        confusion_matrix(np.array([0, 1]), np.array([0]), 2)


def test_history_logs_lists_by_name():
    h = History()
    h.log(loss=1.0, accuracy=0.5)
    h.log(loss=0.5, accuracy=0.75)
    assert h["loss"] == [1.0, 0.5] and "accuracy" in h and "val_loss" not in h
    assert len(h) == 2


# ---------------------------------------------------------------- fit


def _xor_fit(seed):
    X, y = make_xor()
    net = NeuralNetwork([2, 4, 1], ["tanh", "sigmoid"], seed=seed)
    history = fit(
        net, BinaryCrossEntropy(), Adam(net.parameters(), lr=0.05), X, y, epochs=300, batch_size=4
    )
    return net, history


def test_fit_on_xor_reaches_100_percent_accuracy():
    X, y = make_xor()
    net, history = _xor_fit(seed=0)
    assert history["accuracy"][-1] == 1.0
    assert accuracy(predict(net, X), y) == 1.0
    assert history["loss"][-1] < 0.05 < history["loss"][0]


def test_fit_with_the_same_seeds_is_bit_identical():
    X, y, _, _ = make_linear(n=64, seed=1)

    def run():
        net = NeuralNetwork([2, 8, 1], ["tanh", None], seed=4)
        hist = fit(
            net,
            MSE(),
            SGD(net.parameters(), lr=0.05, momentum=0.9),
            X,
            y,
            epochs=5,
            batch_size=8,
            rng=np.random.default_rng(9),
            metrics={},
        )
        return net, hist

    (a, ha), (b, hb) = run(), run()
    assert ha.metrics == hb.metrics
    for p, q in zip(a.parameters(), b.parameters(), strict=True):
        assert np.array_equal(p.data, q.data)


def test_fit_records_validation_metrics_and_restores_training_mode():
    X, y = make_xor()
    net = NeuralNetwork([2, 4, 1], ["tanh", "sigmoid"], seed=0)
    hist = fit(
        net,
        BinaryCrossEntropy(),
        SGD(net.parameters(), lr=0.1),
        X,
        y,
        epochs=3,
        batch_size=2,
        validation=(X, y),
    )
    assert set(hist.metrics) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert len(hist) == 3 and net.training


def test_fit_with_no_metrics_records_only_the_loss():
    X, y, _, _ = make_linear(n=32)
    model = Dense(2, 1, rng=np.random.default_rng(0))
    hist = fit(model, MSE(), SGD(model.parameters(), lr=0.1), X, y, epochs=2, metrics={})
    assert set(hist.metrics) == {"loss"}


def test_a_callback_returning_true_stops_training():
    X, y = make_xor()
    net = NeuralNetwork([2, 4, 1], ["tanh", "sigmoid"], seed=0)
    epochs_seen = []

    def stop_after_two(epoch, history):
        epochs_seen.append(epoch)
        return epoch == 1

    hist = fit(
        net,
        BinaryCrossEntropy(),
        SGD(net.parameters(), lr=0.1),
        X,
        y,
        epochs=10,
        callbacks=[stop_after_two],
    )
    assert epochs_seen == [0, 1] and len(hist) == 2


def test_verbose_fit_prints_one_line_per_epoch(capsys):
    X, y = make_xor()
    net = NeuralNetwork([2, 2, 1], ["tanh", "sigmoid"], seed=0)
    fit(net, BinaryCrossEntropy(), SGD(net.parameters(), lr=0.1), X, y, epochs=2, verbose=True)
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 2 and lines[0].startswith("epoch 1/2: loss=")


def test_evaluate_and_predict_use_eval_mode_and_restore_it():
    X, y = make_xor()
    net = NeuralNetwork([2, 4, 1], ["tanh", "sigmoid"], seed=0)
    loss, acc = evaluate(net, BinaryCrossEntropy(), X, y)
    assert loss == pytest.approx(BinaryCrossEntropy()(net(X), y))
    assert 0.0 <= acc <= 1.0 and net.training
    np.testing.assert_array_equal(predict(net, X, batch_size=3), net(X))


# ---------------------------------------------------------------- chapter 5 convergence


def test_linear_regression_recovers_the_true_weights():
    X, y, w_true, b_true = make_linear(n=200, weights=[2.0, -3.0], bias=0.5, noise=0.1, seed=0)
    model = Dense(2, 1, init="zeros", rng=np.random.default_rng(0))
    fit(
        model,
        MSE(),
        SGD(model.parameters(), lr=0.1),
        X,
        y,
        epochs=50,
        batch_size=20,
        rng=np.random.default_rng(0),
        metrics={},
    )
    np.testing.assert_allclose(model.W.data[:, 0], w_true, atol=0.03)
    assert model.b.data[0] == pytest.approx(b_true, abs=0.03)
    # and it lands close to the least-squares solution of the same noisy data
    A = np.column_stack([X, np.ones(len(X))])
    exact = np.linalg.lstsq(A, y[:, 0], rcond=None)[0]
    np.testing.assert_allclose(np.append(model.W.data[:, 0], model.b.data), exact, atol=0.01)


def test_iris_held_out_accuracy_is_at_least_95_percent():
    X, y = load_iris()
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_fraction=0.3, seed=1)
    X_train, X_test = standardize(X_train, X_test)
    net = NeuralNetwork([4, 8, 3], ["tanh", None], seed=0)
    history = fit(
        net,
        SoftmaxCrossEntropy(),
        Adam(net.parameters(), lr=0.01),
        X_train,
        y_train,
        epochs=100,
        batch_size=16,
        rng=np.random.default_rng(0),
        validation=(X_test, y_test),
    )
    assert len(y_test) == 45 and np.all(np.bincount(y_test) == 15)
    assert history["val_accuracy"][-1] >= 0.95
    pred = predict(net, X_test).argmax(axis=1)
    m = confusion_matrix(y_test, pred, 3)
    assert m.sum() == 45 and np.trace(m) / 45 == history["val_accuracy"][-1]


def test_predict_restores_each_submodules_own_mode():
    """An eval-mode child (a frozen BatchNorm) must stay in eval mode after predict."""
    from nnfs import BatchNorm1d, Dense, Sequential
    from nnfs.training import predict

    rng = np.random.default_rng(0)
    model = Sequential(Dense(3, 4, rng=rng), BatchNorm1d(4))
    model[1].eval()
    predict(model, rng.standard_normal((5, 3)))
    assert model.training and model[0].training and not model[1].training
    model.eval()
    predict(model, rng.standard_normal((5, 3)))
    assert not any(m.training for _, m in model.named_modules())


def test_predict_refuses_a_list_and_an_empty_input():
    from nnfs import Dense
    from nnfs.training import predict

    with pytest.raises(TypeError, match="predict: X expected a numpy.ndarray, got list"):
        predict(Dense(2, 1), [[1.0, 2.0]])
    with pytest.raises(ValueError, match="predict: X expected at least one sample"):
        predict(Dense(2, 1), np.zeros((0, 2)))
