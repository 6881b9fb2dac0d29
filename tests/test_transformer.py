"""Positional encodings, TransformerBlock and TransformerEncoder (nnfs/layers/transformer.py)."""

import numpy as np
import pytest

from nnfs import functional as F
from nnfs.gradcheck import check_module
from nnfs.layers import GELU, Dropout, ReLU
from nnfs.layers.attention import KVCache, causal_mask, padding_mask
from nnfs.layers.transformer import (
    PositionalEncoding,
    TransformerBlock,
    TransformerEncoder,
    positional_encoding,
)
from tests.conftest import GRAD_TOL


def _assert_grads_ok(errors: dict[str, float]) -> None:
    bad = {n: e for n, e in errors.items() if e > GRAD_TOL}
    assert not bad, f"gradient check failed: {bad}"


# --- positional encoding ------------------------------------------------------------------


def test_positional_encoding_known_values():
    pe = positional_encoding(50, 6)
    assert pe.shape == (50, 6)
    np.testing.assert_allclose(pe[0], [0, 1, 0, 1, 0, 1], atol=0)
    t, i = 7, 1  # column pair (2i, 2i+1) has frequency 1 / 10000^(2i/d)
    angle = t / 10000 ** (2 * i / 6)
    np.testing.assert_allclose(pe[t, 2 * i], np.sin(angle), rtol=1e-15)
    np.testing.assert_allclose(pe[t, 2 * i + 1], np.cos(angle), rtol=1e-15)
    np.testing.assert_allclose(pe[3, :2], [np.sin(3.0), np.cos(3.0)], rtol=1e-15)


