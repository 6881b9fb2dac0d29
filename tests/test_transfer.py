"""Freezing, optimizers that skip frozen parameters, and the transfer-learning helpers."""

import numpy as np
import pytest

from nnfs.apps.transfer import (
    TransferModel,
    convert_state_dict,
    extract_features,
    few_labels,
    fine_tune,
    grey_to_rgb,
    replace_head,
)
from nnfs.core import Parameter, Sequential
from nnfs.gradcheck import check_module
from nnfs.layers import Conv2D, Dense, Dropout, Flatten, ReLU
from nnfs.losses import SoftmaxCrossEntropy
from nnfs.optim import SGD, Adam, Momentum, RMSProp
from nnfs.training import fit
from tests.conftest import GRAD_TOL


def _backbone(rng, dtype=np.float64):
    return Sequential(
        Conv2D(1, 3, 3, rng=rng, dtype=dtype),
        ReLU(),
        Flatten(),
        Dense(12, 5, rng=rng, dtype=dtype),
        ReLU(),
    )


def _data(rng, n=24):
    return rng.random((n, 1, 4, 4)), rng.integers(0, 3, n)


def test_freeze_and_unfreeze_flag_every_parameter(rng):
    net = _backbone(rng)
    assert not any(p.frozen for p in net.parameters())
    assert net.freeze() is net and all(p.frozen for p in net.parameters())
    assert net.unfreeze() is net and not any(p.frozen for p in net.parameters())


@pytest.mark.parametrize(
    "make",
    [
        lambda ps: SGD(ps, lr=0.1),
        lambda ps: SGD(ps, lr=0.1, momentum=0.9, weight_decay=0.1),
        lambda ps: Momentum(ps, lr=0.1),
        lambda ps: RMSProp(ps, lr=0.1, weight_decay=0.1),
        lambda ps: Adam(ps, lr=0.1, weight_decay=0.1),
        lambda ps: Adam(ps, lr=0.1, weight_decay=0.1, decoupled=True),
    ],
    ids=["sgd", "sgd-momentum-wd", "momentum", "rmsprop", "adam", "adamw"],
)
def test_optimizers_skip_frozen_parameters_even_with_a_gradient(make, rng):
    frozen, free = Parameter(rng.standard_normal(4), frozen=True), Parameter(rng.standard_normal(4))
    before_frozen, before_free = frozen.data.copy(), free.data.copy()
    optimizer = make([frozen, free])
    for _ in range(3):
        frozen.grad[...] = free.grad[...] = 1.0  # a gradient that would move both
        optimizer.step()
    assert np.array_equal(frozen.data, before_frozen)  # bit for bit
    assert not np.array_equal(free.data, before_free)


def test_frozen_layers_do_no_weight_gradient_work(rng):
    net = _backbone(rng).freeze()
    x, _ = _data(rng)
    net.backward(np.ones_like(net(x)))
    assert all(not p.grad.any() for p in net.parameters())


def test_frozen_backbone_is_bitwise_unchanged_by_fine_tuning(rng):
    backbone = _backbone(rng)
    before = backbone.state_dict()
    model = replace_head(backbone, 5, 3, rng=rng)
    head_before = model.head.state_dict()
    X, y = _data(rng)
    fine_tune(model, X, y, epochs=5, lr=0.05, batch_size=8, rng=rng)
    for name, value in backbone.state_dict().items():
        assert np.array_equal(value, before[name]), name
    assert not np.array_equal(model.head.state_dict()["W"], head_before["W"])


def test_unfreezing_lets_the_backbone_move_in_phase_two(rng):
    backbone = _backbone(rng)
    before = backbone.state_dict()
    model = replace_head(backbone, 5, 3, rng=rng)
    X, y = _data(rng)
    history = fine_tune(model, X, y, epochs=2, unfreeze_epochs=3, batch_size=8, rng=rng)
    assert history["phase"] == [1.0, 1.0, 2.0, 2.0, 2.0] and len(history["loss"]) == 5
    assert not any(p.frozen for p in model.parameters())
    assert not np.array_equal(backbone.state_dict()["layers.0.W"], before["layers.0.W"])


def test_fine_tune_lowers_the_training_loss(rng):
    model = replace_head(_backbone(rng), 5, 3, rng=rng)
    X, y = _data(rng)
    history = fine_tune(model, X, y, epochs=30, lr=0.05, batch_size=24, rng=rng)
    assert history["loss"][-1] < history["loss"][0]


