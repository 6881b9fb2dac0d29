"""Upsample2D, Concat (nnfs/layers/upsample.py), UNet and mean_iou (nnfs/models/unet.py),
and the synthetic segmentation data they train on (nnfs.datasets.make_shapes_segmentation)."""

import numpy as np
import pytest

from nnfs.datasets import SHAPE_CLASSES, make_shapes_segmentation
from nnfs.gradcheck import check_module
from nnfs.layers.upsample import Concat, Upsample2D
from nnfs.models import UNet
from nnfs.models.unet import mean_iou
from tests.conftest import GRAD_TOL


def _assert_grads_ok(errors: dict[str, float]) -> None:
    bad = {name: err for name, err in errors.items() if err > GRAD_TOL}
    assert not bad, f"gradient check failed: {bad}"


# --- Upsample2D ---------------------------------------------------------------------------


def test_upsample_copies_each_pixel_into_a_block():
    x = np.arange(4.0).reshape(1, 1, 2, 2)
    y = Upsample2D(2)(x)
    expected = [[0, 0, 1, 1], [0, 0, 1, 1], [2, 2, 3, 3], [2, 2, 3, 3]]
    np.testing.assert_array_equal(y[0, 0], expected)
    np.testing.assert_array_equal(Upsample2D(3)(x)[0, 0], np.kron(x[0, 0], np.ones((3, 3))))


def test_upsample_backward_sums_each_block():
    layer = Upsample2D(2)
    layer(np.zeros((1, 1, 2, 2)))
    grad = np.arange(16.0).reshape(1, 1, 4, 4)
    np.testing.assert_array_equal(layer.backward(grad)[0, 0], [[10, 18], [42, 50]])


@pytest.mark.parametrize("scale", [2, 3])
def test_upsample_gradcheck(rng, scale):
    _assert_grads_ok(check_module(Upsample2D(scale), rng.standard_normal((2, 3, 3, 2))))


def test_upsample_keeps_dtype_and_rejects_bad_input(rng):
    x = rng.standard_normal((1, 2, 3, 3)).astype(np.float32)
    assert Upsample2D(2)(x).dtype == np.float32
    with pytest.raises(ValueError, match=r"Upsample2D: input expected shape \(\*, \*, \*, \*\)"):
        Upsample2D(2)(rng.standard_normal((3, 3)))
    with pytest.raises(TypeError, match="Upsample2D: scale expected an integer, got 1.5"):
        Upsample2D(1.5)
    with pytest.raises(ValueError, match="Upsample2D: scale expected an integer >= 1, got 0"):
        Upsample2D(0)


# --- Concat -------------------------------------------------------------------------------


def test_concat_joins_channels_and_splits_gradient(rng):
    a, b = rng.standard_normal((2, 3, 4, 4)), rng.standard_normal((2, 5, 4, 4))
    cat = Concat()
    y = cat(a, b)
    assert y.shape == (2, 8, 4, 4)
    np.testing.assert_array_equal(y[:, :3], a)
    grad_a, grad_b = cat.backward(np.arange(y.size, dtype=float).reshape(y.shape))
    assert grad_a.shape == a.shape and grad_b.shape == b.shape


def test_concat_gradcheck_three_inputs(rng):
    xs = [rng.standard_normal((2, c, 3, 3)) for c in (1, 2, 3)]
    _assert_grads_ok(check_module(Concat(axis=1), *xs))


def test_concat_rejects_mismatched_shapes(rng):
    with pytest.raises(ValueError, match="Concat: inputs must match except along axis 1"):
        Concat()(rng.standard_normal((2, 3, 4, 4)), rng.standard_normal((2, 3, 5, 4)))
    with pytest.raises(ValueError, match="Concat: expected at least 2 inputs"):
        Concat()(rng.standard_normal((2, 3)))


# --- UNet ---------------------------------------------------------------------------------


def _unet(rng, depth=2, base=1, classes=2, dtype=np.float64):
    net = UNet(1, classes, base_channels=base, depth=depth, rng=rng, dtype=dtype)
    # Positive biases: with zero biases a ReLU input can be exactly 0 (a zero-padded window
    # of a dead channel), a kink where central differences are meaningless.
    for name, p in net.named_parameters():
        if name.endswith(".b"):
            p.data[...] = rng.uniform(0.05, 0.2, p.shape)
    return net


def test_unet_output_shape_and_widths(rng):
    net = UNet(3, 4, base_channels=4, depth=3, rng=rng)
    assert net.widths == [4, 8, 16, 32]
    assert net(rng.standard_normal((2, 3, 16, 8))).shape == (2, 4, 16, 8)


def test_unet_gradcheck_input_and_one_conv_per_level(rng):
    """dx covers the whole graph (both paths of every skip); a few weights suffice on top."""
    net = _unet(rng)
    net.freeze()
    for module in (net.encoder[0][0], net.decoder[1][0], net.head):
        module.unfreeze()
    x = rng.standard_normal((1, 1, 4, 4))
    _assert_grads_ok(check_module(net, x))


@pytest.mark.slow
def test_unet_gradcheck_every_parameter(rng):
    net = _unet(rng, depth=1)
    _assert_grads_ok(check_module(net, rng.standard_normal((1, 1, 4, 4))))


