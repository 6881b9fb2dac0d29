"""Gradient clipping: by global norm and by value, in place, dtype-preserving, checked inputs."""

import numpy as np
import pytest

from nnfs import Dense, Parameter
from nnfs.optim import clip_grad_norm, clip_grad_value


def _param(grad, dtype=np.float64):
    p = Parameter(np.zeros(np.shape(grad), dtype=dtype))
    p.grad[...] = grad
    return p


def test_clip_grad_norm_rescales_to_max_norm_and_returns_the_old_norm():
    a, b = _param([3.0]), _param([0.0, 4.0])
    total = clip_grad_norm([a, b], max_norm=1.0)
    assert total == pytest.approx(5.0)
    new_norm = np.sqrt(np.sum(a.grad**2) + np.sum(b.grad**2))
    assert new_norm == pytest.approx(1.0, rel=1e-5)
    # The direction is kept: the ratio of the entries is unchanged.
    assert b.grad[1] / a.grad[0] == pytest.approx(4.0 / 3.0, rel=1e-14)


def test_clip_grad_norm_leaves_small_gradients_alone():
    small = _param([0.5])
    assert clip_grad_norm([small], max_norm=1.0) == 0.5
    assert small.grad[0] == 0.5


def test_clip_grad_norm_keeps_float32_and_modifies_in_place(rng):
    layer = Dense(4, 3, rng=rng, dtype=np.float32)
    layer(rng.standard_normal((5, 4)).astype(np.float32))
    layer.backward(100 * np.ones((5, 3), dtype=np.float32))
    grads = [p.grad for p in layer.parameters()]
    clip_grad_norm(layer.parameters(), max_norm=0.1)
    for p, g in zip(layer.parameters(), grads, strict=True):
        assert p.grad is g and p.grad.dtype == np.float32
    total = np.sqrt(sum(np.sum(p.grad.astype(np.float64) ** 2) for p in layer.parameters()))
    assert total == pytest.approx(0.1, rel=1e-5)


def test_clip_grad_norm_of_an_empty_list_is_zero():
    assert clip_grad_norm([], max_norm=1.0) == 0.0


@pytest.mark.parametrize("bad", [np.inf, np.nan, 1e200])
def test_clip_grad_norm_refuses_a_non_finite_norm_without_a_numpy_warning(bad):
    p = _param([1.0, bad])
    with pytest.raises(ValueError, match="clip_grad_norm: gradients expected a finite norm"):
        clip_grad_norm([p], max_norm=1.0)


def test_clip_grad_value_clamps_each_entry_and_keeps_the_small_ones():
    p = _param([[-5.0, 0.3], [2.0, -0.05]])
    clip_grad_value([p], clip_value=1.0)
    np.testing.assert_array_equal(p.grad, [[-1.0, 0.3], [1.0, -0.05]])


def test_clip_grad_value_changes_the_direction_and_clip_grad_norm_does_not():
    a, b = _param([10.0, 1.0]), _param([10.0, 1.0])
    clip_grad_value([a], clip_value=1.0)
    clip_grad_norm([b], max_norm=1.0)
    assert a.grad[0] / a.grad[1] == 1.0
    assert b.grad[0] / b.grad[1] == pytest.approx(10.0, rel=1e-12)


def test_clip_grad_value_keeps_float32():
    p = _param([3.0, -3.0], dtype=np.float32)
    clip_grad_value([p], 0.5)
    assert p.grad.dtype == np.float32
    np.testing.assert_array_equal(p.grad, [0.5, -0.5])


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda ps: clip_grad_norm(ps, 0.0), ValueError, "clip_grad_norm: max_norm"),
        (lambda ps: clip_grad_norm(ps, -1.0), ValueError, "clip_grad_norm: max_norm"),
        (lambda ps: clip_grad_norm(ps, "1"), TypeError, "clip_grad_norm: max_norm"),
        (lambda ps: clip_grad_value(ps, 0.0), ValueError, "clip_grad_value: clip_value"),
        (lambda ps: clip_grad_norm(ps[0], 1.0), TypeError, "got a single Parameter"),
        (lambda ps: clip_grad_value(ps + ps, 1.0), ValueError, "same one at positions 0 and 1"),
    ],
)
def test_clipping_checks_its_arguments(call, error, message):
    with pytest.raises(error, match=message):
        call([_param([1.0])])


def test_clipping_refuses_a_module(rng):
    with pytest.raises(TypeError, match="clip_grad_norm: .*got the module Dense itself"):
        clip_grad_norm(Dense(2, 2, rng=rng), 1.0)