def test_transfer_model_gradients_match_numerical_when_unfrozen(rng):
    model = replace_head(_backbone(rng), 5, 3, rng=rng)
    errors = check_module(model, rng.random((2, 1, 4, 4)))
    assert max(errors.values()) < GRAD_TOL, errors


def test_frozen_backbone_skips_backward_and_runs_in_eval_mode(rng):
    backbone = Sequential(Flatten(), Dense(16, 6, rng=rng), Dropout(0.5, rng=rng))
    model = TransferModel(backbone.freeze(), Dense(6, 3, rng=rng)).train()
    x = rng.random((4, 1, 4, 4))
    out = model(x)
    assert not backbone.layers[2].training  # dropout off in a frozen feature extractor
    np.testing.assert_array_equal(out, model(x))  # hence deterministic
    assert model.backward(np.ones_like(out)) is None
    errors = check_module(model, x, check_inputs=False)
    assert set(errors) == {"head.W", "head.b"} and max(errors.values()) < GRAD_TOL


def test_convert_state_dict_renames_and_transposes_into_a_loadable_state(rng):
    ours = Sequential(Dense(4, 3, rng=rng), ReLU(), Dense(3, 2, rng=rng))
    theirs = {  # a torch-style checkpoint: Linear weights stored (out, in)
        "fc1.weight": rng.standard_normal((3, 4)),
        "fc1.bias": rng.standard_normal(3),
        "fc2.weight": rng.standard_normal((2, 3)),
        "fc2.bias": rng.standard_normal(2),
        "num_batches_tracked": np.array(7),
    }
    names = {"fc1.weight": "layers.0.W", "fc1.bias": "layers.0.b"}
    names |= {"fc2.weight": "layers.2.W", "fc2.bias": "layers.2.b"}
    state = convert_state_dict(theirs, names, transpose=("fc1.weight", "fc2.weight"))
    ours.load_state_dict(state)
    x = rng.standard_normal((5, 4))
    h = np.maximum(x @ theirs["fc1.weight"].T + theirs["fc1.bias"], 0)
    np.testing.assert_allclose(ours(x), h @ theirs["fc2.weight"].T + theirs["fc2.bias"])
    assert state["layers.0.W"].flags.c_contiguous


def test_convert_state_dict_reports_names_missing_from_the_checkpoint():
    with pytest.raises(ValueError, match="convert_state_dict"):
        convert_state_dict({"a": np.zeros(2)}, {"b": "W"})


def test_fine_tune_keeps_float32(rng):
    model = replace_head(_backbone(rng, np.float32), 5, 3, rng=rng, dtype=np.float32)
    X, y = _data(rng)
    fine_tune(model, X.astype(np.float32), y, epochs=1, unfreeze_epochs=1, batch_size=8, rng=rng)
    assert all(p.data.dtype == np.float32 for p in model.parameters())
    assert model(X.astype(np.float32)).dtype == np.float32
    assert SoftmaxCrossEntropy()(model(X.astype(np.float32)), y) > 0


@pytest.mark.slow
def test_fine_tuned_cnn_beats_scratch_on_few_labels():
    """The lab's experiment on one seed: pre-train on placed digits 0-4, 10 labels per class."""
    from nnfs.datasets import load_digits, place_randomly
    from nnfs.models import SmallCNN
    from nnfs.training import evaluate, fit

    digits, labels = load_digits(8, dtype=np.float32)
    images = place_randomly(digits, 12, seed=0)
    source = labels < 5
    X_source = np.concatenate(
        [images[source]] + [place_randomly(digits[source], 12, seed=s) for s in (1, 2)]
    )
    loss_fn = SoftmaxCrossEntropy()
    pre = SmallCNN(5, image_size=12, rng=np.random.default_rng(0), dtype=np.float32)
    fit(pre, loss_fn, Adam(pre.parameters(), lr=3e-3), X_source, np.tile(labels[source], 3),
        epochs=6, batch_size=64, rng=np.random.default_rng(1))  # fmt: skip
    target = np.flatnonzero(labels >= 5)
    rng = np.random.default_rng(100)
    train = np.concatenate(
        [rng.choice(target[labels[target] == c], 10, replace=False) for c in range(5, 10)]
    )
    test = np.setdiff1d(target, train)
    X, y, X_test, y_test = images[train], labels[train] - 5, images[test], labels[test] - 5

    model = replace_head(pre.features, 64, 5, rng=np.random.default_rng(0), dtype=np.float32)
    rng = np.random.default_rng(0)
    fine_tune(model, X, y, epochs=20, lr=1e-2, batch_size=10, rng=rng)
    fine_tune(model, X, y, epochs=0, unfreeze_epochs=30, unfreeze_lr=1e-3, batch_size=10, rng=rng)
    scratch = SmallCNN(5, image_size=12, rng=np.random.default_rng(0), dtype=np.float32)
    fit(scratch, loss_fn, Adam(scratch.parameters(), lr=3e-3), X, y, epochs=50, batch_size=10,
        rng=np.random.default_rng(0))  # fmt: skip
    tuned_acc = evaluate(model, loss_fn, X_test, y_test)[1]
    scratch_acc = evaluate(scratch, loss_fn, X_test, y_test)[1]
    assert tuned_acc > scratch_acc, (tuned_acc, scratch_acc)  # 0.624 vs 0.570 when written