def test_positional_encoding_shift_is_a_rotation_of_each_pair():
    """PE[t + k] = R(k w_i) PE[t] for every column pair: relative offsets are linear maps."""
    d, k = 8, 5
    pe = positional_encoding(40, d)
    for i in range(d // 2):
        w = 1 / 10000 ** (2 * i / d)
        c, s = np.cos(k * w), np.sin(k * w)
        rotation = np.array([[c, -s], [s, c]])  # acts on row vectors (sin, cos)
        np.testing.assert_allclose(
            pe[k:, 2 * i : 2 * i + 2], pe[:-k, 2 * i : 2 * i + 2] @ rotation, atol=1e-12
        )


def test_positional_encoding_odd_dimension_and_dtype():
    pe = positional_encoding(5, 7, dtype=np.float32)
    assert pe.shape == (5, 7) and pe.dtype == np.float32
    np.testing.assert_allclose(pe[:, 6], np.sin(np.arange(5) / 10000 ** (6 / 7)), rtol=1e-6)


def test_positional_encoding_module_adds_table_and_passes_gradient_through(rng):
    layer = PositionalEncoding(10, 4)
    x = rng.standard_normal((2, 6, 4)).astype(np.float32)
    y = layer(x)
    assert y.dtype == np.float32
    np.testing.assert_allclose(
        y - x, np.broadcast_to(positional_encoding(6, 4), (2, 6, 4)), atol=1e-6
    )
    g = rng.standard_normal((2, 6, 4))
    assert layer.backward(g) is g


def test_positional_encoding_module_rejects_too_long_sequences(rng):
    with pytest.raises(ValueError, match=r"PositionalEncoding.*T <= 10.*\(1, 11, 4\)"):
        PositionalEncoding(10, 4)(rng.standard_normal((1, 11, 4)))


# --- TransformerBlock ---------------------------------------------------------------------


def _block(rng, dropout=0.0, dtype=np.float64, d=8, d_ff=12, **kwargs):
    block = TransformerBlock(d, 2, d_ff, dropout, rng=rng, dtype=dtype, **kwargs)
    # Non-trivial LayerNorm and attention biases so that every term is exercised.
    for name, p in block.named_parameters():
        if name.split(".")[-1] in ("gamma", "beta", "b", "bq", "bv", "bo"):
            p.data[...] += 0.1 * rng.standard_normal(p.shape)
    return block


VARIANTS = [
    {"activation": "relu", "norm_first": False},
    {"activation": "gelu", "norm_first": False},
    {"activation": "relu", "norm_first": True},
    {"activation": "gelu", "norm_first": True},
    {"activation": GELU("tanh"), "norm_first": True},
]


@pytest.mark.parametrize("variant", VARIANTS, ids=lambda v: f"{v['activation']}-{v['norm_first']}")
@pytest.mark.parametrize("mask_kind", ["none", "causal", "padding"])
def test_transformer_block_gradcheck(rng, mask_kind, variant):
    block = _block(rng, d=4, d_ff=6, **variant)
    x = rng.standard_normal((2, 4, 4))
    mask = {
        "none": None,
        "causal": causal_mask(4),
        "padding": padding_mask(np.array([4, 2]), 4),
    }[mask_kind]
    _assert_grads_ok(check_module(block, x, forward_kwargs={"mask": mask}))


@pytest.mark.parametrize("norm_first", [False, True])
def test_transformer_block_gradcheck_with_fixed_dropout_masks(rng, norm_first):
    block = _block(rng, dropout=0.3, d=4, d_ff=6, norm_first=norm_first, activation="gelu")
    x = rng.standard_normal((2, 4, 4))
    block(x)  # draw masks, then freeze them so the function is deterministic
    dropouts = [m for _, m in block.named_modules() if isinstance(m, Dropout)]
    assert len(dropouts) == 4  # attention weights, attention output, FFN hidden, FFN output
    for dropout in dropouts:
        dropout.fix_mask()
        assert not dropout.fixed_keep.all()
    _assert_grads_ok(check_module(block, x))


def test_transformer_block_is_post_norm_by_default(rng):
    """y = LN2(h + FFN(h)), h = LN1(x + MHA(x)): recompute from the parts."""
    block = _block(rng)
    assert not block.norm_first and isinstance(block.activation, ReLU)
    x = rng.standard_normal((2, 5, 8))
    y = block(x)
    h = _layer_norm(x + block.attn(x), block.norm1)
    hidden = np.maximum(h @ block.ff1.W.data + block.ff1.b.data, 0)
    f = hidden @ block.ff2.W.data + block.ff2.b.data
    np.testing.assert_allclose(y, _layer_norm(h + f, block.norm2), rtol=1e-10, atol=1e-12)


def _layer_norm(z, ln):
    mu, var = z.mean(-1, keepdims=True), z.var(-1, keepdims=True)
    return ln.gamma.data * (z - mu) / np.sqrt(var + ln.eps) + ln.beta.data


def test_transformer_block_pre_norm_with_gelu_recomputed_from_the_parts(rng):
    """y = h + FFN(LN2(h)), h = x + MHA(LN1(x)), FFN with exact GELU and eps 1e-12."""
    block = _block(rng, activation="gelu", norm_first=True, eps=1e-12)
    assert block.norm1.eps == block.norm2.eps == 1e-12
    x = rng.standard_normal((2, 5, 8))
    y = block(x, causal_mask(5))
    h = x + block.attn(_layer_norm(x, block.norm1), causal_mask(5))
    z = _layer_norm(h, block.norm2)
    hidden = F.gelu(z @ block.ff1.W.data + block.ff1.b.data)
    np.testing.assert_allclose(y, h + hidden @ block.ff2.W.data + block.ff2.b.data, rtol=1e-12)


def test_pre_norm_block_passes_the_upstream_gradient_straight_through(rng):
    """dL/dx = G + (sublayer terms): with the sublayers' outputs zeroed, dx is exactly G."""
    block = _block(rng, norm_first=True)
    block.attn.Wo.data[...] = 0
    block.attn.bo.data[...] = 0
    block.ff2.W.data[...] = 0
    block.ff2.b.data[...] = 0
    x = rng.standard_normal((2, 5, 8))
    np.testing.assert_array_equal(block(x), x)
    grad_out = rng.standard_normal((2, 5, 8))
    np.testing.assert_array_equal(block.backward(grad_out), grad_out)


@pytest.mark.parametrize("norm_first", [False, True])
def test_transformer_block_cached_forward_equals_causal_forward(rng, norm_first):
    block = _block(rng, dropout=0.2, norm_first=norm_first, activation="gelu")
    x = rng.standard_normal((2, 7, 8))
    cache = KVCache(2, 2, 7, 4, np.float64)
    with pytest.raises(RuntimeError, match="TransformerBlock: forward_cached is for inference"):
        block.forward_cached(x, cache)
    block.eval()
    full = block(x, causal_mask(7))
    steps = [block.forward_cached(x[:, :3], cache)]
    steps += [block.forward_cached(x[:, t : t + 1], cache) for t in range(3, 7)]
    np.testing.assert_allclose(np.concatenate(steps, axis=1), full, rtol=1e-12, atol=1e-13)


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"activation": "swish"}, ValueError, r"activation expected 'relu', 'gelu' or an activ"),
        ({"norm_first": "yes"}, TypeError, r"TransformerBlock: norm_first expected a bool"),
        ({"eps": 0.0}, ValueError, r"TransformerBlock: eps expected a value in \(0, inf\]"),
        ({"d_ff": 0}, ValueError, r"TransformerBlock: d_ff expected an integer >= 1, got 0"),
        ({"dropout": 1.0}, ValueError, r"TransformerBlock: dropout expected a value in \[0, 1\)"),
        ({"rng": 3}, TypeError, r"TransformerBlock: rng expected a numpy.random.Generator"),
        ({"num_heads": 3}, ValueError, r"MultiHeadAttention: d_model \(8\) must be divisible"),
    ],
)
def test_transformer_block_validates_its_arguments(kwargs, error, message):
    arguments = {"d_model": 8, "num_heads": 2, "d_ff": 16, **kwargs}
    with pytest.raises(error, match=message):
        TransformerBlock(**arguments)


