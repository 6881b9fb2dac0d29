"""MultiHeadAttention against torch.nn.MultiheadAttention with copied weights, in float64."""

import numpy as np
import pytest

from nnfs.layers.attention import MultiHeadAttention, causal_mask, padding_mask
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


def test_transformer_block_matches_torch_encoder_layer(rng):
    """Post-norm TransformerBlock vs nn.TransformerEncoderLayer(norm_first=False), float64."""
    N, T, d, H, d_ff = 2, 5, 8, 2, 16
    block = TransformerBlock(d, H, d_ff, rng=rng)
    for name, p in block.named_parameters():
        if name.split(".")[-1] in ("gamma", "beta", "b", "bq", "bk", "bv", "bo"):
            p.data[...] += 0.1 * rng.standard_normal(p.shape)
    ref = torch.nn.TransformerEncoderLayer(
        d, H, d_ff, dropout=0.0, activation="relu", batch_first=True, norm_first=False
    ).double()
    ref.self_attn.load_state_dict(torch_mha_from(block.attn).state_dict())
    with torch.no_grad():
        for lin, dense in ((ref.linear1, block.ff1), (ref.linear2, block.ff2)):
            lin.weight.copy_(torch.from_numpy(dense.W.data.T))
            lin.bias.copy_(torch.from_numpy(dense.b.data))
        for norm, ln in ((ref.norm1, block.norm1), (ref.norm2, block.norm2)):
            norm.weight.copy_(torch.from_numpy(ln.gamma.data))
            norm.bias.copy_(torch.from_numpy(ln.beta.data))
    x = rng.standard_normal((N, T, d))
    grad_out = rng.standard_normal((N, T, d))
    mask = causal_mask(T)

    y = block.forward(x, mask=mask)
    dx = block.backward(grad_out)
    xt = t(x)
    yt = ref(xt, src_mask=torch.from_numpy(~mask))
    yt.backward(torch.from_numpy(grad_out))

    np.testing.assert_allclose(y, yt.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(dx, xt.grad.numpy(), rtol=1e-9, atol=1e-11)
    np.testing.assert_allclose(block.ff1.W.grad, ref.linear1.weight.grad.numpy().T, rtol=1e-9)
    np.testing.assert_allclose(block.norm1.gamma.grad, ref.norm1.weight.grad.numpy(), rtol=1e-9)
    np.testing.assert_allclose(block.attn.Wo.grad, ref.self_attn.out_proj.weight.grad.numpy().T)