def test_fine_tune_trains_the_head_on_cached_features_computed_once(rng):
    backbone = _backbone(rng)
    calls = []
    forward = backbone.forward

    def counting_forward(x):
        calls.append(len(x))
        return forward(x)

    backbone.forward = counting_forward
    model = replace_head(backbone, 5, 3, rng=rng)
    X, y = _data(rng, n=24)
    fine_tune(model, X, y, epochs=7, batch_size=8, rng=rng)
    assert sum(calls) == 24  # one pass over the data, not one per epoch


def test_cached_phase_one_equals_training_through_the_frozen_backbone():
    """The cache changes the cost, not the result: the same head as fit on the whole model."""
    data_rng = np.random.default_rng(0)
    X, y = _data(data_rng, n=16)
    heads = []
    for cached in (True, False):
        model = replace_head(_backbone(np.random.default_rng(1)), 5, 3,
                             rng=np.random.default_rng(2))  # fmt: skip
        if cached:
            fine_tune(model, X, y, epochs=3, lr=0.01, batch_size=4, rng=np.random.default_rng(3))
        else:
            model.backbone.freeze()
            fit(model, SoftmaxCrossEntropy(), Adam(model.parameters(), lr=0.01), X, y, epochs=3,
                batch_size=4, rng=np.random.default_rng(3))  # fmt: skip
        heads.append(model.head.W.data)
    np.testing.assert_allclose(heads[0], heads[1], rtol=1e-10, atol=1e-12)


def test_extract_features_batches_and_accepts_a_function(rng):
    backbone = _backbone(rng)
    X = rng.random((10, 1, 4, 4))
    np.testing.assert_allclose(extract_features(backbone, X, batch_size=3), backbone(X))
    np.testing.assert_array_equal(extract_features(lambda x: 2 * x, X, batch_size=4), 2 * X)
    with pytest.raises(ValueError, match="extract_features: batch_size expected an integer >= 1"):
        extract_features(backbone, X, batch_size=0)


def test_few_labels_draws_per_class_without_replacement(rng):
    y = np.repeat(np.arange(4), 10)
    idx = few_labels(y, 3, np.random.default_rng(0))
    assert len(idx) == 12 and len(set(idx)) == 12
    assert np.array_equal(np.bincount(y[idx]), [3, 3, 3, 3])
    pool = np.arange(0, 40, 2)
    assert set(few_labels(y, 2, np.random.default_rng(0), pool=pool)) <= set(pool)
    with pytest.raises(ValueError, match="few_labels: per_class expected at most 5"):
        few_labels(y, 6, np.random.default_rng(0), pool=pool)


def test_grey_to_rgb_resizes_and_copies_the_grey_value(rng):
    images = rng.random((2, 1, 28, 28)).astype(np.float32)
    rgb = grey_to_rgb(images, 32)
    assert rgb.shape == (2, 32, 32, 3) and rgb.dtype == np.float32
    assert np.array_equal(rgb[..., 0], rgb[..., 2]) and 0 <= rgb.min() and rgb.max() <= 255
    np.testing.assert_allclose(grey_to_rgb(images, 28)[..., 1], images[:, 0] * 255, rtol=1e-5)


