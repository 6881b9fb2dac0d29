"""Scaled dot-product attention, masks and MultiHeadAttention (nnfs/layers/attention.py)."""

import numpy as np
import pytest

from nnfs.gradcheck import check_module
from nnfs.layers.attention import (
    MultiHeadAttention,
    ScaledDotProductAttention,
    causal_mask,
    masked_softmax,
    padding_mask,
    scaled_dot_product_attention,
)
from tests.conftest import GRAD_TOL


def _assert_grads_ok(errors: dict[str, float], skip: tuple[str, ...] = ()) -> None:
    bad = {name: err for name, err in errors.items() if name not in skip and err > GRAD_TOL}
    assert not bad, f"gradient check failed: {bad}"


def _mha(rng, d=12, heads=3, dtype=np.float64):
    mha = MultiHeadAttention(d, heads, rng=rng, dtype=dtype)
    for b in (mha.bq, mha.bk, mha.bv, mha.bo):
        b.data[...] = 0.1 * rng.standard_normal(d)
    return mha


# --- masks --------------------------------------------------------------------------------


def test_causal_mask_is_lower_triangular():
    m = causal_mask(4)
    assert m.dtype == bool and m.shape == (4, 4)
    np.testing.assert_array_equal(m, np.tril(np.ones((4, 4))) == 1)


def test_padding_mask_marks_real_keys_per_sequence():
    m = padding_mask(np.array([2, 4, 0]), 4)
    assert m.shape == (3, 1, 4)
    np.testing.assert_array_equal(m[:, 0], [[1, 1, 0, 0], [1, 1, 1, 1], [0, 0, 0, 0]])


def test_masked_softmax_rows_sum_to_one_and_masked_entries_are_exactly_zero(rng):
    scores = rng.standard_normal((2, 5, 5))
    attn = masked_softmax(scores, causal_mask(5))
    np.testing.assert_allclose(attn.sum(axis=-1), 1.0)
    assert np.all(attn[:, ~causal_mask(5)] == 0.0)


def test_masked_softmax_is_stable_for_huge_scores(rng):
    scores = 1e4 * rng.standard_normal((3, 4, 4))
    attn = masked_softmax(scores, causal_mask(4))
    assert np.all(np.isfinite(attn))
    np.testing.assert_allclose(attn.sum(axis=-1), 1.0)


def test_fully_masked_row_gets_zero_weights_and_no_nan(rng):
    scores = rng.standard_normal((2, 3, 4))
    mask = np.ones((2, 3, 4), dtype=bool)
    mask[0, 1] = False  # query 1 of sequence 0 may attend to nothing
    attn = masked_softmax(scores, mask)
    assert np.all(attn[0, 1] == 0.0)
    np.testing.assert_allclose(np.delete(attn.reshape(6, 4), 1, axis=0).sum(axis=-1), 1.0)


# --- the function pair --------------------------------------------------------------------


def test_attention_matches_direct_formula(rng):
    q, k, v = rng.standard_normal((4, 3)), rng.standard_normal((6, 3)), rng.standard_normal((6, 2))
    out, attn = scaled_dot_product_attention(q, k, v)
    scores = q @ k.T / np.sqrt(3)
    expected_attn = np.exp(scores) / np.exp(scores).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(attn, expected_attn)
    np.testing.assert_allclose(out, expected_attn @ v)


@pytest.mark.parametrize("mask_kind", ["none", "causal", "padding", "fully_masked_row"])
def test_attention_gradcheck(rng, mask_kind):
    N, T, d_k, d_v = 2, 5, 3, 4
    q, k = rng.standard_normal((N, T, d_k)), rng.standard_normal((N, T, d_k))
    v = rng.standard_normal((N, T, d_v))
    mask = {
        "none": None,
        "causal": causal_mask(T),
        "padding": padding_mask(np.array([5, 2]), T),
        "fully_masked_row": padding_mask(np.array([3, 0]), T),
    }[mask_kind]
    errors = check_module(ScaledDotProductAttention(), q, k, v, forward_kwargs={"mask": mask})
    _assert_grads_ok(errors)


