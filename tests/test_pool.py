"""MaxPool2D: known values, floor output size, argmax routing (ties included), gradient checks."""

import numpy as np
import pytest

from nnfs.gradcheck import check_module
from nnfs.layers.pool import MaxPool2D
from tests.conftest import GRAD_TOL


def distinct_values(rng, shape):
    """An input without ties (a shuffled arange), so the max of each window is unique and the
    function is differentiable at the point the gradient check probes."""
    return rng.permutation(np.prod(shape)).reshape(shape).astype(np.float64) / 10.0


def test_maxpool_known_values():
    x = np.array([[1, 5, 2, 0], [3, 4, 8, 7], [0, 1, 2, 3], [9, 2, 6, 4]], dtype=float)
    y = MaxPool2D(2)(x[None, None])
    np.testing.assert_array_equal(y[0, 0], [[5, 8], [9, 6]])


def test_maxpool_backward_routes_each_gradient_to_its_argmax():
    x = np.array([[1, 5, 2, 0], [3, 4, 8, 7], [0, 1, 2, 3], [9, 2, 6, 4]], dtype=float)
    pool = MaxPool2D(2)
    pool(x[None, None])
    grad_x = pool.backward(np.array([[[[10.0, 20.0], [30.0, 40.0]]]]))
    expected = np.zeros((4, 4))
    expected[0, 1], expected[1, 2], expected[3, 0], expected[3, 2] = 10, 20, 30, 40
    np.testing.assert_array_equal(grad_x[0, 0], expected)


def test_tied_maximum_sends_the_gradient_to_the_first_element_only():
    pool = MaxPool2D(2)
    pool(np.full((1, 1, 2, 2), 3.0))
    grad_x = pool.backward(np.ones((1, 1, 1, 1)))
    np.testing.assert_array_equal(grad_x[0, 0], [[1, 0], [0, 0]])


def test_output_size_uses_floor_and_ignores_leftover_rows(rng):
    x = distinct_values(rng, (2, 3, 5, 7))
    pool = MaxPool2D(2)
    y = pool(x)
    assert y.shape == (2, 3, 2, 3)
    grad_x = pool.backward(np.ones_like(y))
    assert not grad_x[:, :, 4, :].any() and not grad_x[:, :, :, 6].any()
    assert grad_x.sum() == y.size  # every window sends exactly one unit back


@pytest.mark.parametrize(
    "kernel, stride, hw",
    [
        (2, None, (6, 6)),
        (2, None, (5, 7)),
        (3, 2, (7, 8)),
        (3, 1, (5, 5)),
        ((2, 3), (1, 2), (6, 7)),
    ],
)
def test_maxpool_gradient_matches_numerical(rng, kernel, stride, hw):
    pool = MaxPool2D(kernel, stride)
    errors = check_module(pool, distinct_values(rng, (2, 3, *hw)))
    assert errors["input0"] < GRAD_TOL, errors


def test_overlapping_windows_add_the_gradients_of_a_shared_maximum():
    x = np.zeros((1, 1, 3, 3))
    x[0, 0, 1, 1] = 1.0  # the centre is the maximum of all four 2x2 windows (stride 1)
    pool = MaxPool2D(2, stride=1)
    pool(x)
    grad_x = pool.backward(np.ones((1, 1, 2, 2)))
    assert grad_x[0, 0, 1, 1] == 4 and grad_x.sum() == 4


def test_maxpool_keeps_dtype_and_does_not_mutate_grad_out(rng):
    x = distinct_values(rng, (2, 2, 4, 4)).astype(np.float32)
    pool = MaxPool2D(2)
    y = pool(x)
    g = np.ones_like(y)
    grad_x = pool.backward(g)
    assert y.dtype == grad_x.dtype == np.float32
    np.testing.assert_array_equal(g, 1)


def test_maxpool_rejects_wrong_rank_and_too_small_input():
    with pytest.raises(ValueError, match=r"MaxPool2D: input expected shape \(\*, \*, \*, \*\)"):
        MaxPool2D(2)(np.zeros((4, 4)))
    with pytest.raises(ValueError, match="MaxPool2D: input expected height >= 3"):
        MaxPool2D(3)(np.zeros((1, 1, 2, 5)))
    with pytest.raises(ValueError, match="MaxPool2D: stride"):
        MaxPool2D(2, stride=0)
    pool = MaxPool2D(2)
    pool(np.zeros((1, 2, 4, 4)))
    with pytest.raises(ValueError, match=r"MaxPool2D: grad_out expected shape \(1, 2, 2, 2\)"):
        pool.backward(np.zeros((1, 2, 4, 4)))


# ---------------------------------------------------------------- NaN


def _nan_image():
    nan = np.nan
    return np.array(
        [[[[1.0, nan, 3.0, nan], [5.0, 2.0, nan, 0.0], [nan, 1.0, 2.0, 3.0], [4.0, 5.0, 6.0, 7.0]]]]
    )


def test_a_window_holding_nan_outputs_nan_and_sends_its_gradient_to_its_last_nan():
    pool = MaxPool2D(2)
    y = pool(_nan_image())
    assert np.isnan(y[0, 0, 0, 0]) and np.isnan(y[0, 0, 0, 1]) and np.isnan(y[0, 0, 1, 0])
    assert y[0, 0, 1, 1] == 7.0
    grad = pool.backward(np.ones_like(y))
    expected = np.zeros((1, 1, 4, 4))
    expected[0, 0, 0, 1] = 1  # the only NaN of the first window
    expected[0, 0, 1, 2] = 1  # the later of the two NaNs of the second window
    expected[0, 0, 2, 0] = 1
    expected[0, 0, 3, 3] = 1
    np.testing.assert_array_equal(grad, expected)


@pytest.mark.parametrize("kernel, stride", [(2, 2), (2, 1), (3, 1), ((2, 3), (1, 2))])
def test_nan_routing_matches_torch(rng, kernel, stride):
    torch = pytest.importorskip("torch")
    x = rng.standard_normal((2, 3, 7, 8))
    x[rng.random(x.shape) < 0.1] = np.nan
    x[0, 0, :2, :2] = 5.0  # a tie next to the NaNs
    pool = MaxPool2D(kernel, stride)
    y = pool(x)
    g = rng.standard_normal(y.shape)
    ours = pool.backward(g)
    xt = torch.tensor(x, requires_grad=True)
    yt = torch.nn.functional.max_pool2d(xt, kernel, stride)
    yt.backward(torch.tensor(g))
    np.testing.assert_array_equal(np.isnan(y), torch.isnan(yt).detach().numpy())
    np.testing.assert_allclose(ours, xt.grad.numpy(), rtol=1e-12, atol=1e-12)