def test_a_parameter_unfrozen_later_starts_adam_at_step_one_as_in_torch(rng):
    """The transfer page's pitfall: an optimizer built over every parameter can be kept across
    unfreezing. Adam counts steps per parameter from its first update, in nnfs and in torch, so
    a parameter frozen for 5 steps takes the bias-corrected first step of a fresh Adam."""
    torch = pytest.importorskip("torch", reason="PyTorch is not installed; parity test skipped")
    start, grad = rng.standard_normal(4), rng.standard_normal(4)
    later, other = Parameter(start.copy(), frozen=True), Parameter(np.ones(4))
    optimizer = Adam([later, other], lr=0.1)
    t_later = torch.tensor(start, requires_grad=False)
    t_other = torch.ones(4, dtype=torch.float64, requires_grad=True)
    t_optimizer = torch.optim.Adam([t_later, t_other], lr=0.1)
    for _ in range(5):
        other.grad[...] = 1.0
        t_other.grad = torch.ones(4, dtype=torch.float64)
        optimizer.step()
        t_optimizer.step()
    assert np.array_equal(later.data, start) and t_later.grad is None
    later.frozen = False
    t_later.requires_grad_(True)
    later.grad[...] = grad
    t_later.grad = torch.from_numpy(grad.copy())
    optimizer.step()
    t_optimizer.step()
    assert optimizer.state[id(later)]["step"] == 1 == int(t_optimizer.state[t_later]["step"])
    fresh = Parameter(start.copy())
    fresh.grad[...] = grad
    Adam([fresh], lr=0.1).step()
    np.testing.assert_allclose(later.data, fresh.data, rtol=0, atol=1e-15)
    np.testing.assert_allclose(later.data, t_later.detach().numpy(), rtol=0, atol=1e-12)


def test_a_torch_state_dict_exported_with_numpy_loads_into_small_cnn(rng, tmp_path):
    """The chapter overview's export: torch.save, torch.load(weights_only=True), np.savez, then
    convert_state_dict. Linear weights are (out, in) in torch and transposed; Conv2d weights are
    (out, in, kh, kw) in both; a BatchNorm's num_batches_tracked is in the state and unused."""
    torch = pytest.importorskip("torch", reason="PyTorch is not installed; parity test skipped")
    from nnfs import serialization
    from nnfs.models import SmallCNN

    nn = torch.nn
    torch.manual_seed(0)
    theirs = nn.Sequential()
    theirs.conv1, theirs.relu1, theirs.pool1 = (
        nn.Conv2d(1, 4, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
    )
    theirs.conv2, theirs.relu2, theirs.pool2 = (
        nn.Conv2d(4, 8, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
    )
    theirs.bn = nn.BatchNorm1d(8)  # unused in the forward below; only its counters matter
    theirs.flatten, theirs.fc, theirs.relu3 = nn.Flatten(), nn.Linear(8 * 2 * 2, 16), nn.ReLU()
    theirs.classifier = nn.Linear(16, 5)
    theirs = theirs.float()  # float32 whatever torch's default dtype (other tests set float64)
    checkpoint = tmp_path / "checkpoint.pt"
    torch.save(theirs.state_dict(), checkpoint)
    state = torch.load(checkpoint, map_location="cpu", weights_only=True)
    assert "bn.num_batches_tracked" in state and state["fc.weight"].shape == (16, 32)
    np.savez(tmp_path / "checkpoint.npz", **{name: t.numpy() for name, t in state.items()})

    names = {
        "conv1.weight": "features.layers.0.W", "conv1.bias": "features.layers.0.b",
        "conv2.weight": "features.layers.3.W", "conv2.bias": "features.layers.3.b",
        "fc.weight": "features.layers.7.W", "fc.bias": "features.layers.7.b",
        "classifier.weight": "head.W", "classifier.bias": "head.b",
    }  # fmt: skip
    converted = convert_state_dict(serialization.load_state(tmp_path / "checkpoint.npz"), names,
                                   transpose=("fc.weight", "classifier.weight"))  # fmt: skip
    model = SmallCNN(5, channels=(4, 8), hidden=16, rng=rng, dtype=np.float32)
    model.load_state_dict(converted)
    x = rng.random((3, 1, 8, 8)).astype(np.float32)
    with torch.no_grad():
        x_t = torch.from_numpy(x)
        for name in ("conv1", "relu1", "pool1", "conv2", "relu2", "pool2", "flatten", "fc",
                     "relu3", "classifier"):  # fmt: skip
            x_t = getattr(theirs, name)(x_t)
    np.testing.assert_allclose(model(x), x_t.numpy(), rtol=1e-5, atol=1e-6)