def test_unet_skip_gradient_reaches_encoder(rng):
    """With the decoder cut off from the bottleneck, the encoder still gets a gradient: the
    skip connection carries it."""
    net = _unet(rng, depth=1)
    for p in net.bottleneck.parameters():
        p.data[...] = 0.0
    net(rng.standard_normal((1, 1, 4, 4)))
    net.zero_grad()
    net.backward(np.ones((1, 2, 4, 4)))
    assert np.all(net.bottleneck[0].W.grad == 0)
    assert np.any(net.encoder[0][0].W.grad != 0)


def test_unet_keeps_float32(rng):
    net = _unet(rng, dtype=np.float32)
    x = rng.standard_normal((2, 1, 8, 8)).astype(np.float32)
    y = net(x)
    dx = net.backward(np.ones_like(y))
    assert y.dtype == dx.dtype == np.float32
    assert all(p.grad.dtype == np.float32 for p in net.parameters())


def test_unet_rejects_sizes_not_divisible_by_two_to_the_depth(rng):
    with pytest.raises(ValueError, match=r"UNet: input expected .*divisible by 4.*\(1, 1, 6, 8\)"):
        _unet(rng)(rng.standard_normal((1, 1, 6, 8)))
    with pytest.raises(ValueError, match="UNet"):
        _unet(rng)(rng.standard_normal((1, 2, 8, 8)))


# --- mean IoU and the data ------------------------------------------------------------------


def test_mean_iou_known_values():
    target = np.array([[0, 0, 1, 1]])
    assert mean_iou(target, target, 2) == 1.0
    pred = np.array([[0, 1, 1, 1]])
    # class 0: 1 / 2; class 1: 2 / 3; class 2 absent from both: left out.
    assert mean_iou(pred, target, 3) == pytest.approx((1 / 2 + 2 / 3) / 2)


def test_mean_iou_rejects_bad_labels_with_clear_errors():
    target = np.array([[0, 1, 1]])
    with pytest.raises(ValueError, match=r"mean_iou: pred expected labels in \[0, 2\)"):
        mean_iou(np.array([[0, 2, 1]]), target, 2)  # no class would count: mean of nothing
    with pytest.raises(ValueError, match="same non-empty shape"):
        mean_iou(target[:, :2], target, 2)
    with pytest.raises(ValueError, match="same non-empty shape"):
        mean_iou(np.zeros((0,), dtype=int), np.zeros((0,), dtype=int), 2)
    with pytest.raises(TypeError, match="integer labels"):
        mean_iou(target.astype(float), target, 2)


def test_shapes_segmentation_is_seeded_and_labelled():
    X, Y = make_shapes_segmentation(20, size=16, seed=3)
    X2, Y2 = make_shapes_segmentation(20, size=16, seed=3)
    assert X.shape == (20, 1, 16, 16) and Y.shape == (20, 16, 16) and Y.dtype == np.int64
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(Y, Y2)
    assert set(np.unique(Y)) == set(range(len(SHAPE_CLASSES)))
    assert np.all((Y > 0).reshape(20, -1).any(axis=1))  # every image has a shape
    # Shapes are brighter than their surroundings on average, but noise blurs single pixels.
    assert X[:, 0][Y > 0].mean() > X[:, 0][Y == 0].mean() + 0.4


# --- robustness -----------------------------------------------------------------------------


@pytest.mark.parametrize("scale", [1, 2])
def test_upsample_returns_a_writable_copy(rng, scale):
    """Upsample2D(1) used to return a read-only view of its input."""
    x = rng.standard_normal((1, 2, 3, 3))
    y = Upsample2D(scale)(x)
    assert y.flags.writeable and not np.shares_memory(x, y)
    y[...] = 0.0
    assert np.all(x != 0)


def test_upsample_backward_checks_grad_out_against_its_forward(rng):
    up = Upsample2D(2)
    up(rng.standard_normal((1, 2, 3, 3)))
    with pytest.raises(
        ValueError, match=r"Upsample2D: grad_out expected shape \(1, 2, 6, 6\), got"
    ):
        up.backward(np.ones((1, 2, 4, 8)))  # divisible by 2, the wrong size all the same


def test_concat_backward_checks_grad_out_against_its_forward(rng):
    concat = Concat()
    concat(np.ones((1, 2, 3, 3)), np.ones((1, 3, 3, 3)))
    with pytest.raises(ValueError, match=r"Concat: grad_out expected shape \(1, 5, 3, 3\), got"):
        concat.backward(np.ones((1, 6, 3, 3)))


def test_unet_backward_checks_grad_out_and_call_order(rng):
    net = _unet(rng)
    with pytest.raises(RuntimeError, match="UNet: backward called before forward"):
        net.backward(np.ones((1, 2, 8, 8)))
    y = net(rng.standard_normal((1, 1, 8, 8)))
    expected = r"UNet: grad_out expected shape \(1, 2, 8, 8\), got \(1, 2, 8, 4\)"
    with pytest.raises(ValueError, match=expected):
        net.backward(np.ones((1, 2, 8, 4)))
    assert net.backward(np.ones_like(y)).shape == (1, 1, 8, 8)
