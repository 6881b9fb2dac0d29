"""nnfs.losses: known values, gradient checks, the fused gradients, stability, dtypes, shapes."""

import numpy as np
import pytest

from nnfs import Softmax
from nnfs import functional as F
from nnfs.gradcheck import check_loss
from nnfs.losses import (
    MSE,
    BinaryCrossEntropy,
    BinaryCrossEntropyWithLogits,
    CategoricalCrossEntropy,
    SoftmaxCrossEntropy,
)
from tests.conftest import GRAD_TOL


def labels_and_one_hot(rng, n=6, c=4):
    y = rng.integers(0, c, size=n)
    return y, np.eye(c)[y]


# ---- known values ---


def test_mse_known_value():
    pred, target = np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([[1.0, 0.0], [0.0, 4.0]])
    assert MSE()(pred, target) == pytest.approx((0 + 4 + 9 + 0) / 4)


def test_bce_of_one_half_is_log_2_whatever_the_target():
    p = np.full((3, 2), 0.5)
    assert BinaryCrossEntropy()(p, np.array([[0, 1], [1, 0], [1, 1]])) == pytest.approx(np.log(2))


def test_bce_known_value():
    p, y = np.array([0.9, 0.2]), np.array([1.0, 0.0])
    expected = -(np.log(0.9) + np.log(0.8)) / 2
    assert BinaryCrossEntropy()(p, y) == pytest.approx(expected, rel=1e-14)


def test_cross_entropies_of_a_uniform_guess_are_log_C(rng):
    y, _ = labels_and_one_hot(rng, n=5, c=7)
    assert CategoricalCrossEntropy()(np.full((5, 7), 1 / 7), y) == pytest.approx(np.log(7))
    assert SoftmaxCrossEntropy()(rng.standard_normal((5, 1)) * np.ones((5, 7)), y) == (
        pytest.approx(np.log(7))
    )


def test_cce_reads_only_the_probability_of_the_true_class():
    p = np.array([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8]])
    expected = -(np.log(0.7) + np.log(0.8)) / 2
    assert CategoricalCrossEntropy()(p, np.array([0, 2])) == pytest.approx(expected, rel=1e-14)


def test_losses_return_python_floats_and_are_callable(rng):
    pred = rng.uniform(0.1, 0.9, size=(4, 3))
    y, one_hot = labels_and_one_hot(rng, n=4, c=3)
    for loss, target in [
        (MSE(), one_hot),
        (BinaryCrossEntropy(), one_hot),
        (BinaryCrossEntropyWithLogits(), one_hot),
        (CategoricalCrossEntropy(), y),
        (SoftmaxCrossEntropy(), y),
    ]:
        value = loss(pred, target)
        assert type(value) is float and value == loss.forward(pred, target)


def test_mean_reduction_does_not_depend_on_batch_size(rng):
    z = rng.standard_normal((4, 3))
    y, _ = labels_and_one_hot(rng, n=4, c=3)
    twice = SoftmaxCrossEntropy()(np.concatenate([z, z]), np.concatenate([y, y]))
    assert twice == pytest.approx(SoftmaxCrossEntropy()(z, y), rel=1e-14)
    p, t = rng.uniform(size=(4, 3)), rng.uniform(size=(4, 3))
    assert MSE()(np.concatenate([p, p]), np.concatenate([t, t])) == pytest.approx(MSE()(p, t))


# ---- gradients against central differences ---


def test_mse_gradient_check(rng):
    assert check_loss(MSE(), rng.standard_normal((5, 3)), rng.standard_normal((5, 3))) < GRAD_TOL
    assert check_loss(MSE(), rng.standard_normal(7), rng.standard_normal(7)) < GRAD_TOL


def test_bce_gradient_check(rng):
    p = rng.uniform(0.05, 0.95, size=(6, 2))
    assert check_loss(BinaryCrossEntropy(), p, rng.integers(0, 2, size=(6, 2))) < GRAD_TOL
    soft_targets = rng.uniform(size=(6, 2))  # BCE also accepts targets between 0 and 1
    assert check_loss(BinaryCrossEntropy(), p, soft_targets) < GRAD_TOL


