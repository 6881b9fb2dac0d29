"""Training loop: batches, metrics, fit/History, reproducibility, chapter-5 convergence."""

import numpy as np
import pytest

from nnfs import BatchNorm1d, Dense, NeuralNetwork, ReLU, Sequential
from nnfs.datasets import load_iris, make_linear, make_xor, standardize, train_test_split
from nnfs.losses import MSE, BinaryCrossEntropy, SoftmaxCrossEntropy
from nnfs.optim import SGD, Adam
from nnfs.training import (
    Callback,
    EarlyStopping,
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
    assert set(hist.metrics) == {"loss", "accuracy", "lr", "val_loss", "val_accuracy"}
    assert len(hist) == 3 and net.training


def test_fit_with_no_metrics_records_only_the_loss():
    X, y, _, _ = make_linear(n=32)
    model = Dense(2, 1, rng=np.random.default_rng(0))
    hist = fit(model, MSE(), SGD(model.parameters(), lr=0.1), X, y, epochs=2, metrics={})
    assert set(hist.metrics) == {"loss", "lr"}


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


# ---------------------------------------------------------------- callbacks


def _spiral_problem(seed=0):
    from nnfs.datasets import make_spiral

    X, y = make_spiral(n_per_class=40, n_classes=3, seed=seed)
    return train_test_split(X, y, test_fraction=0.25, seed=seed)


def _bn_model(seed=0):
    rng = np.random.default_rng(seed)
    return Sequential(Dense(2, 32, rng=rng), BatchNorm1d(32), ReLU(), Dense(32, 3, rng=rng))


class Recorder(Callback):
    """Keeps every epoch's state_dict and the order of the hooks."""

    def __init__(self):
        self.calls, self.states = [], []

    def on_train_begin(self, model):
        self.calls.append("begin")

    def on_epoch_end(self, epoch, history, model):
        self.calls.append(epoch)
        self.states.append(model.state_dict())
        return False

    def on_train_end(self, history, model):
        self.calls.append("end")


def _fit_spiral(model, callbacks, epochs=200, lr=0.05):
    X_train, X_val, y_train, y_val = _spiral_problem()
    return fit(
        model,
        SoftmaxCrossEntropy(),
        Adam(model.parameters(), lr=lr),
        X_train,
        y_train,
        epochs=epochs,
        batch_size=15,
        rng=np.random.default_rng(0),
        validation=(X_val, y_val),
        callbacks=callbacks,
    )


def test_early_stopping_restores_the_best_epoch_bit_for_bit_with_buffers():
    model, recorder = _bn_model(), Recorder()
    stopper = EarlyStopping(monitor="val_loss", patience=4)
    history = _fit_spiral(model, [recorder, stopper])
    best = int(np.argmin(history["val_loss"]))
    assert stopper.best_epoch == best and stopper.best == history["val_loss"][best]
    assert stopper.stopped_epoch == best + 4 == len(history) - 1 < 199
    restored, best_state = model.state_dict(), recorder.states[best]
    assert "layers.1.running_mean" in restored and set(restored) == set(best_state)
    for name, value in best_state.items():
        assert np.array_equal(restored[name], value), name
    # and the last epoch's state really was different
    assert not np.array_equal(recorder.states[-1]["layers.0.W"], restored["layers.0.W"])
    assert recorder.calls[0] == "begin" and recorder.calls[-1] == "end"
    assert recorder.calls[1:-1] == list(range(len(history)))


def test_early_stopping_without_restore_keeps_the_last_weights():
    model, recorder = _bn_model(), Recorder()
    history = _fit_spiral(model, [recorder, EarlyStopping(patience=4, restore_best=False)])
    assert int(np.argmin(history["val_loss"])) < len(history) - 1
    for name, value in recorder.states[-1].items():
        assert np.array_equal(model.state_dict()[name], value)


def test_early_stopping_restores_the_best_even_when_epochs_run_out():
    model, recorder = _bn_model(), Recorder()
    stopper = EarlyStopping(patience=1000)
    history = _fit_spiral(model, [recorder, stopper], epochs=30, lr=0.2)
    assert stopper.stopped_epoch is None and len(history) == 30
    best = int(np.argmin(history["val_loss"]))
    assert best < 29  # lr 0.2 is noisy enough that the last epoch is not the best
    assert np.array_equal(model.state_dict()["layers.0.W"], recorder.states[best]["layers.0.W"])


def _feed(stopper, values):
    """Run the callback on a History that holds `values` for its monitor; the stop epoch."""
    history, model = History(), Dense(1, 1, rng=np.random.default_rng(0))
    stopper.on_train_begin(model)
    for epoch, value in enumerate(values):
        history.log(**{stopper.monitor: value})
        if stopper.on_epoch_end(epoch, history, model):
            return epoch
    return None


def test_early_stopping_counts_patience_and_min_delta():
    assert _feed(EarlyStopping(patience=2), [1.0, 0.9, 0.95, 0.91, 0.5]) == 3
    assert _feed(EarlyStopping(patience=3), [1.0, 0.9, 0.95, 0.91, 0.5]) is None
    assert _feed(EarlyStopping(patience=1), [1.0, 1.0]) == 1  # equal is not better
    # improvements of 0.05 do not count with min_delta 0.1
    stopper = EarlyStopping(patience=2, min_delta=0.1)
    assert _feed(stopper, [1.0, 0.95, 0.9, 0.5]) == 2 and stopper.best == 1.0
    stopper = EarlyStopping(patience=2, min_delta=0.1)
    assert _feed(stopper, [1.0, 0.85, 0.8, 0.5]) is None and stopper.best == 0.5


def test_early_stopping_modes_and_nan():
    assert EarlyStopping("val_accuracy").mode == "max"
    assert EarlyStopping("val_loss").mode == "min"
    stopper = EarlyStopping("val_accuracy", patience=2)
    assert _feed(stopper, [0.5, 0.7, 0.6, 0.7]) == 3 and stopper.best == 0.7
    assert stopper.best_epoch == 1
    stopper = EarlyStopping("loss", patience=2, mode="max")
    assert _feed(stopper, [1.0, 2.0, 3.0]) is None and stopper.best == 3.0
    stopper = EarlyStopping(patience=2)
    assert _feed(stopper, [np.nan, 1.0, np.nan, np.nan]) == 3 and stopper.best_epoch == 1
    # a reused callback starts afresh at on_train_begin
    assert _feed(stopper, [5.0, 4.0]) is None and stopper.best == 4.0


def test_early_stopping_checks_its_arguments_and_the_monitor():
    with pytest.raises(ValueError, match="EarlyStopping: patience expected an integer >= 1"):
        EarlyStopping(patience=0)
    with pytest.raises(ValueError, match="EarlyStopping: mode expected one of"):
        EarlyStopping(mode="lowest")
    with pytest.raises(ValueError, match=r"EarlyStopping: min_delta expected a value in"):
        EarlyStopping(min_delta=-0.1)
    with pytest.raises(TypeError, match="EarlyStopping: monitor expected a History name"):
        EarlyStopping(monitor=0)
    X, y = make_xor()
    net = NeuralNetwork([2, 4, 1], ["tanh", "sigmoid"], seed=0)
    with pytest.raises(ValueError, match="monitor 'val_loss' is not in the history"):
        fit(
            net,
            BinaryCrossEntropy(),
            SGD(net.parameters(), lr=0.1),
            X,
            y,
            epochs=2,
            callbacks=[EarlyStopping()],
        )


def test_plain_functions_and_callback_objects_work_together_and_numpy_true_stops():
    X, y = make_xor()
    net = NeuralNetwork([2, 4, 1], ["tanh", "sigmoid"], seed=0)
    seen, recorder = [], Recorder()

    def stop_at_three(epoch, history):
        seen.append(epoch)
        return np.int64(epoch) == 2  # numpy.True_, not True

    hist = fit(
        net,
        BinaryCrossEntropy(),
        SGD(net.parameters(), lr=0.1),
        X,
        y,
        epochs=10,
        callbacks=[stop_at_three, recorder],
    )
    assert seen == [0, 1, 2] and len(hist) == 3
    assert recorder.calls == ["begin", 0, 1, 2, "end"]


# ---------------------------------------------------------------- schedulers


class HalvingScheduler:
    """The scheduler protocol fit relies on: step() once per epoch, changing optimizer.lr."""

    def __init__(self, optimizer):
        self.optimizer, self.steps = optimizer, 0

    def step(self):
        self.steps += 1
        self.optimizer.lr = self.optimizer.lr / 2

    def get_last_lr(self):
        return [self.optimizer.lr]


def test_fit_steps_the_scheduler_once_per_epoch_and_records_the_lr():
    X, y, _, _ = make_linear(n=64, seed=1)
    model = Dense(2, 1, rng=np.random.default_rng(0))
    optimizer = SGD(model.parameters(), lr=0.4)
    scheduler = HalvingScheduler(optimizer)
    hist = fit(
        model, MSE(), optimizer, X, y, epochs=4, batch_size=16, metrics={}, scheduler=scheduler
    )
    assert scheduler.steps == 4
    assert hist["lr"] == [0.4, 0.2, 0.1, 0.05] and optimizer.lr == 0.025


def test_the_lr_a_scheduler_sets_is_the_one_the_next_epoch_uses():
    X, y, _, _ = make_linear(n=32, seed=2)

    class ZeroAfterFirstEpoch:
        def __init__(self, optimizer):
            self.optimizer = optimizer

        def step(self):
            self.optimizer.lr = 0.0

    model, recorder = Dense(2, 1, rng=np.random.default_rng(0)), Recorder()
    initial = model.W.data.copy()
    optimizer = SGD(model.parameters(), lr=0.1)
    hist = fit(
        model,
        MSE(),
        optimizer,
        X,
        y,
        epochs=3,
        batch_size=8,
        metrics={},
        scheduler=ZeroAfterFirstEpoch(optimizer),
        callbacks=[recorder],
    )
    assert hist["lr"] == [0.1, 0.0, 0.0]
    assert not np.array_equal(recorder.states[0]["W"], initial)  # epoch 1 trained
    assert np.array_equal(recorder.states[0]["W"], recorder.states[2]["W"])


def test_fit_refuses_a_scheduler_without_step():
    X, y = make_xor()
    net = NeuralNetwork([2, 2, 1], ["tanh", "sigmoid"], seed=0)
    with pytest.raises(TypeError, match="fit: scheduler expected an object with a step"):
        fit(net, BinaryCrossEntropy(), SGD(net.parameters(), lr=0.1), X, y, scheduler=0.5)


# ---------------------------------------------------------------- batch transforms


def test_transform_touches_training_batches_only():
    X_train, X_val, y_train, y_val = _spiral_problem()
    calls = []

    def add_noise(xb, yb, rng):
        calls.append(len(xb))
        assert isinstance(rng, np.random.Generator)
        return xb + 1000.0, yb

    model = NeuralNetwork([2, 16, 3], ["relu", None], seed=0)
    loss_fn = SoftmaxCrossEntropy()
    hist = fit(
        model,
        loss_fn,
        Adam(model.parameters(), lr=0.01),
        X_train,
        y_train,
        epochs=1,
        batch_size=32,
        rng=np.random.default_rng(0),
        validation=(X_val, y_val),
        transform=add_noise,
    )
    assert calls == [32, 32, 26]
    assert hist["val_loss"][0] == pytest.approx(evaluate(model, loss_fn, X_val, y_val)[0])


def test_a_transform_does_not_change_the_shuffling_order():
    X_train, _, y_train, _ = _spiral_problem()

    def run(transform):
        model = NeuralNetwork([2, 16, 3], ["relu", None], seed=0)
        fit(
            model,
            SoftmaxCrossEntropy(),
            Adam(model.parameters(), lr=0.01),
            X_train,
            y_train,
            epochs=3,
            batch_size=16,
            rng=np.random.default_rng(4),
            transform=transform,
        )
        return model.state_dict()

    def draw_and_return(xb, yb, rng):
        rng.random(100)  # consumes random numbers, changes nothing
        return xb, yb

    plain, transformed = run(None), run(draw_and_return)
    assert all(np.array_equal(plain[k], transformed[k]) for k in plain)


def test_augmented_fit_is_reproducible():
    from functools import partial

    from nnfs import Flatten
    from nnfs.augment import image_transform, random_shift

    rng = np.random.default_rng(0)
    X, y = rng.random((40, 1, 6, 6)), rng.integers(0, 3, 40)

    def run():
        model = Sequential(Flatten(), Dense(36, 3, rng=np.random.default_rng(1)))
        fit(
            model,
            SoftmaxCrossEntropy(),
            SGD(model.parameters(), lr=0.1),
            X,
            y,
            epochs=2,
            batch_size=8,
            rng=np.random.default_rng(2),
            transform=image_transform(partial(random_shift, max_shift=1)),
        )
        return model[1].W.data.copy()

    assert np.array_equal(run(), run())


def test_fit_checks_transform_validation_and_epochs():
    X, y = make_xor()
    net = NeuralNetwork([2, 2, 1], ["tanh", "sigmoid"], seed=0)
    opt, loss_fn = SGD(net.parameters(), lr=0.1), BinaryCrossEntropy()
    with pytest.raises(ValueError, match="fit: a transform draws random numbers"):
        fit(net, loss_fn, opt, X, y, transform=lambda xb, yb, rng: (xb, yb))
    with pytest.raises(TypeError, match="fit: transform expected a function"):
        fit(net, loss_fn, opt, X, y, rng=np.random.default_rng(0), transform=3)
    with pytest.raises(ValueError, match="fit: validation X has 4 rows but y has 3"):
        fit(net, loss_fn, opt, X, y, validation=(X, y[:3]))
    with pytest.raises(TypeError, match="fit: validation expected a pair"):
        fit(net, loss_fn, opt, X, y, validation=X)
    with pytest.raises(ValueError, match="fit: X has 4 rows but y has 3"):
        fit(net, loss_fn, opt, X, y[:3])
    with pytest.raises(TypeError, match="fit: epochs expected an integer"):
        fit(net, loss_fn, opt, X, y, epochs=2.5)


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


def test_a_child_put_in_eval_mode_at_train_begin_stays_there_through_fit():
    """Validation (predict) restores each submodule's mode, and fit sets train() only once,
    so a BatchNorm kept in eval mode by a callback keeps its running statistics."""
    X_train, X_val, y_train, y_val = _spiral_problem()
    model = _bn_model()

    class FreezeBatchNorm(Callback):
        def on_train_begin(self, model):
            model[1].eval()

        def on_epoch_end(self, epoch, history, model):
            assert model.training and not model[1].training
            return False

    before = model[1].running_mean.copy()
    fit(
        model,
        SoftmaxCrossEntropy(),
        Adam(model.parameters(), lr=0.01),
        X_train,
        y_train,
        epochs=3,
        batch_size=15,
        rng=np.random.default_rng(0),
        validation=(X_val, y_val),
        callbacks=[FreezeBatchNorm()],
    )
    assert np.array_equal(model[1].running_mean, before)
    plain = _bn_model()
    fit(
        plain,
        SoftmaxCrossEntropy(),
        Adam(plain.parameters(), lr=0.01),
        X_train,
        y_train,
        epochs=1,
        batch_size=15,
        rng=np.random.default_rng(0),
    )
    assert not np.array_equal(plain[1].running_mean, before)  # without it they move


@pytest.mark.parametrize(
    "make",
    [
        lambda opt, lib: lib.StepLR(opt, step_size=3, gamma=0.5),
        lambda opt, lib: lib.CosineAnnealingLR(opt, T_max=8, eta_min=0.01),
        lambda opt, lib: lib.LinearLR(opt, start_factor=0.25, total_iters=4),
    ],
    ids=["StepLR", "CosineAnnealingLR", "LinearLR"],
)
def test_fit_records_the_rates_of_torchs_schedulers_epoch_by_epoch(make):
    """fit steps a scheduler once per epoch, so History["lr"] is torch's per-epoch rate."""
    torch = pytest.importorskip("torch")
    import nnfs.optim

    X, y, _, _ = make_linear(n=32, seed=0)
    model = Dense(2, 1, rng=np.random.default_rng(0))
    optimizer = SGD(model.parameters(), lr=0.2)
    hist = fit(
        model,
        MSE(),
        optimizer,
        X,
        y,
        epochs=8,
        batch_size=8,
        metrics={},
        scheduler=make(optimizer, nnfs.optim),
    )
    reference = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.2)
    schedule = make(reference, torch.optim.lr_scheduler)
    rates = []
    for _ in range(8):
        rates.append(reference.param_groups[0]["lr"])
        reference.step()
        schedule.step()
    np.testing.assert_allclose(hist["lr"], rates, rtol=1e-12)
