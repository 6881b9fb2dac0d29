"""Flatten: row-major merge of every axis but the batch, and the reshape back in backward."""

import numpy as np
import pytest

from nnfs.gradcheck import check_module
from nnfs.layers.reshape import Flatten
from tests.conftest import GRAD_TOL


def test_flatten_uses_row_major_channel_then_pixel_order(rng):
    x = rng.standard_normal((2, 3, 4, 5))
    y = Flatten()(x)
    assert y.shape == (2, 60)
    assert y[1, 2 * 20 + 3 * 5 + 4] == x[1, 2, 3, 4]


def test_flatten_backward_restores_the_input_shape_and_passes_gradcheck(rng):
    layer = Flatten()
    x = rng.standard_normal((2, 3, 2, 2))
    layer(x)
    g = rng.standard_normal((2, 12))
    np.testing.assert_array_equal(layer.backward(g), g.reshape(2, 3, 2, 2))
    assert check_module(layer, x)["input0"] < GRAD_TOL


def test_flatten_rejects_a_1d_input():
    with pytest.raises(ValueError, match=r"Flatten: input expected shape \(N, \*\)"):
        Flatten()(np.zeros(5))


def test_flatten_of_an_empty_batch_keeps_the_feature_size(rng):
    flatten = Flatten()
    y = flatten(np.zeros((0, 2, 3, 4)))
    assert y.shape == (0, 24)
    assert flatten.backward(np.zeros((0, 24))).shape == (0, 2, 3, 4)


def test_flatten_backward_refuses_a_gradient_of_the_right_size_but_wrong_shape(rng):
    flatten = Flatten()
    flatten(rng.standard_normal((2, 3, 4)))
    with pytest.raises(
        ValueError, match=r"Flatten: grad_out expected shape \(2, 12\), got \(4, 6\)"
    ):
        flatten.backward(np.zeros((4, 6)))
