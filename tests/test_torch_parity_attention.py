"""MultiHeadAttention against torch.nn.MultiheadAttention with copied weights, in float64."""

import numpy as np
import pytest

from nnfs.layers.attention import (
    MultiHeadAttention,
    causal_mask,
    padding_mask,
    scaled_dot_product_attention,
)
from nnfs.layers.transformer import TransformerBlock
from tests.torch_utils import t, torch


def torch_mha_from(mha: MultiHeadAttention) -> "torch.nn.MultiheadAttention":
    """torch's in_proj_weight (3d, d) is [Wq; Wk; Wv] transposed: torch computes x W^T."""
    ref = torch.nn.MultiheadAttention(mha.d_model, mha.num_heads, batch_first=True)
    ref = ref.double()
    with torch.no_grad():
        ref.in_proj_weight.copy_(
            torch.from_numpy(np.concatenate([mha.Wq.data, mha.Wk.data, mha.Wv.data], axis=1).T)
        )
        ref.in_proj_bias.copy_(
            torch.from_numpy(np.concatenate([mha.bq.data, mha.bk.data, mha.bv.data]))
        )
        ref.out_proj.weight.copy_(torch.from_numpy(mha.Wo.data.T))
        ref.out_proj.bias.copy_(torch.from_numpy(mha.bo.data))
    return ref