def test_bce_with_logits_gradient_check(rng):
    z = rng.standard_normal((6, 2)) * 3
    target = rng.integers(0, 2, size=(6, 2)).astype(float)
    assert check_loss(BinaryCrossEntropyWithLogits(), z, target) < GRAD_TOL


@pytest.mark.parametrize("target_kind", ["labels", "one_hot"])
def test_cce_gradient_check(target_kind, rng):
    p = F.softmax(rng.standard_normal((6, 4)))
    y, one_hot = labels_and_one_hot(rng)
    target = y if target_kind == "labels" else one_hot
    assert check_loss(CategoricalCrossEntropy(), p, target) < GRAD_TOL


def test_cce_gradient_check_at_small_probabilities(rng):
    # -log p has third derivative -2/p^3: the central difference's relative error is about
    # eps^2 / (3 p^2), 1.5e-5 at p = 1.5e-4 with eps = 1e-6. A smaller step restores the check.
    p = np.array([[1.5e-4, 0.3, 0.6998500], [0.002, 0.898, 0.1]])
    labels = np.array([0, 0])
    assert check_loss(CategoricalCrossEntropy(), p, labels, eps=1e-6) > GRAD_TOL
    assert check_loss(CategoricalCrossEntropy(), p, labels, eps=1e-8) < GRAD_TOL


@pytest.mark.parametrize("target_kind", ["labels", "one_hot", "soft"])
def test_softmax_cross_entropy_gradient_check(target_kind, rng):
    z = rng.standard_normal((6, 4)) * 2
    y, one_hot = labels_and_one_hot(rng)
    target = {"labels": y, "one_hot": one_hot, "soft": F.softmax(rng.standard_normal((6, 4)))}
    assert check_loss(SoftmaxCrossEntropy(), z, target[target_kind]) < GRAD_TOL


# ---- the fused losses ---


def test_labels_and_one_hot_targets_give_the_same_loss_and_gradient(rng):
    z = rng.standard_normal((6, 4))
    y, one_hot = labels_and_one_hot(rng)
    for loss_type, pred in [(SoftmaxCrossEntropy, z), (CategoricalCrossEntropy, F.softmax(z))]:
        a, b = loss_type(), loss_type()
        assert a(pred, y) == b(pred, one_hot)
        np.testing.assert_array_equal(a.backward(), b.backward())


def test_softmax_cross_entropy_gradient_is_p_minus_y_over_n(rng):
    z = rng.standard_normal((6, 4))
    y, one_hot = labels_and_one_hot(rng)
    loss = SoftmaxCrossEntropy()
    loss(z, y)
    np.testing.assert_allclose(loss.backward(), (F.softmax(z) - one_hot) / 6, rtol=1e-14)


def test_fused_gradient_equals_the_chain_rule_through_softmax_and_cce(rng):
    z = rng.standard_normal((6, 4))
    y, _ = labels_and_one_hot(rng)
    softmax, cce, fused = Softmax(), CategoricalCrossEntropy(), SoftmaxCrossEntropy()
    assert cce(softmax(z), y) == pytest.approx(fused(z, y), rel=1e-13)
    np.testing.assert_allclose(softmax.backward(cce.backward()), fused.backward(), atol=1e-15)


def test_bce_with_logits_equals_bce_of_sigmoid_with_gradient_p_minus_y(rng):
    z = rng.standard_normal((5, 3)) * 3
    y = rng.integers(0, 2, size=(5, 3)).astype(float)
    fused = BinaryCrossEntropyWithLogits()
    assert fused(z, y) == pytest.approx(BinaryCrossEntropy()(F.sigmoid(z), y), rel=1e-12)
    np.testing.assert_allclose(fused.backward(), (F.sigmoid(z) - y) / y.size, rtol=1e-14)


