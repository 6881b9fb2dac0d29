"""im2col / col2im identities, Conv2D against a direct nested-loop convolution, gradient checks."""

import numpy as np
import pytest

from nnfs.gradcheck import check_module
from nnfs.layers.conv import Conv2D, col2im, conv_output_size, im2col
from tests.conftest import GRAD_TOL

# (in_channels, out_channels, input (H, W), kernel, stride, padding): square and non-square.
CONFIGS = [
    (1, 2, (5, 5), 3, 1, 0),
    (2, 3, (6, 5), 3, 1, 1),
    (2, 3, (7, 7), 3, 2, 0),
    (3, 2, (6, 8), (2, 3), 2, 1),
    (2, 2, (5, 7), (3, 2), (1, 2), (0, 1)),
    (1, 1, (4, 4), 1, 1, 0),
]


def direct_conv(x, W, b, stride, padding):
    """The definition, one output element at a time: y[n,o,p,q] = b[o] + sum x_pad * W."""
    (sh, sw), (ph, pw) = stride, padding
    n, c, h, w = x.shape
    o, _, kh, kw = W.shape
    x_pad = np.zeros((n, c, h + 2 * ph, w + 2 * pw))
    x_pad[:, :, ph : ph + h, pw : pw + w] = x
    oh, ow = (h + 2 * ph - kh) // sh + 1, (w + 2 * pw - kw) // sw + 1
    y = np.zeros((n, o, oh, ow))
    for i in range(n):
        for k in range(o):
            for p in range(oh):
                for q in range(ow):
                    patch = x_pad[i, :, p * sh : p * sh + kh, q * sw : q * sw + kw]
                    y[i, k, p, q] = b[k] + np.sum(patch * W[k])
    return y


def as_pair(v):
    return (v, v) if isinstance(v, int) else v


def test_im2col_known_values_of_a_3x3_image():
    x = np.arange(9.0).reshape(1, 1, 3, 3)
    cols = im2col(x, (2, 2))
    # Column p is the 2x2 patch under output p, read row by row.
    expected = np.array([[0, 1, 3, 4], [1, 2, 4, 5], [3, 4, 6, 7], [4, 5, 7, 8]]).T
    np.testing.assert_array_equal(cols, expected)


def test_im2col_columns_are_the_patches_with_stride_and_padding(rng):
    x = rng.standard_normal((2, 3, 5, 6))
    cols = im2col(x, (3, 2), (2, 2), (1, 0))
    x_pad = np.pad(x, ((0, 0), (0, 0), (1, 1), (0, 0)))
    oh, ow = conv_output_size(5, 3, 2, 1), conv_output_size(6, 2, 2, 0)
    assert cols.shape == (3 * 3 * 2, 2 * oh * ow)
    for n in range(2):
        for p in range(oh):
            for q in range(ow):
                patch = x_pad[n, :, 2 * p : 2 * p + 3, 2 * q : 2 * q + 2]
                np.testing.assert_array_equal(cols[:, (p * ow + q) * 2 + n], patch.ravel())


def test_col2im_of_ones_counts_the_patches_covering_each_pixel():
    cols = np.ones((1 * 2 * 2, 1 * 3 * 3))
    counts = col2im(cols, (1, 1, 4, 4), (2, 2))
    expected = np.array([[1, 2, 2, 1], [2, 4, 4, 2], [2, 4, 4, 2], [1, 2, 2, 1]])
    np.testing.assert_array_equal(counts[0, 0], expected)


def test_col2im_of_im2col_multiplies_by_the_count_map(rng):
    x = rng.standard_normal((2, 3, 7, 6))
    args = ((3, 2), (2, 1), (1, 1))
    counts = col2im(np.ones_like(im2col(x, *args)), x.shape, *args)
    np.testing.assert_allclose(col2im(im2col(x, *args), x.shape, *args), x * counts)


@pytest.mark.parametrize(
    "kernel, stride, padding", [(3, 1, 0), (3, 2, 1), ((2, 3), (2, 1), (0, 2))]
)
def test_col2im_is_the_adjoint_of_im2col(rng, kernel, stride, padding):
    # <im2col(x), Y> = <x, col2im(Y)> for every x and Y: exactly what backward relies on.
    kernel, stride, padding = as_pair(kernel), as_pair(stride), as_pair(padding)
    x = rng.standard_normal((2, 2, 7, 8))
    Y = rng.standard_normal(im2col(x, kernel, stride, padding).shape)
    lhs = np.sum(im2col(x, kernel, stride, padding) * Y)
    rhs = np.sum(x * col2im(Y, x.shape, kernel, stride, padding))
    assert lhs == pytest.approx(rhs, rel=1e-12)


def test_stride_that_skips_the_last_rows_uses_floor_output_size(rng):
    x = rng.standard_normal((1, 1, 6, 6))
    cols = im2col(x, (3, 3), (2, 2))
    assert cols.shape == (9, 2 * 2)  # floor((6 - 3) / 2) + 1 = 2
    back = col2im(np.ones_like(cols), x.shape, (3, 3), (2, 2))
    assert np.all(back[0, 0, 5, :] == 0) and np.all(back[0, 0, :, 5] == 0)


