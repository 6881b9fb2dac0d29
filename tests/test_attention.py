"""Scaled dot-product attention, masks and MultiHeadAttention (nnfs/layers/attention.py)."""

import numpy as np
import pytest

from nnfs.core import Module
from nnfs.gradcheck import check_module
from nnfs.layers.attention import (
    KVCache,
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


# --- constructor and argument errors ------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "kwargs", "error", "message"),
    [
        ((8, 0), {}, ValueError, r"MultiHeadAttention: num_heads expected an integer >= 1, got 0"),
        ((0, 1), {}, ValueError, r"MultiHeadAttention: d_model expected an integer >= 1, got 0"),
        ((8, 2.0), {}, TypeError, r"MultiHeadAttention: num_heads expected an integer, got 2.0"),
        ((8, 3), {}, ValueError, r"MultiHeadAttention: d_model \(8\) must be divisible"),
        ((8, 2, 1.0), {}, ValueError, r"MultiHeadAttention: dropout expected a value in \[0, 1\)"),
        ((8, 2), {"rng": 0}, TypeError, r"MultiHeadAttention: rng expected a numpy.random"),
        ((8, 2), {"dtype": np.int64}, TypeError, r"MultiHeadAttention: dtype expected a floating"),
    ],
)
def test_mha_constructor_validates_its_arguments(args, kwargs, error, message):
    with pytest.raises(error, match=message):
        MultiHeadAttention(*args, **kwargs)


def test_mha_backward_before_forward_says_so(rng):
    with pytest.raises(RuntimeError, match="MultiHeadAttention: backward called before forward"):
        _mha(rng).backward(np.ones((2, 3, 12)))


def test_mha_backward_rejects_a_wrong_grad_out_shape(rng):
    mha = _mha(rng)
    mha(rng.standard_normal((2, 5, 12)))
    with pytest.raises(
        ValueError, match=r"MultiHeadAttention: grad_out expected shape \(2, 5, 12\)"
    ):
        mha.backward(np.ones((2, 5, 6)))
    with pytest.raises(ValueError, match=r"got \(5, 2, 12\)"):
        mha.backward(np.ones((5, 2, 12)))


def test_mha_rejects_lists_and_integer_inputs(rng):
    mha = _mha(rng)
    with pytest.raises(
        TypeError, match="MultiHeadAttention: input expected a numpy.ndarray, got list"
    ):
        mha([[[0.0] * 12]])
    with pytest.raises(TypeError, match="MultiHeadAttention: input expected a floating-point"):
        mha(np.ones((1, 2, 12), dtype=np.int64))


PARAM_NAMES = ("Wq", "Wk", "Wv", "Wo", "bq", "bk", "bv", "bo")


@pytest.mark.parametrize("cross", [False, True])
@pytest.mark.parametrize("frozen", PARAM_NAMES)
def test_freezing_one_parameter_leaves_every_other_gradient_unchanged(rng, frozen, cross):
    mha = _mha(rng)
    x = rng.standard_normal((2, 4, 12))
    context = rng.standard_normal((2, 6, 12)) if cross else None
    grad_out = rng.standard_normal((2, 4, 12))

    def gradients():
        mha.zero_grad()
        mha(x, context=context)
        mha.backward(grad_out)
        return {name: getattr(mha, name).grad.copy() for name in PARAM_NAMES}

    reference = gradients()
    getattr(mha, frozen).frozen = True
    after = gradients()
    assert np.all(after[frozen] == 0)
    for name in PARAM_NAMES:
        if name != frozen:
            np.testing.assert_array_equal(after[name], reference[name], err_msg=name)
        if name not in (frozen, "bk"):  # bk's gradient is zero anyway (see above)
            assert np.any(after[name] != 0), name


# --- cross-attention ----------------------------------------------------------------------


class _CrossAttention(Module):
    """MHA in cross-attention mode with (x, context) as two positional inputs, for check_module."""

    def __init__(self, mha, mask=None):
        super().__init__()
        self.mha, self.mask = mha, mask

    def forward(self, x, context):
        return self.mha(x, self.mask, context=context)

    def backward(self, grad_out):
        return self.mha.backward(grad_out)


@pytest.mark.parametrize("mask_kind", ["none", "padding", "per_query", "fully_masked_row"])
def test_cross_attention_gradcheck(rng, mask_kind):
    N, T, S = 2, 3, 5
    mha = _mha(rng, d=6, heads=2)
    mask = {
        "none": None,
        "padding": padding_mask(np.array([5, 2]), S),  # (N, 1, S): the context is padded
        "per_query": rng.random((N, T, S)) < 0.7,
        "fully_masked_row": padding_mask(np.array([5, 0]), S),
    }[mask_kind]
    module = _CrossAttention(mha, mask)
    x, context = rng.standard_normal((N, T, 6)), rng.standard_normal((N, S, 6))
    errors = check_module(module, x, context)
    assert {"input0", "input1"} <= errors.keys()
    _assert_grads_ok(errors)


def test_cross_attention_shapes_and_what_backward_returns(rng):
    mha = _mha(rng)
    x, context = rng.standard_normal((2, 3, 12)), rng.standard_normal((2, 7, 12))
    y = mha(x, context=context)
    assert y.shape == (2, 3, 12) and mha.attn.shape == (2, 3, 3, 7)
    grads = mha.backward(np.ones_like(y))
    assert isinstance(grads, tuple) and len(grads) == 2
    assert grads[0].shape == (2, 3, 12) and grads[1].shape == (2, 7, 12)
    # Back in self-attention mode, backward returns a single array again.
    mha(x)
    assert mha.backward(np.ones_like(x)).shape == (2, 3, 12)


