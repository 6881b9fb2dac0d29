"""Scaled dot-product attention and multi-head self-attention (Vaswani et al., 2017).

Attention mixes the value rows V with weights A = softmax(Q K^T / sqrt(d_k)): every query row
reads a weighted average of the value rows, the weights saying how well its query matches each
key. Masks are boolean, True = "this query may attend to this key".

A row of the mask with no True at all (a query that may attend to nothing) gets attention
weights of exactly zero, so its output is the zero vector and its gradients are zero. The plain
formula would give 0/0 there; PyTorch returns NaN. We choose "reads nothing" because it is the
limit of letting the masked scores go to -infinity one by one, keeps every number finite, and
lets padded query positions pass through a model without poisoning the loss.
"""

from __future__ import annotations

import numpy as np

from nnfs import functional as F
from nnfs.core import Module, Parameter, check_shape


# --8<-- [start:masks]
def causal_mask(T: int) -> np.ndarray:
    """(T, T) boolean mask, True on and below the diagonal: position t sees positions <= t."""
    return np.tril(np.ones((T, T), dtype=bool))


def padding_mask(lengths: np.ndarray, T: int) -> np.ndarray:
    """(N, 1, T) boolean key mask, True where key position s < lengths[n] (a real token).

    Broadcasts against scores (N, T, T): every query of sequence n ignores its padded keys.
    """
    lengths = np.asarray(lengths)
    return (np.arange(T) < lengths[:, None])[:, None, :]


# --8<-- [end:masks]


# --8<-- [start:masked_softmax]
def masked_softmax(scores: np.ndarray, mask: np.ndarray | None) -> np.ndarray:
    """softmax over the last axis that gives masked entries (mask False) a weight of exactly 0.

    Masked scores become -inf, so exp turns them into 0 (the max-shift of `F.softmax` uses only
    the finite entries). A row with no allowed entry would be all -inf and give 0/0: we give it
    finite dummy scores and zero its weights afterwards, so it reads nothing.
    """
    if mask is None:
        return F.softmax(scores, axis=-1)
    scores = np.where(mask, scores, -np.inf)
    any_allowed = mask.any(axis=-1, keepdims=True)
    if any_allowed.all():
        return F.softmax(scores, axis=-1)
    scores = np.where(any_allowed, scores, 0.0)
    return F.softmax(scores, axis=-1) * any_allowed


# --8<-- [end:masked_softmax]