# ---- stability (pytest turns any NumPy warning into an error) ---


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_softmax_cross_entropy_on_logits_of_1e4(dtype):
    z = np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 1e4], [0.0, 0.0, 0.0]], dtype=dtype)
    loss = SoftmaxCrossEntropy()
    value = loss(z, np.array([1, 2, 0]))
    grad = loss.backward()
    # row 0 misses by 2e4, row 1 splits its mass between two classes, row 2 is uniform
    assert value == pytest.approx((2e4 + np.log(2) + np.log(3)) / 3, rel=1e-6)
    assert np.all(np.isfinite(grad)) and grad.dtype == dtype
    np.testing.assert_allclose(grad[0], [1 / 3, -1 / 3, 0.0], atol=1e-7)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_bce_on_probabilities_of_exactly_0_and_1(dtype):
    p = np.array([0.0, 1.0, 0.0, 1.0], dtype=dtype)
    y = np.array([0.0, 1.0, 1.0, 0.0], dtype=dtype)
    loss = BinaryCrossEntropy()
    value = loss(p, y)
    grad = loss.backward()
    assert np.isfinite(value) and np.all(np.isfinite(grad)) and grad.dtype == dtype
    # confident and right costs (almost) nothing; confident and wrong costs -log(eps) each
    eps = max(1e-12, float(np.finfo(dtype).eps))
    assert value == pytest.approx(-2 * np.log(eps) / 4, rel=1e-3)
    assert grad[2] < 0 < grad[3]  # push p up where y = 1, down where y = 0


def test_cce_on_a_probability_of_exactly_0():
    loss = CategoricalCrossEntropy()
    value = loss(np.array([[0.0, 1.0], [1.0, 0.0]]), np.array([0, 0]))
    assert value == pytest.approx(-np.log(1e-12) / 2)
    assert np.all(np.isfinite(loss.backward()))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_bce_with_logits_on_logits_of_1e4(dtype):
    z = np.array([1e4, -1e4, 1e4, -1e4], dtype=dtype)
    loss = BinaryCrossEntropyWithLogits()
    value = loss(z, np.array([1.0, 0.0, 0.0, 1.0]))
    assert value == pytest.approx(2e4 / 4, rel=1e-6)  # two right (cost 0), two wrong by 1e4
    np.testing.assert_array_equal(loss.backward(), np.array([0, 0, 1, -1]) / 4)


# ---- dtypes ---

ALL_LOSSES = {
    "MSE": (MSE, "values"),
    "BinaryCrossEntropy": (BinaryCrossEntropy, "binary"),
    "BinaryCrossEntropyWithLogits": (BinaryCrossEntropyWithLogits, "binary"),
    "CategoricalCrossEntropy": (CategoricalCrossEntropy, "labels"),
    "SoftmaxCrossEntropy": (SoftmaxCrossEntropy, "labels"),
}


def make_target(kind, rng, shape):
    if kind == "values":
        return rng.standard_normal(shape)  # float64 on purpose: must not promote float32 pred
    if kind == "binary":
        return rng.integers(0, 2, size=shape).astype(np.float64)
    return rng.integers(0, shape[1], size=shape[0])