def test_cross_attention_on_itself_is_self_attention(rng):
    """context = x gives the same output, and dx + dcontext is self-attention's dx."""
    mha = _mha(rng)
    x = rng.standard_normal((2, 5, 12))
    grad_out = rng.standard_normal((2, 5, 12))
    mask = causal_mask(5)
    y_self = mha(x, mask)
    dx_self = mha.backward(grad_out)
    y_cross = mha(x, mask, context=x)
    dx, dcontext = mha.backward(grad_out)
    np.testing.assert_allclose(y_cross, y_self, rtol=1e-13, atol=1e-14)
    np.testing.assert_allclose(dx + dcontext, dx_self, rtol=1e-12, atol=1e-13)


def test_cross_attention_output_depends_on_context_only_through_keys_and_values(rng):
    """Each query row reads a weighted average of value rows: permuting the context changes
    nothing, while permuting the queries permutes the output."""
    mha = _mha(rng)
    x, context = rng.standard_normal((1, 4, 12)), rng.standard_normal((1, 6, 12))
    y = mha(x, context=context)
    np.testing.assert_allclose(mha(x, context=context[:, ::-1]), y, rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(mha(x[:, ::-1], context=context), y[:, ::-1], atol=1e-13)


def test_cross_attention_rejects_mismatched_context_and_mask(rng):
    mha = _mha(rng)
    x = rng.standard_normal((2, 3, 12))
    with pytest.raises(
        ValueError, match=r"MultiHeadAttention: context expected shape \(2, \*, 12\)"
    ):
        mha(x, context=rng.standard_normal((3, 4, 12)))
    with pytest.raises(ValueError, match=r"MultiHeadAttention: context expected shape"):
        mha(x, context=rng.standard_normal((2, 4, 8)))
    with pytest.raises(ValueError, match=r"mask expected a shape broadcastable to \(2, 3, 4\)"):
        mha(x, causal_mask(3), context=rng.standard_normal((2, 4, 12)))


# --- attention dropout --------------------------------------------------------------------


def test_attention_dropout_zeroes_weights_in_training_only(rng):
    mha = MultiHeadAttention(12, 3, dropout=0.5, rng=rng)
    x = rng.standard_normal((4, 6, 12))
    mha(x)
    dropped = mha.attn_used == 0
    assert 0.3 < dropped.mean() < 0.7
    np.testing.assert_allclose(mha.attn_used[~dropped], 2 * mha.attn[~dropped])  # 1 / (1 - p)
    mha.eval()
    y1, y2 = mha(x), mha(x)
    np.testing.assert_array_equal(y1, y2)
    assert mha.attn_used is mha.attn


def test_attention_dropout_gradcheck_with_a_fixed_mask(rng):
    mha = MultiHeadAttention(6, 2, dropout=0.3, rng=rng)
    x = rng.standard_normal((2, 4, 6))
    mha(x, causal_mask(4))
    mha.attn_dropout.fix_mask()
    _assert_grads_ok(check_module(mha, x, forward_kwargs={"mask": causal_mask(4)}))


# --- the KV cache -------------------------------------------------------------------------


def test_cached_attention_equals_a_causal_forward_over_the_whole_sequence(rng):
    N, T, d, H = 3, 9, 12, 3
    mha = _mha(rng)
    x = rng.standard_normal((N, T, d))
    full = mha(x, causal_mask(T))
    cache = KVCache(N, H, T, d // H, np.float64)
    steps = [mha.forward_cached(x[:, :4], cache)]  # a prompt of 4, then one token at a time
    steps += [mha.forward_cached(x[:, t : t + 1], cache) for t in range(4, T)]
    assert cache.length == T
    # Not bit for bit: a (1, t) matrix product rounds differently from a (T, T) one.
    np.testing.assert_allclose(np.concatenate(steps, axis=1), full, rtol=1e-13, atol=1e-14)
    np.testing.assert_allclose(cache.k[:, :, :T], mha.k, rtol=1e-14, atol=1e-15)


def test_kv_cache_validates_its_sizes():
    with pytest.raises(ValueError, match="KVCache: capacity expected an integer >= 1, got 0"):
        KVCache(1, 2, 0, 4, np.float64)
    with pytest.raises(TypeError, match="KVCache: N expected an integer, got 1.5"):
        KVCache(1.5, 2, 4, 4, np.float64)


def test_kv_cache_refuses_to_overflow_and_blocks_backward(rng):
    mha = _mha(rng)
    cache = KVCache(1, 3, 4, 4, np.float64)
    mha.forward_cached(rng.standard_normal((1, 3, 12)), cache)
    with pytest.raises(ValueError, match="KVCache: cannot append 2 positions to 3 of capacity 4"):
        mha.forward_cached(rng.standard_normal((1, 2, 12)), cache)
    with pytest.raises(RuntimeError, match="call forward first"):
        mha.backward(np.ones((1, 1, 12)))
    with pytest.raises(ValueError, match=r"MultiHeadAttention: input expected shape \(1, \*, 12\)"):
        mha.forward_cached(rng.standard_normal((2, 1, 12)), cache)
