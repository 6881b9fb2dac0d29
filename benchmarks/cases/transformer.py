"""Transformer encoder block and multi-head attention, forward + backward, nnfs vs PyTorch.

Shapes: batch 16, T 64, d_model 128, 4 heads, d_ff 512, float32. The torch side is
`nn.TransformerEncoderLayer(norm_first=False)` (post-norm, ReLU, no dropout), which is built
from `nn.MultiheadAttention`, `nn.LayerNorm` and `nn.Linear` like our `TransformerBlock`; the
attention case is `nn.MultiheadAttention` alone. Both start from the same weights (copied from
nnfs) and back-propagate the same upstream gradient into the weights and the input.
"""

from __future__ import annotations

import numpy as np
import torch

from benchmarks.harness import Case
from benchmarks.torch_bridge import assert_close, to_torch
from nnfs.layers.attention import MultiHeadAttention
from nnfs.layers.transformer import TransformerBlock

N, T, D, HEADS, D_FF = 16, 64, 128, 4, 512


def copy_mha(ours: MultiHeadAttention, ref: torch.nn.MultiheadAttention) -> None:
    """Copy Wq, Wk, Wv (as torch's transposed in_proj_weight), Wo and the biases into `ref`."""
    with torch.no_grad():
        w_in = np.concatenate([ours.Wq.data, ours.Wk.data, ours.Wv.data], axis=1).T
        ref.in_proj_weight.copy_(to_torch(w_in))
        ref.in_proj_bias.copy_(to_torch(np.concatenate([ours.bq.data, ours.bk.data, ours.bv.data])))
        ref.out_proj.weight.copy_(to_torch(ours.Wo.data.T))
        ref.out_proj.bias.copy_(to_torch(ours.bo.data))


def copy_block(ours: TransformerBlock, ref: torch.nn.TransformerEncoderLayer) -> None:
    """Copy a TransformerBlock's weights into an nn.TransformerEncoderLayer of the same shape."""
    copy_mha(ours.attn, ref.self_attn)
    with torch.no_grad():
        for lin, dense in ((ref.linear1, ours.ff1), (ref.linear2, ours.ff2)):
            lin.weight.copy_(to_torch(dense.W.data.T))
            lin.bias.copy_(to_torch(dense.b.data))
        for norm, ln in ((ref.norm1, ours.norm1), (ref.norm2, ours.norm2)):
            norm.weight.copy_(to_torch(ln.gamma.data))
            norm.bias.copy_(to_torch(ln.beta.data))


def _case(name: str, ours, ref, torch_forward, grads) -> Case:
    """grads: pairs (nnfs gradient getter, torch gradient getter) compared by `check`."""
    rng = np.random.default_rng(1)
    dtype = ours.attn.Wq.dtype if hasattr(ours, "attn") else ours.Wq.dtype
    x = rng.standard_normal((N, T, D)).astype(dtype)
    grad_out = rng.standard_normal((N, T, D)).astype(dtype)
    x_t = to_torch(x).requires_grad_(True)
    grad_out_t = to_torch(grad_out)

    def nnfs_step() -> np.ndarray:
        ours.forward(x)
        return ours.backward(grad_out)

    def torch_step() -> torch.Tensor:
        y = torch_forward(x_t)
        y.backward(grad_out_t)
        return x_t.grad

    def check() -> None:
        ours.zero_grad()
        ref.zero_grad(set_to_none=False)
        x_t.grad = None
        y = ours.forward(x)
        dx = ours.backward(grad_out)
        y_t = torch_forward(x_t)
        y_t.backward(grad_out_t)
        assert y.dtype == dtype and dx.dtype == dtype, f"{name}: dtype changed to {y.dtype}"
        assert_close(f"{name} output", y, y_t.detach().numpy())
        assert_close(f"{name} dx", dx, x_t.grad.numpy())
        for label, g_ours, g_ref in grads:
            assert_close(f"{name} {label}", g_ours(), g_ref())

    return Case(name, nnfs_step, torch_step, check)


def cases(dtype: type = np.float32) -> list[Case]:
    torch_dtype = torch.float32 if dtype == np.float32 else torch.float64

    mha = MultiHeadAttention(D, HEADS, rng=np.random.default_rng(0), dtype=dtype)
    ref_mha = torch.nn.MultiheadAttention(D, HEADS, batch_first=True).to(torch_dtype)
    copy_mha(mha, ref_mha)
    mha_grads = [
        ("Wo", lambda: mha.Wo.grad, lambda: ref_mha.out_proj.weight.grad.numpy().T),
        (
            "W_in",
            lambda: np.concatenate([mha.Wq.grad, mha.Wk.grad, mha.Wv.grad], axis=1),
            lambda: ref_mha.in_proj_weight.grad.numpy().T,
        ),
    ]

    block = TransformerBlock(D, HEADS, D_FF, rng=np.random.default_rng(0), dtype=dtype)
    ref_block = torch.nn.TransformerEncoderLayer(
        D, HEADS, D_FF, dropout=0.0, activation="relu", batch_first=True, norm_first=False
    ).to(torch_dtype)
    copy_block(block, ref_block)
    block_grads = [
        ("ff1.W", lambda: block.ff1.W.grad, lambda: ref_block.linear1.weight.grad.numpy().T),
        ("ff2.W", lambda: block.ff2.W.grad, lambda: ref_block.linear2.weight.grad.numpy().T),
        (
            "norm1.gamma",
            lambda: block.norm1.gamma.grad,
            lambda: ref_block.norm1.weight.grad.numpy(),
        ),
        (
            "attn.W_in",
            lambda: np.concatenate(
                [block.attn.Wq.grad, block.attn.Wk.grad, block.attn.Wv.grad], axis=1
            ),
            lambda: ref_block.self_attn.in_proj_weight.grad.numpy().T,
        ),
    ]

    return [
        _case(
            f"multi-head attention fwd+bwd N{N} T{T} d{D} h{HEADS}",
            mha,
            ref_mha,
            lambda x: ref_mha(x, x, x, need_weights=False)[0],
            mha_grads,
        ),
        _case(
            f"transformer block fwd+bwd N{N} T{T} d{D} h{HEADS} ff{D_FF}",
            block,
            ref_block,
            ref_block,
            block_grads,
        ),
    ]