def test_attention_gradients_of_a_fully_masked_row_are_zero(rng):
    q, k, v = (rng.standard_normal((1, 3, 2)) for _ in range(3))
    mask = np.array([[True, True, False], [False, False, False], [True, True, True]])
    sdpa = ScaledDotProductAttention()
    out = sdpa(q, k, v, mask)
    assert np.all(out[0, 1] == 0.0)
    dq, dk, dv = sdpa.backward(rng.standard_normal(out.shape))
    assert np.all(dq[0, 1] == 0.0)
    assert all(np.all(np.isfinite(g)) for g in (dq, dk, dv))


def test_attention_rejects_mismatched_shapes(rng):
    with pytest.raises(ValueError, match="ScaledDotProductAttention"):
        ScaledDotProductAttention()(
            rng.standard_normal((2, 3)), rng.standard_normal((4, 5)), rng.standard_normal((4, 1))
        )


# --- MultiHeadAttention -------------------------------------------------------------------


def test_mha_shapes_and_attention_weights_kept(rng):
    mha = _mha(rng)
    y = mha(rng.standard_normal((2, 7, 12)))
    assert y.shape == (2, 7, 12)
    assert mha.attn.shape == (2, 3, 7, 7)
    np.testing.assert_allclose(mha.attn.sum(axis=-1), 1.0)