@pytest.mark.parametrize("c_in, c_out, hw, kernel, stride, padding", CONFIGS)
def test_conv2d_forward_equals_direct_nested_loop_convolution(
    rng, c_in, c_out, hw, kernel, stride, padding
):
    layer = Conv2D(c_in, c_out, kernel, stride, padding, rng=rng)
    layer.b.data[:] = rng.standard_normal(c_out)
    x = rng.standard_normal((2, c_in, *hw))
    expected = direct_conv(x, layer.W.data, layer.b.data, as_pair(stride), as_pair(padding))
    np.testing.assert_allclose(layer(x), expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("c_in, c_out, hw, kernel, stride, padding", CONFIGS)
def test_conv2d_gradients_match_numerical(rng, c_in, c_out, hw, kernel, stride, padding):
    layer = Conv2D(c_in, c_out, kernel, stride, padding, rng=rng)
    layer.b.data[:] = rng.standard_normal(c_out)
    errors = check_module(layer, rng.standard_normal((2, c_in, *hw)))
    assert set(errors) == {"input0", "W", "b"}
    assert max(errors.values()) < GRAD_TOL, errors


def test_conv2d_parameter_shapes_and_he_scale(rng):
    layer = Conv2D(3, 8, (5, 3), rng=rng)
    assert layer.W.shape == (8, 3, 5, 3) and layer.b.shape == (8,)
    assert layer.W.data.flags.c_contiguous
    big = Conv2D(16, 64, 3, rng=rng)  # fan_in = 144: std should be sqrt(2 / 144)
    assert big.W.data.std() == pytest.approx(np.sqrt(2 / 144), rel=0.05)


def test_conv2d_keeps_float32_in_forward_backward_and_gradients(rng):
    layer = Conv2D(2, 3, 3, stride=2, padding=1, rng=rng, dtype=np.float32)
    x = rng.standard_normal((2, 2, 7, 6)).astype(np.float32)
    y = layer(x)
    grad_x = layer.backward(np.ones_like(y))
    assert y.dtype == grad_x.dtype == layer.W.grad.dtype == layer.b.grad.dtype == np.float32


def test_conv2d_backward_accumulates_and_does_not_mutate_grad_out(rng):
    layer = Conv2D(2, 3, 3, padding=1, rng=rng)
    x = rng.standard_normal((2, 2, 5, 5))
    g = rng.standard_normal(layer(x).shape)
    g_copy = g.copy()
    layer.backward(g)
    once = layer.W.grad.copy()
    layer.backward(g)
    np.testing.assert_array_equal(g, g_copy)
    np.testing.assert_allclose(layer.W.grad, 2 * once)


def test_frozen_conv2d_gets_no_weight_gradient_but_passes_the_input_gradient(rng):
    layer = Conv2D(2, 3, 3, rng=rng)
    x = rng.standard_normal((2, 2, 5, 5))
    g = rng.standard_normal(layer(x).shape)
    expected = layer.backward(g)
    layer.zero_grad()
    layer.freeze()
    layer(x)
    np.testing.assert_allclose(layer.backward(g), expected)
    assert not layer.W.grad.any() and not layer.b.grad.any()


def test_first_layer_can_skip_the_input_gradient_and_still_fill_weight_gradients(rng):
    layer = Conv2D(1, 2, 3, rng=rng)
    x = rng.standard_normal((2, 1, 5, 5))
    g = rng.standard_normal(layer(x).shape)
    layer.backward(g)
    expected_W = layer.W.grad.copy()
    layer.zero_grad()
    layer.needs_input_grad = False
    assert layer.backward(g) is None
    np.testing.assert_allclose(layer.W.grad, expected_W)


def test_conv2d_rejects_a_grad_out_of_the_wrong_shape(rng):
    layer = Conv2D(1, 2, 3, rng=rng)
    layer(np.zeros((2, 1, 5, 5)))
    with pytest.raises(ValueError, match=r"Conv2D: grad_out expected shape \(2, 2, 3, 3\)"):
        layer.backward(np.zeros((2, 2, 5, 5)))


def test_conv2d_rejects_wrong_channels_rank_and_too_small_input(rng):
    layer = Conv2D(3, 4, 5, rng=rng)
    with pytest.raises(ValueError, match=r"Conv2D: input expected shape \(\*, 3, \*, \*\)"):
        layer(np.zeros((2, 1, 8, 8)))
    with pytest.raises(ValueError, match="Conv2D: input expected shape"):
        layer(np.zeros((3, 8, 8)))
    with pytest.raises(ValueError, match="Conv2D: input expected height >= 5"):
        layer(np.zeros((1, 3, 4, 8)))


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"kernel_size": 0}, "kernel_size"),
        ({"kernel_size": 3, "stride": 0}, "stride"),
        ({"kernel_size": 3, "padding": -1}, "padding"),
        ({"kernel_size": (3, 3, 3)}, "kernel_size"),
    ],
)
def test_conv2d_rejects_bad_hyperparameters(kwargs, message):
    with pytest.raises(ValueError, match=f"Conv2D: {message}"):
        Conv2D(1, 1, **kwargs)
