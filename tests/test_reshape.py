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