def test_mha_heads_use_contiguous_columns(rng):
    """The reshape/transpose split equals a slow loop over heads that slices the columns."""
    mha = _mha(rng)
    x = rng.standard_normal((2, 5, 12))
    y = mha(x)
    heads = []
    for h in range(3):
        cols = slice(4 * h, 4 * h + 4)
        q = x @ mha.Wq.data[:, cols] + mha.bq.data[cols]
        k = x @ mha.Wk.data[:, cols] + mha.bk.data[cols]
        v = x @ mha.Wv.data[:, cols] + mha.bv.data[cols]
        heads.append(scaled_dot_product_attention(q, k, v)[0])
    expected = np.concatenate(heads, axis=-1) @ mha.Wo.data + mha.bo.data
    np.testing.assert_allclose(y, expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("mask_kind", ["none", "causal", "padding", "per_sample"])
def test_mha_gradcheck(rng, mask_kind):
    N, T = 2, 4
    mha = _mha(rng, d=6, heads=2)
    x = rng.standard_normal((N, T, 6))
    mask = {
        "none": None,
        "causal": causal_mask(T),
        "padding": padding_mask(np.array([4, 2]), T),
        "per_sample": rng.random((N, T, T)) < 0.7,
    }[mask_kind]
    errors = check_module(mha, x, forward_kwargs={"mask": mask})
    # The key bias adds q.bk to every score of a row; softmax ignores such a shift, so its
    # gradient is exactly zero (see below). check_module measures such a gradient against the
    # finite difference's noise floor, so bk is checked like every other parameter.
    assert "bk" in errors
    _assert_grads_ok(errors)


def test_mha_key_bias_gradient_is_exactly_zero_in_theory_and_tiny_in_practice(rng):
    mha = _mha(rng, d=6, heads=2)
    x = rng.standard_normal((3, 5, 6))
    mha.zero_grad()
    mha(x, causal_mask(5))
    mha.backward(rng.standard_normal((3, 5, 6)))
    assert np.max(np.abs(mha.bk.grad)) < 1e-12
    assert np.max(np.abs(mha.bq.grad)) > 1e-3


def test_causal_mask_blocks_future_tokens(rng):
    """Changing tokens after position t leaves outputs 0..t bit-for-bit unchanged."""
    T, t = 6, 2
    mha = _mha(rng)
    x = rng.standard_normal((2, T, 12))
    y = mha(x, causal_mask(T))
    x_changed = x.copy()
    x_changed[:, t + 1 :] += 10 * rng.standard_normal((2, T - t - 1, 12))
    y_changed = mha(x_changed, causal_mask(T))
    np.testing.assert_array_equal(y_changed[:, : t + 1], y[:, : t + 1])
    assert not np.allclose(y_changed[:, t + 1 :], y[:, t + 1 :])
    # Without the mask the change does leak backwards.
    assert not np.allclose(mha(x_changed)[:, : t + 1], mha(x)[:, : t + 1])


def test_causal_mask_gives_no_gradient_from_past_outputs_to_future_inputs(rng):
    T = 5
    mha = _mha(rng)
    mha(rng.standard_normal((1, T, 12)), causal_mask(T))
    grad_out = np.zeros((1, T, 12))
    grad_out[0, 1] = rng.standard_normal(12)  # a loss on output 1 only
    dx = mha.backward(grad_out)
    assert np.all(dx[0, 2:] == 0.0)
    assert np.any(dx[0, :2] != 0.0)


def test_padding_mask_makes_real_positions_ignore_padded_tokens(rng):
    T = 6
    lengths = np.array([6, 3])
    mha = _mha(rng)
    x = rng.standard_normal((2, T, 12))
    mask = padding_mask(lengths, T)
    y = mha(x, mask)
    assert np.all(mha.attn[1, :, :, 3:] == 0.0)
    x_changed = x.copy()
    x_changed[1, 3:] = rng.standard_normal((3, 12))  # different padding content
    y_changed = mha(x_changed, mask)
    np.testing.assert_array_equal(y_changed[1, :3], y[1, :3])
    np.testing.assert_array_equal(y_changed[0], y[0])


def test_mha_fully_masked_rows_give_bias_output_without_nan(rng):
    mha = _mha(rng)
    mask = padding_mask(np.array([0, 4]), 4)  # sequence 0 is all padding
    with np.errstate(divide="raise", over="raise", invalid="raise"):
        y = mha(rng.standard_normal((2, 4, 12)), mask)
        dx = mha.backward(rng.standard_normal((2, 4, 12)))
    np.testing.assert_allclose(y[0], np.broadcast_to(mha.bo.data, (4, 12)))
    assert np.all(np.isfinite(dx)) and np.all(np.isfinite(mha.Wq.grad))


def test_mha_extreme_inputs_stay_finite(rng):
    mha = _mha(rng)
    with np.errstate(divide="raise", over="raise", invalid="raise"):
        y = mha(1e4 * rng.standard_normal((2, 5, 12)), causal_mask(5))
        dx = mha.backward(np.ones((2, 5, 12)))
    assert np.all(np.isfinite(y)) and np.all(np.isfinite(dx))


def test_mha_keeps_float32(rng):
    mha = _mha(rng, dtype=np.float32)
    x = rng.standard_normal((2, 5, 12)).astype(np.float32)
    y = mha(x, causal_mask(5))
    dx = mha.backward(np.ones_like(y))
    assert y.dtype == dx.dtype == mha.attn.dtype == np.float32
    assert all(p.grad.dtype == np.float32 for p in mha.parameters())


def test_mha_frozen_weights_get_no_gradient(rng):
    mha = _mha(rng)
    mha.freeze()
    mha(rng.standard_normal((2, 3, 12)))
    dx = mha.backward(rng.standard_normal((2, 3, 12)))
    assert all(np.all(p.grad == 0) for p in mha.parameters())
    assert np.any(dx != 0)


def test_mha_rejects_wrong_input_shape(rng):
    mha = _mha(rng)
    with pytest.raises(ValueError, match=r"MultiHeadAttention.*\(\*, \*, 12\).*\(2, 5, 8\)"):
        mha(rng.standard_normal((2, 5, 8)))
    with pytest.raises(ValueError, match="MultiHeadAttention"):
        mha(rng.standard_normal((5, 12)))


def test_mha_rejects_wrong_mask_shape_and_dtype(rng):
    mha = _mha(rng)
    x = rng.standard_normal((2, 5, 12))
    with pytest.raises(ValueError, match=r"MultiHeadAttention: mask .*\(2, 5, 5\).*\(4, 4\)"):
        mha(x, causal_mask(4))
    with pytest.raises(ValueError, match="MultiHeadAttention: mask"):
        mha(x, np.ones((3, 5, 5), dtype=bool))
    with pytest.raises(TypeError, match="MultiHeadAttention: mask must be boolean"):
        mha(x, np.ones((5, 5)))


def test_mha_rejects_heads_that_do_not_divide_d_model():
    with pytest.raises(ValueError, match="divisible"):
        MultiHeadAttention(10, 3)


def test_mha_same_seed_same_weights():
    a = MultiHeadAttention(8, 2, rng=np.random.default_rng(5))
    b = MultiHeadAttention(8, 2, rng=np.random.default_rng(5))
    for (name, p), (_, q) in zip(a.named_parameters(), b.named_parameters(), strict=True):
        np.testing.assert_array_equal(p.data, q.data, err_msg=name)