# --8<-- [start:sdpa]
def scaled_dot_product_attention(
    q: np.ndarray, k: np.ndarray, v: np.ndarray, mask: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """out = A V with A = softmax(Q K^T / sqrt(d_k)), masked entries of A set to 0.

    Args:
        q: queries (..., T_q, d_k).
        k: keys (..., T_k, d_k).
        v: values (..., T_k, d_v).
        mask: boolean, broadcastable to (..., T_q, T_k); True = may attend.

    Returns:
        out (..., T_q, d_v) and the attention weights A (..., T_q, T_k), which backward needs.
    """
    scale = 1.0 / float(np.sqrt(q.shape[-1]))  # a Python float keeps float32 inputs float32
    scores = (q * scale) @ k.swapaxes(-1, -2)  # (..., T_q, T_k)
    attn = masked_softmax(scores, mask)  # (..., T_q, T_k), rows sum to 1 (or 0)
    return attn @ v, attn


def scaled_dot_product_attention_backward(
    grad_out: np.ndarray, q: np.ndarray, k: np.ndarray, v: np.ndarray, attn: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gradients (dq, dk, dv) of the loss, given dL/d(out) (..., T_q, d_v) and the saved A.

    dV = A^T G;  dA = G V^T;  dS = A * (dA - rowsum(dA * A));  dQ = dS K s;  dK = dS^T Q s,
    with s = 1/sqrt(d_k). Masked entries have A = 0, so they pass no gradient: the mask needs
    no special case here.
    """
    scale = 1.0 / float(np.sqrt(q.shape[-1]))
    grad_v = attn.swapaxes(-1, -2) @ grad_out  # (..., T_k, d_v)
    grad_attn = grad_out @ v.swapaxes(-1, -2)  # (..., T_q, T_k)
    grad_scores = F.softmax_backward(attn, grad_attn, axis=-1)  # (..., T_q, T_k)
    grad_q = (grad_scores @ k) * scale  # (..., T_q, d_k)
    grad_k = (grad_scores.swapaxes(-1, -2) @ q) * scale  # (..., T_k, d_k)
    return grad_q, grad_k, grad_v


# --8<-- [end:sdpa]


class ScaledDotProductAttention(Module):
    """The function pair above as a module: forward(q, k, v, mask) -> out; backward -> (dq, dk, dv).

    No parameters. Keeps the attention weights as `attn` (..., T_q, T_k).
    """

    def forward(
        self, q: np.ndarray, k: np.ndarray, v: np.ndarray, mask: np.ndarray | None = None
    ) -> np.ndarray:
        if q.shape[-1] != k.shape[-1] or k.shape[-2] != v.shape[-2]:
            raise ValueError(
                "ScaledDotProductAttention: expected q (..., T_q, d_k), k (..., T_k, d_k), "
                f"v (..., T_k, d_v), got q {q.shape}, k {k.shape}, v {v.shape}"
            )
        self.q, self.k, self.v = q, k, v
        out, self.attn = scaled_dot_product_attention(q, k, v, mask)
        return out

    def backward(self, grad_out: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return scaled_dot_product_attention_backward(grad_out, self.q, self.k, self.v, self.attn)


# --8<-- [start:mha]
class MultiHeadAttention(Module):
    """Multi-head self-attention: y = concat_h(attention(x Wq_h, x Wk_h, x Wv_h)) Wo + bo.

    Head h owns the contiguous columns h*d_k:(h+1)*d_k of Wq, Wk and Wv (d_k = d_model /
    num_heads). The heads are split by a reshape and a transpose, so all of them run in one
    batched matrix product.

    Args:
        d_model: d, the size of each token vector.
        num_heads: H; must divide d_model.
        rng: the Generator that draws the initial weights (Xavier uniform for each (d, d) matrix).
        dtype: float64 (the default, for gradient checks) or float32 (for speed).

    Shapes: x (N, T, d) -> y (N, T, d); mask broadcastable to (N, T, T); Wq, Wk, Wv, Wo (d, d);
    bq, bk, bv, bo (d,); attention weights `attn` (N, H, T, T).
    """

    def __init__(
        self,
        d_model: int,
        num_heads: int,
        *,
        rng: np.random.Generator | None = None,
        dtype: type = np.float64,
    ) -> None:
        super().__init__()
        if d_model % num_heads:
            raise ValueError(
                f"MultiHeadAttention: d_model ({d_model}) must be divisible by "
                f"num_heads ({num_heads})"
            )
        rng = rng if rng is not None else np.random.default_rng()
        self.d_model, self.num_heads, self.d_k = d_model, num_heads, d_model // num_heads
        limit = float(np.sqrt(6.0 / (2 * d_model)))
        for name in ("Wq", "Wk", "Wv", "Wo"):
            weight = rng.uniform(-limit, limit, size=(d_model, d_model)).astype(dtype)
            setattr(self, name, Parameter(weight))
        for name in ("bq", "bk", "bv", "bo"):
            setattr(self, name, Parameter(np.zeros(d_model, dtype=dtype)))

    def _check_mask(self, mask: np.ndarray, N: int, T: int) -> np.ndarray:
        mask = np.asarray(mask)
        if mask.dtype != bool:
            raise TypeError(f"MultiHeadAttention: mask must be boolean, got dtype {mask.dtype}")
        try:
            ok = np.broadcast_shapes(mask.shape, (N, T, T)) == (N, T, T)
        except ValueError:
            ok = False
        if not ok:
            raise ValueError(
                f"MultiHeadAttention: mask expected a shape broadcastable to ({N}, {T}, {T}), "
                f"got {tuple(mask.shape)}"
            )
        # Insert the head axis: (N, T, T) -> (N, 1, T, T); a 2-D mask broadcasts as it is.
        return mask[..., None, :, :] if mask.ndim == 3 else mask

    def forward(self, x: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
        check_shape("MultiHeadAttention", "input", x, (None, None, self.d_model))
        N, T, d = x.shape
        H, d_k = self.num_heads, self.d_k
        if mask is not None:
            mask = self._check_mask(mask, N, T)
        # One (d, 3d) product instead of three (d, d) ones: the concatenation copies 3d^2
        # numbers, far fewer than the N*T*3d the product writes, and one big GEMM is faster.
        self.W_qkv = np.concatenate([self.Wq.data, self.Wk.data, self.Wv.data], axis=1)  # (d, 3d)
        b_qkv = np.concatenate([self.bq.data, self.bk.data, self.bv.data])  # (3d,)
        self.x2d = x.reshape(N * T, d)
        qkv = self.x2d @ self.W_qkv + b_qkv  # (N*T, 3d)
        qkv = qkv.reshape(N, T, 3, H, d_k).transpose(2, 0, 3, 1, 4)  # (3, N, H, T, d_k)
        self.q, self.k, self.v = qkv[0], qkv[1], qkv[2]  # each (N, H, T, d_k)
        context, self.attn = scaled_dot_product_attention(self.q, self.k, self.v, mask)
        # (N, H, T, d_k) -> (N, T, H, d_k) -> (N*T, d): head h lands in columns h*d_k:(h+1)*d_k.
        self.context2d = context.transpose(0, 2, 1, 3).reshape(N * T, d)
        y = self.context2d @ self.Wo.data + self.bo.data  # (N*T, d)
        return y.reshape(N, T, d)

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        N, T, d = grad_out.shape
        H, d_k = self.num_heads, self.d_k
        grad_y = grad_out.reshape(N * T, d)
        if not self.Wo.frozen:
            self.Wo.grad += self.context2d.T @ grad_y
            self.bo.grad += grad_y.sum(axis=0)
        grad_context = (grad_y @ self.Wo.data.T).reshape(N, T, H, d_k).transpose(0, 2, 1, 3)
        grads = scaled_dot_product_attention_backward(
            grad_context, self.q, self.k, self.v, self.attn
        )  # three (N, H, T, d_k)
        # Undo the head split: write each (N, H, T, d_k) into its slot of (N, T, 3, H, d_k).
        grad_qkv = np.empty((N, T, 3, H, d_k), dtype=grad_out.dtype)
        for i, grad in enumerate(grads):
            grad_qkv[:, :, i] = grad.transpose(0, 2, 1, 3)
        grad_qkv = grad_qkv.reshape(N * T, 3 * d)
        projections = ((self.Wq, self.bq), (self.Wk, self.bk), (self.Wv, self.bv))
        if not all(W.frozen for W, _ in projections):
            grad_W_qkv = self.x2d.T @ grad_qkv  # (d, 3d)
            grad_b_qkv = grad_qkv.sum(axis=0)  # (3d,)
            for i, (W, b) in enumerate(projections):
                if not W.frozen:
                    W.grad += grad_W_qkv[:, i * d : (i + 1) * d]
                    b.grad += grad_b_qkv[i * d : (i + 1) * d]
        return (grad_qkv @ self.W_qkv.T).reshape(N, T, d)

    # --8<-- [end:mha]

    def __repr__(self) -> str:
        return f"MultiHeadAttention(d_model={self.d_model}, num_heads={self.num_heads})"