@pytest.mark.parametrize("name", ALL_LOSSES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_gradient_has_the_dtype_of_pred(name, dtype, rng):
    loss_type, kind = ALL_LOSSES[name]
    pred = F.softmax(rng.standard_normal((4, 3))).astype(dtype)
    loss = loss_type()
    loss(pred, make_target(kind, rng, (4, 3)))
    assert loss.backward().dtype == dtype


# ---- shapes ---


@pytest.mark.parametrize("name", ["MSE", "BinaryCrossEntropy", "BinaryCrossEntropyWithLogits"])
def test_elementwise_losses_refuse_to_broadcast(name):
    loss_type, _ = ALL_LOSSES[name]
    # (4, 1) against (4,) would broadcast to (4, 4) and average 16 wrong differences.
    with pytest.raises(ValueError, match=rf"{name}: target expected shape \(4, 1\).*got \(4,\)"):
        loss_type()(np.full((4, 1), 0.5), np.ones(4))


@pytest.mark.parametrize("name", ["CategoricalCrossEntropy", "SoftmaxCrossEntropy"])
def test_categorical_losses_check_shapes_and_labels(name):
    loss_type, _ = ALL_LOSSES[name]
    pred = np.full((4, 3), 1 / 3)
    with pytest.raises(ValueError, match=rf"{name}: pred expected shape \(N, C\), got \(3,\)"):
        loss_type()(np.full(3, 1 / 3), np.array([0]))
    with pytest.raises(
        ValueError, match=rf"{name}: target expected shape \(4,\) or \(4, 3\), got \(4, 2\)"
    ):
        loss_type()(pred, np.zeros((4, 2)))
    with pytest.raises(
        ValueError, match=rf"{name}: labels must lie in \[0, 3\), got range \[0, 3\]"
    ):
        loss_type()(pred, np.array([0, 1, 2, 3]))
    with pytest.raises(TypeError, match=rf"{name}: label targets of shape \(4,\) must be integers"):
        loss_type()(pred, np.array([0.0, 1.0, 2.0, 1.0]))


@pytest.mark.parametrize("name", ["CategoricalCrossEntropy", "SoftmaxCrossEntropy"])
def test_target_rows_must_be_distributions(name, rng):
    loss_type, _ = ALL_LOSSES[name]
    pred = np.full((2, 3), 1 / 3)
    multi_hot = np.array([[1.0, 1.0, 0.0], [0.0, 0.0, 1.0]])  # a BCE target, not a distribution
    with pytest.raises(ValueError, match=rf"{name}: each target row must sum to 1"):
        loss_type()(pred, multi_hot)
    smoothed = np.full((2, 3), 0.1 / 3) + 0.9 * np.eye(3)[[0, 2]]  # label smoothing sums to 1
    loss_type()(pred.astype(np.float32), smoothed.astype(np.float32))


# ---- domain, empty batches, call order, low precision ---


@pytest.mark.parametrize("name, cls", [("BinaryCrossEntropy", BinaryCrossEntropy)])
def test_bce_refuses_logits_instead_of_clipping_them_to_a_loss_near_zero(name, cls):
    logits = np.array([3.0, -2.0, 0.5])
    with pytest.raises(
        ValueError,
        match=rf"{name}: pred expected probabilities in \[0, 1\], got 2 values outside, "
        r"in -2 \.\. 3 \(logits\? use the loss on logits\)",
    ):
        cls()(logits, np.array([1.0, 0.0, 1.0]))


@pytest.mark.parametrize("cls", [BinaryCrossEntropy, BinaryCrossEntropyWithLogits])
def test_binary_losses_refuse_targets_outside_0_1(cls):
    pred = np.array([0.2, 0.7])
    with pytest.raises(ValueError, match=rf"{cls.__name__}: target expected probabilities in"):
        cls()(pred, np.array([1.0, 2.0]))
    with pytest.raises(ValueError, match=r"target expected probabilities .* in NaN"):
        cls()(pred, np.array([1.0, np.nan]))


def test_cce_refuses_logits_and_soft_targets_outside_0_1():
    with pytest.raises(ValueError, match=r"CategoricalCrossEntropy: pred expected probabilities"):
        CategoricalCrossEntropy()(np.array([[2.0, -1.0]]), np.array([0]))
    with pytest.raises(ValueError, match=r"SoftmaxCrossEntropy: target expected probabilities"):
        SoftmaxCrossEntropy()(np.zeros((1, 2)), np.array([[1.5, -0.5]]))


def test_a_nan_prediction_gives_a_nan_loss_not_an_error():
    """A diverged model must stay visible as NaN to the training loop."""
    assert np.isnan(BinaryCrossEntropy()(np.array([np.nan, 0.5]), np.array([1.0, 0.0])))


@pytest.mark.parametrize(
    "cls, pred, target",
    [
        (MSE, np.zeros((0, 3)), np.zeros((0, 3))),
        (BinaryCrossEntropy, np.zeros((0, 1)), np.zeros((0, 1))),
        (BinaryCrossEntropyWithLogits, np.zeros(0), np.zeros(0)),
        (CategoricalCrossEntropy, np.zeros((0, 3)), np.zeros(0, dtype=int)),
        (SoftmaxCrossEntropy, np.zeros((0, 3)), np.zeros((0, 3))),
    ],
)
def test_an_empty_batch_raises_instead_of_returning_nan(cls, pred, target):
    with pytest.raises(ValueError, match=rf"{cls.__name__}: expected a non-empty batch, got pred"):
        cls()(pred, target)


@pytest.mark.parametrize(
    "cls",
    [
        MSE,
        BinaryCrossEntropy,
        BinaryCrossEntropyWithLogits,
        CategoricalCrossEntropy,
        SoftmaxCrossEntropy,
    ],
)
def test_backward_before_forward_says_call_forward_first(cls):
    with pytest.raises(RuntimeError, match=rf"{cls.__name__}: backward called before forward"):
        cls().backward()


@pytest.mark.parametrize("dtype", [np.float16, np.float32])
def test_probability_losses_at_exactly_0_and_1_are_finite_in_low_precision(dtype):
    """CategoricalCrossEntropy's fixed 1e-12 used to be 0 in float16: log(0) and 1/0."""
    p = np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]], dtype=dtype)
    cce = CategoricalCrossEntropy()
    loss = cce(p, np.array([0, 0]))
    floor = max(1e-12, float(np.finfo(dtype).smallest_normal))
    assert loss == pytest.approx(-np.log(floor) / 2, rel=1e-3)
    grad = cce.backward()
    assert grad.dtype == dtype and np.all(np.isfinite(grad))
    bce = BinaryCrossEntropy()
    loss = bce(np.array([0.0, 1.0, 0.0, 1.0], dtype=dtype), np.array([1.0, 0.0, 0.0, 1.0]))
    margin = float(np.finfo(dtype).eps)
    assert loss == pytest.approx(-np.log(margin) / 2, rel=1e-2)
    grad = bce.backward()
    assert grad.dtype == dtype and np.all(np.isfinite(grad))