def test_transformer_block_backward_errors(rng):
    block = _block(rng)
    with pytest.raises(RuntimeError, match="TransformerBlock: backward called before forward"):
        block.backward(np.ones((2, 5, 8)))
    block(rng.standard_normal((2, 5, 8)))
    with pytest.raises(ValueError, match=r"TransformerBlock: grad_out expected shape \(2, 5, 8\)"):
        block.backward(np.ones((2, 8, 5)))


def test_transformer_block_repr_shows_its_settings():
    block = TransformerBlock(8, 2, 16, 0.1, activation="gelu", norm_first=True)
    assert repr(block) == (
        "TransformerBlock(d_model=8, num_heads=2, d_ff=16, dropout=0.1, activation=GELU, "
        "norm_first=True)"
    )
    block = TransformerBlock(8, 2, 16, activation=GELU("tanh"))
    assert "activation=GELU(approximate='tanh')" in repr(block)


def test_transformer_block_eval_mode_switches_dropout_off(rng):
    block = _block(rng, dropout=0.5)
    x = rng.standard_normal((2, 5, 8))
    assert not np.allclose(block(x), block(x))  # training: two different masks
    block.eval()
    np.testing.assert_array_equal(block(x), block(x))


def test_transformer_block_keeps_float32(rng):
    block = _block(rng, dtype=np.float32)
    x = rng.standard_normal((2, 5, 8)).astype(np.float32)
    y = block(x, causal_mask(5))
    dx = block.backward(np.ones_like(y))
    assert y.dtype == dx.dtype == np.float32
    assert all(p.grad.dtype == np.float32 for p in block.parameters())


def test_transformer_block_rejects_wrong_width(rng):
    with pytest.raises(ValueError, match=r"TransformerBlock: input expected shape \(\*, \*, 8\)"):
        _block(rng)(rng.standard_normal((2, 5, 6)))


def test_transformer_block_causal_mask_blocks_future_tokens(rng):
    block = _block(rng)
    x = rng.standard_normal((1, 6, 8))
    y = block(x, causal_mask(6))
    x[0, 4:] += 5.0
    np.testing.assert_array_equal(block(x, causal_mask(6))[0, :4], y[0, :4])


# --- TransformerEncoder -------------------------------------------------------------------


def test_transformer_encoder_gradcheck_two_layers(rng):
    encoder = TransformerEncoder(2, 4, 2, 4, rng=rng)
    assert len(encoder.layers) == 2
    x = rng.standard_normal((1, 3, 4))
    _assert_grads_ok(check_module(encoder, x, forward_kwargs={"mask": causal_mask(3)}))


def test_transformer_encoder_passes_block_settings_and_copies_activation_layers(rng):
    shared = GELU("tanh")
    encoder = TransformerEncoder(2, 4, 2, 6, activation=shared, norm_first=True, eps=1e-6, rng=rng)
    first, second = encoder.layers
    assert first.norm_first and second.norm_first and first.norm1.eps == 1e-6
    assert first.activation is not second.activation  # each block caches its own input
    assert first.activation.approximate == second.activation.approximate == "tanh"
    x = rng.standard_normal((1, 3, 4))
    _assert_grads_ok(check_module(encoder, x, forward_kwargs={"mask": causal_mask(3)}))
    with pytest.raises(ValueError, match="TransformerEncoder: num_layers expected an integer >= 1"):
        TransformerEncoder(0, 8, 2, 16)


def test_positional_encoding_backward_checks_its_argument(rng):
    layer = PositionalEncoding(10, 4)
    with pytest.raises(RuntimeError, match="PositionalEncoding: backward called before forward"):
        layer.backward(np.ones((1, 3, 4)))
    layer(rng.standard_normal((2, 3, 4)))
    with pytest.raises(
        ValueError, match=r"PositionalEncoding: grad_out expected shape \(2, 3, 4\)"
    ):
        layer.backward(np.ones((2, 4, 3)))
    with pytest.raises(ValueError, match="PositionalEncoding: max_len expected an integer >= 1"):
        PositionalEncoding(0, 4)


def test_transformer_encoder_equals_blocks_in_sequence(rng):
    encoder = TransformerEncoder(3, 8, 2, 16, rng=rng)
    x = rng.standard_normal((2, 5, 8))
    expected = x
    for block in encoder.layers:
        expected = block(expected)
    np.testing.assert_array_equal(encoder(x), expected)
    names = {name.split(".")[1] for name, _ in encoder.named_parameters()}
    assert names == {"0", "1", "2"}
