"""Embedding: lookup, row-accumulating backward, dtype, and bad indices."""

import numpy as np
import pytest

from nnfs.gradcheck import check_module, numerical_gradient, rel_error
from nnfs.layers import Dense, Embedding
from tests.conftest import GRAD_TOL


def test_forward_returns_table_rows_for_any_index_shape(rng):
    emb = Embedding(7, 4, rng=rng)
    for idx in (
        np.array([3, 0, 6]),
        rng.integers(0, 7, size=(2, 5)),
        rng.integers(0, 7, (2, 3, 2)),
    ):
        y = emb(idx)
        assert y.shape == (*idx.shape, 4)
        np.testing.assert_array_equal(y, emb.W.data[idx])


def test_forward_equals_one_hot_times_table(rng):
    emb = Embedding(6, 3, rng=rng)
    idx = np.array([5, 1, 1, 0])
    one_hot = np.eye(6)[idx]
    np.testing.assert_allclose(emb(idx), one_hot @ emb.W.data)


def test_backward_accumulates_repeated_indices(rng):
    emb = Embedding(5, 2, rng=rng)
    idx = np.array([[1, 1, 3], [1, 4, 3]])
    grad_out = rng.standard_normal((2, 3, 2))
    emb(idx)
    assert emb.backward(grad_out) is None
    expected = np.zeros((5, 2))
    for (n, t), token in np.ndenumerate(idx):
        expected[token] += grad_out[n, t]
    np.testing.assert_allclose(emb.W.grad, expected)
    emb(idx)
    emb.backward(grad_out)  # a second backward adds on top
    np.testing.assert_allclose(emb.W.grad, 2 * expected)


def test_gradient_check_of_the_table(rng):
    emb = Embedding(6, 3, rng=rng)
    idx = rng.integers(0, 6, size=(4, 5))
    errors = check_module(emb, idx)
    assert list(errors) == ["W"]
    assert errors["W"] < GRAD_TOL


def test_gradient_check_through_a_dense_head(rng):
    emb, head = Embedding(5, 3, rng=rng), Dense(3, 2, rng=rng)
    idx = np.array([0, 2, 2, 4])
    weights = rng.standard_normal((4, 2))

    def loss(_=None):
        return float(np.sum(weights * head(emb(idx))))

    loss()
    emb.backward(head.backward(weights))
    numeric = numerical_gradient(loss, emb.W.data)
    assert rel_error(emb.W.grad, numeric) < GRAD_TOL


def test_float32_stays_float32(rng):
    emb = Embedding(10, 8, rng=rng, dtype=np.float32)
    y = emb(rng.integers(0, 10, size=(3, 4)))
    assert y.dtype == np.float32
    emb.backward(np.ones_like(y))
    assert emb.W.grad.dtype == np.float32 and emb.W.data.flags.c_contiguous


def test_frozen_table_gets_no_gradient(rng):
    emb = Embedding(4, 2, rng=rng)
    emb.freeze()
    emb(np.array([0, 1]))
    emb.backward(np.ones((2, 2)))
    assert not emb.W.grad.any()


def test_same_seed_same_table():
    a = Embedding(5, 3, rng=np.random.default_rng(7))
    b = Embedding(5, 3, rng=np.random.default_rng(7))
    np.testing.assert_array_equal(a.W.data, b.W.data)


@pytest.mark.parametrize("idx", [np.array([0, 5]), np.array([-1, 2]), np.array([[0], [9]])])
def test_out_of_range_indices_raise(idx):
    emb = Embedding(5, 2)
    with pytest.raises(ValueError, match=r"Embedding.*\[0, 5\)"):
        emb(idx)


def test_float_indices_raise_type_error():
    with pytest.raises(TypeError, match="Embedding"):
        Embedding(5, 2)(np.array([0.0, 1.0]))


def test_wrong_grad_shape_raises(rng):
    emb = Embedding(5, 2, rng=rng)
    emb(np.array([[0, 1, 2]]))
    with pytest.raises(ValueError, match=r"Embedding: grad_out expected shape \(1, 3, 2\)"):
        emb.backward(np.ones((3, 2)))