def test_clipping_margins_are_the_documented_ones():
    """CCE clips only from below, at max(eps, smallest normal); BCE at max(eps, machine eps)."""
    cce = CategoricalCrossEntropy()
    assert cce(np.array([[0.0, 1.0]]), np.array([0])) == pytest.approx(-np.log(1e-12))
    assert cce(np.array([[0.0, 1.0]], dtype=np.float32), np.array([0])) == pytest.approx(
        -np.log(np.float32(1e-12)), rel=1e-6
    )
    bce = BinaryCrossEntropy()
    assert bce(np.array([1.0], dtype=np.float32), np.array([0.0])) == pytest.approx(
        -np.log(np.finfo(np.float32).eps), rel=1e-6
    )


@pytest.mark.parametrize("cls", [BinaryCrossEntropy, CategoricalCrossEntropy])
@pytest.mark.parametrize("eps", [0.0, -1e-3, 1.0, "1e-7"])
def test_clipping_eps_is_checked_at_construction(cls, eps):
    with pytest.raises((TypeError, ValueError), match=rf"{cls.__name__}: eps expected"):
        cls(eps=eps)


def test_torch_bce_loss_clamps_each_log_term_at_minus_100_as_the_book_says():
    """binary-cross-entropy.md contrasts our clipping with PyTorch's clamp of log p at -100."""
    torch = pytest.importorskip("torch")
    loss = torch.nn.BCELoss()(torch.tensor([0.0, 1.0]), torch.tensor([1.0, 0.0]))
    assert loss.item() == pytest.approx(100.0)