@pytest.mark.parametrize("mask_kind", ["none", "causal", "padding"])
def test_mha_matches_torch_outputs_and_gradients(rng, mask_kind):
    N, T, d, H = 3, 6, 12, 3
    mha = MultiHeadAttention(d, H, rng=rng)
    # Non-zero biases so that a mix-up of bias layouts would show.
    for b in (mha.bq, mha.bk, mha.bv, mha.bo):
        b.data[...] = rng.standard_normal(d)
    ref = torch_mha_from(mha)
    x = rng.standard_normal((N, T, d))
    grad_out = rng.standard_normal((N, T, d))

    mask, torch_kwargs = None, {}
    if mask_kind == "causal":
        mask = causal_mask(T)
        # torch's attn_mask is True where attending is NOT allowed: the complement of ours.
        torch_kwargs = {"attn_mask": torch.from_numpy(~mask)}
    elif mask_kind == "padding":
        lengths = np.array([6, 4, 1])
        mask = padding_mask(lengths, T)  # (N, 1, T)
        torch_kwargs = {"key_padding_mask": torch.from_numpy(~mask[:, 0, :])}

    y = mha.forward(x, mask=mask)
    dx = mha.backward(grad_out)

    xt = t(x)
    yt, attn_t = ref(xt, xt, xt, need_weights=True, average_attn_weights=False, **torch_kwargs)
    yt.backward(torch.from_numpy(grad_out))

    np.testing.assert_allclose(y, yt.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(mha.attn, attn_t.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(dx, xt.grad.numpy(), rtol=1e-9, atol=1e-11)
    grad_W_in = np.concatenate([mha.Wq.grad, mha.Wk.grad, mha.Wv.grad], axis=1).T
    np.testing.assert_allclose(grad_W_in, ref.in_proj_weight.grad.numpy(), rtol=1e-9, atol=1e-11)
    grad_b_in = np.concatenate([mha.bq.grad, mha.bk.grad, mha.bv.grad])
    np.testing.assert_allclose(grad_b_in, ref.in_proj_bias.grad.numpy(), rtol=1e-9, atol=1e-11)
    np.testing.assert_allclose(mha.Wo.grad, ref.out_proj.weight.grad.numpy().T, rtol=1e-9)
    np.testing.assert_allclose(mha.bo.grad, ref.out_proj.bias.grad.numpy(), rtol=1e-9)


def torch_block_from(block: TransformerBlock, activation: str) -> "torch.nn.Module":
    """nn.TransformerEncoderLayer with the same settings and weights (linear weights transposed)."""
    ref = torch.nn.TransformerEncoderLayer(
        block.d_model,
        block.attn.num_heads,
        block.ff1.out_features,
        dropout=block.drop1.p,
        activation=activation,
        layer_norm_eps=block.norm1.eps,
        batch_first=True,
        norm_first=block.norm_first,
    ).double()
    ref.self_attn.load_state_dict(torch_mha_from(block.attn).state_dict())
    with torch.no_grad():
        for lin, dense in ((ref.linear1, block.ff1), (ref.linear2, block.ff2)):
            lin.weight.copy_(torch.from_numpy(dense.W.data.T))
            lin.bias.copy_(torch.from_numpy(dense.b.data))
        for norm, ln in ((ref.norm1, block.norm1), (ref.norm2, block.norm2)):
            norm.weight.copy_(torch.from_numpy(ln.gamma.data))
            norm.bias.copy_(torch.from_numpy(ln.beta.data))
    return ref


@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("activation", ["relu", "gelu"])
@pytest.mark.parametrize("mask_kind", ["causal", "padding"])
def test_transformer_block_matches_torch_encoder_layer(rng, activation, norm_first, mask_kind):
    """TransformerBlock vs nn.TransformerEncoderLayer with the same arguments, float64:
    outputs, dx and every parameter's gradient."""
    N, T, d, H, d_ff = 3, 5, 8, 2, 16
    block = TransformerBlock(
        d, H, d_ff, activation=activation, norm_first=norm_first, eps=1e-6, rng=rng
    )
    for name, p in block.named_parameters():
        if name.split(".")[-1] in ("gamma", "beta", "b", "bq", "bk", "bv", "bo"):
            p.data[...] += 0.1 * rng.standard_normal(p.shape)
    ref = torch_block_from(block, activation)
    x = rng.standard_normal((N, T, d))
    grad_out = rng.standard_normal((N, T, d))
    if mask_kind == "causal":
        mask, torch_kwargs = causal_mask(T), {"src_mask": torch.from_numpy(~causal_mask(T))}
    else:
        mask = padding_mask(np.array([5, 3, 1]), T)
        torch_kwargs = {"src_key_padding_mask": torch.from_numpy(~mask[:, 0, :])}

    y = block.forward(x, mask=mask)
    dx = block.backward(grad_out)
    xt = t(x)
    yt = ref(xt, **torch_kwargs)
    yt.backward(torch.from_numpy(grad_out))

    tol = {"rtol": 1e-9, "atol": 1e-11}
    np.testing.assert_allclose(y, yt.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(dx, xt.grad.numpy(), **tol)
    theirs = {
        "attn.W_in": ref.self_attn.in_proj_weight.grad.numpy().T,
        "attn.b_in": ref.self_attn.in_proj_bias.grad.numpy(),
        "attn.Wo": ref.self_attn.out_proj.weight.grad.numpy().T,
        "attn.bo": ref.self_attn.out_proj.bias.grad.numpy(),
        "ff1.W": ref.linear1.weight.grad.numpy().T,
        "ff1.b": ref.linear1.bias.grad.numpy(),
        "ff2.W": ref.linear2.weight.grad.numpy().T,
        "ff2.b": ref.linear2.bias.grad.numpy(),
        "norm1.gamma": ref.norm1.weight.grad.numpy(),
        "norm1.beta": ref.norm1.bias.grad.numpy(),
        "norm2.gamma": ref.norm2.weight.grad.numpy(),
        "norm2.beta": ref.norm2.bias.grad.numpy(),
    }
    a = block.attn
    ours = {
        "attn.W_in": np.concatenate([a.Wq.grad, a.Wk.grad, a.Wv.grad], axis=1),
        "attn.b_in": np.concatenate([a.bq.grad, a.bk.grad, a.bv.grad]),
        "attn.Wo": a.Wo.grad,
        "attn.bo": a.bo.grad,
        "ff1.W": block.ff1.W.grad,
        "ff1.b": block.ff1.b.grad,
        "ff2.W": block.ff2.W.grad,
        "ff2.b": block.ff2.b.grad,
        "norm1.gamma": block.norm1.gamma.grad,
        "norm1.beta": block.norm1.beta.grad,
        "norm2.gamma": block.norm2.gamma.grad,
        "norm2.beta": block.norm2.beta.grad,
    }
    for name, grad in ours.items():
        np.testing.assert_allclose(grad, theirs[name], **tol, err_msg=name)


def test_transformer_block_with_dropout_matches_torch_in_eval_mode(rng):
    """Dropout is off in eval mode in both libraries: same rate, same outputs."""
    block = TransformerBlock(8, 2, 16, 0.3, activation="gelu", norm_first=True, rng=rng)
    ref = torch_block_from(block, "gelu")
    block.eval()
    ref.eval()
    x = rng.standard_normal((2, 5, 8))
    with torch.no_grad():
        expected = ref(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(block(x), expected, rtol=1e-10, atol=1e-12)
    assert ref.dropout.p == ref.dropout1.p == ref.self_attn.dropout == block.attn.attn_dropout.p


# --- cross-attention ----------------------------------------------------------------------


@pytest.mark.parametrize("with_mask", [False, True])
def test_cross_attention_matches_torch_with_query_unequal_to_key_value(rng, with_mask):
    N, T, S, d, H = 3, 4, 6, 12, 3
    mha = MultiHeadAttention(d, H, rng=rng)
    for b in (mha.bq, mha.bk, mha.bv, mha.bo):
        b.data[...] = rng.standard_normal(d)
    ref = torch_mha_from(mha)
    x, context = rng.standard_normal((N, T, d)), rng.standard_normal((N, S, d))
    grad_out = rng.standard_normal((N, T, d))
    mask, torch_kwargs = None, {}
    if with_mask:
        mask = padding_mask(np.array([6, 4, 2]), S)  # (N, 1, S): the context is padded
        torch_kwargs = {"key_padding_mask": torch.from_numpy(~mask[:, 0, :])}

    y = mha.forward(x, mask, context=context)
    dx, dcontext = mha.backward(grad_out)
    xt, ct = t(x), t(context)
    yt, attn_t = ref(xt, ct, ct, average_attn_weights=False, **torch_kwargs)
    yt.backward(torch.from_numpy(grad_out))

    np.testing.assert_allclose(y, yt.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(mha.attn, attn_t.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(dx, xt.grad.numpy(), rtol=1e-9, atol=1e-11)
    np.testing.assert_allclose(dcontext, ct.grad.numpy(), rtol=1e-9, atol=1e-11)
    grad_W_in = np.concatenate([mha.Wq.grad, mha.Wk.grad, mha.Wv.grad], axis=1).T
    np.testing.assert_allclose(grad_W_in, ref.in_proj_weight.grad.numpy(), rtol=1e-9, atol=1e-11)
    grad_b_in = np.concatenate([mha.bq.grad, mha.bk.grad, mha.bv.grad])
    np.testing.assert_allclose(grad_b_in, ref.in_proj_bias.grad.numpy(), rtol=1e-9, atol=1e-11)
    np.testing.assert_allclose(mha.Wo.grad, ref.out_proj.weight.grad.numpy().T, rtol=1e-9)


# --- a query that may attend to nothing ---------------------------------------------------


def test_what_torch_does_with_a_fully_masked_row(rng):
    """nn.MultiheadAttention returns NaN for such a row, F.scaled_dot_product_attention
    returns zeros (as nnfs does): the claim of attention.md and layers/attention.py."""
    N, T, d, H = 1, 3, 4, 2
    mha = MultiHeadAttention(d, H, rng=rng)
    ref = torch_mha_from(mha)
    x = rng.standard_normal((N, T, d))
    allowed = np.ones((T, T), dtype=bool)
    allowed[1] = False  # query 1 may attend to nothing
    with torch.no_grad():
        y_module = ref(*(torch.from_numpy(x),) * 3, attn_mask=torch.from_numpy(~allowed))[0]
    assert torch.isnan(y_module[0, 1]).all() and not torch.isnan(y_module[0, [0, 2]]).any()

    q, k, v = (rng.standard_normal((N, H, T, 2)) for _ in range(3))
    qt, kt, vt = t(q), t(k), t(v)
    # SDPA's boolean mask means "may attend", as ours does.
    y_sdpa = torch.nn.functional.scaled_dot_product_attention(
        qt, kt, vt, attn_mask=torch.from_numpy(allowed)
    )
    assert torch.all(y_sdpa[:, :, 1] == 0)
    ours, _ = scaled_dot_product_attention(q, k, v, allowed)
    np.testing.assert_allclose(ours, y_sdpa.detach().numpy(), rtol=1e-12, atol=1e-14)
    y_sdpa.sum().backward()
    assert torch.all(qt.grad[:, :, 1] == 0) and torch.isfinite(kt.grad).all()
