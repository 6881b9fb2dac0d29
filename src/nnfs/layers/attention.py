"""Scaled dot-product attention, multi-head self- and cross-attention (Vaswani et al., 2017).

Attention mixes the value rows V with weights A = softmax(Q K^T / sqrt(d_k)): every query row
reads a weighted average of the value rows, the weights saying how well its query matches each
key. Masks are boolean, True = "this query may attend to this key".

A row of the mask with no True at all (a query that may attend to nothing) gets attention
weights of exactly zero, so its output is the zero vector and its gradients are zero. The plain
formula would give 0/0 there. PyTorch gives both answers: `nn.MultiheadAttention` returns NaN
for such a row, `F.scaled_dot_product_attention` returns zeros (tests/test_torch_parity_attention
checks both). We choose zeros ("reads nothing"): it keeps every number finite, and padded query
positions pass through a model without poisoning the loss.
"""

from __future__ import annotations

import numpy as np

from nnfs import functional as F
from nnfs.checks import (
    check_floating,
    check_int,
    check_real,
    check_rng,
    check_shape,
    require_forward,
)
from nnfs.core import Module, Parameter
from nnfs.layers.dropout import Dropout


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
def attention_weights(q: np.ndarray, k: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
    """A = softmax(Q K^T / sqrt(d_k)) over the keys, masked entries exactly 0.

    Shapes: q (..., T_q, d_k), k (..., T_k, d_k), mask broadcastable to (..., T_q, T_k)
    -> A (..., T_q, T_k).
    """
    scale = 1.0 / float(np.sqrt(q.shape[-1]))  # a Python float keeps float32 inputs float32
    scores = q @ k.swapaxes(-1, -2)  # (..., T_q, T_k)
    scores *= scale  # in place, rather than a scaled copy of q
    return masked_softmax(scores, mask)  # rows sum to 1 (or 0)


def attention_weights_backward(
    grad_attn: np.ndarray,
    q: np.ndarray,
    k: np.ndarray,
    attn: np.ndarray,
    out: tuple[np.ndarray, np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """(dQ, dK) from dL/dA: dS = A * (dA - rowsum(dA * A)); dQ = dS K s; dK = dS^T Q s.

    s = 1/sqrt(d_k). Masked entries have A = 0, so they pass no gradient: the mask needs no
    special case here. `out`, if given, is the pair of arrays (shaped like q and k) that the
    products write dQ and dK into, instead of new arrays.
    """
    scale = 1.0 / float(np.sqrt(q.shape[-1]))
    grad_scores = F.softmax_backward(attn, grad_attn, axis=-1)  # (..., T_q, T_k)
    grad_scores *= scale  # once here rather than on both products
    grad_q, grad_k = (None, None) if out is None else out
    grad_q = np.matmul(grad_scores, k, out=grad_q)  # (..., T_q, d_k)
    grad_k = np.matmul(grad_scores.swapaxes(-1, -2), q, out=grad_k)  # (..., T_k, d_k)
    return grad_q, grad_k


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
    attn = attention_weights(q, k, mask)
    return attn @ v, attn


def scaled_dot_product_attention_backward(
    grad_out: np.ndarray, q: np.ndarray, k: np.ndarray, v: np.ndarray, attn: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gradients (dq, dk, dv) of the loss, given dL/d(out) (..., T_q, d_v) and the saved A.

    dV = A^T G;  dA = G V^T;  then (dQ, dK) from dA as in `attention_weights_backward`.
    """
    grad_v = attn.swapaxes(-1, -2) @ grad_out  # (..., T_k, d_v)
    grad_attn = grad_out @ v.swapaxes(-1, -2)  # (..., T_q, T_k)
    grad_q, grad_k = attention_weights_backward(grad_attn, q, k, attn)
    return grad_q, grad_k, grad_v


# --8<-- [end:sdpa]


class ScaledDotProductAttention(Module):
    """The function pair above as a module: forward(q, k, v, mask) -> out; backward -> (dq, dk, dv).

    No parameters. Keeps the attention weights as `attn` (..., T_q, T_k).
    """

    def forward(
        self, q: np.ndarray, k: np.ndarray, v: np.ndarray, mask: np.ndarray | None = None
    ) -> np.ndarray:
        for name, array in (("q", q), ("k", k), ("v", v)):
            check_floating("ScaledDotProductAttention", name, array)
        if q.ndim < 2 or q.shape[-1] != k.shape[-1] or k.shape[-2:-1] != v.shape[-2:-1]:
            raise ValueError(
                "ScaledDotProductAttention: expected q (..., T_q, d_k), k (..., T_k, d_k), "
                f"v (..., T_k, d_v), got q {q.shape}, k {k.shape}, v {v.shape}"
            )
        self.q, self.k, self.v = q, k, v
        out, self.attn = scaled_dot_product_attention(q, k, v, mask)
        self.out_shape = out.shape
        return out

    def backward(self, grad_out: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        require_forward(self, "attn")
        check_shape("ScaledDotProductAttention", "grad_out", grad_out, self.out_shape)
        return scaled_dot_product_attention_backward(grad_out, self.q, self.k, self.v, self.attn)


# --8<-- [start:kv_cache]
class KVCache:
    """The keys and values one attention layer has computed so far, for incremental decoding.

    A language model that generates token t + 1 needs the keys and values of tokens 0..t. They
    do not change when a token is appended (causal attention: position s never sees later
    positions), so each is computed once and stored here instead of at every step.

    Shapes: k, v (N, H, capacity, d_k), of which the first `length` positions are filled.
    """

    def __init__(self, N: int, num_heads: int, capacity: int, d_k: int, dtype: type) -> None:
        for name, value in (("N", N), ("num_heads", num_heads), ("capacity", capacity)):
            check_int("KVCache", name, value)
        check_int("KVCache", "d_k", d_k)
        self.k = np.empty((N, num_heads, capacity, d_k), dtype=dtype)
        self.v = np.empty_like(self.k)
        self.capacity, self.length = capacity, 0

    def append(self, k: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Store k, v (N, H, t, d_k) after the filled positions; return all keys and values."""
        t = k.shape[2]
        if self.length + t > self.capacity:
            raise ValueError(
                f"KVCache: cannot append {t} positions to {self.length} of capacity {self.capacity}"
            )
        self.k[:, :, self.length : self.length + t] = k
        self.v[:, :, self.length : self.length + t] = v
        self.length += t
        return self.k[:, :, : self.length], self.v[:, :, : self.length]


# --8<-- [end:kv_cache]


# --8<-- [start:mha]
class MultiHeadAttention(Module):
    """Multi-head attention: y = concat_h(attention(x Wq_h, c Wk_h, c Wv_h)) Wo + bo.

    Self-attention (c = x) by default; cross-attention with `context=c`: the queries come from
    x, the keys and values from another sequence c (an encoder's output, say). Head h owns the
    contiguous columns h*d_k:(h+1)*d_k of Wq, Wk and Wv (d_k = d_model / num_heads); the heads
    are split by a reshape and a transpose, so all of them run in one batched matrix product.

    Args:
        d_model: d, the size of each token vector.
        num_heads: H; must divide d_model.
        dropout: the probability of zeroing an attention weight while training (after the
            softmax, as torch.nn.MultiheadAttention does); 0 switches it off.
        rng: the Generator that draws the initial weights (Xavier uniform for each (d, d)
            matrix) and the dropout masks.
        dtype: float64 (the default, for gradient checks) or float32 (for speed).

    Shapes: x (N, T, d), context (N, S, d) (S = T for self-attention) -> y (N, T, d); mask
    broadcastable to (N, T, S); Wq, Wk, Wv, Wo (d, d); bq, bk, bv, bo (d,); the attention
    weights before dropout are kept as `attn` (N, H, T, S). `backward` returns dx, or the pair
    (dx, dcontext) after a cross-attention forward.
    """

    def __init__(
        self,
        d_model: int,
        num_heads: int,
        dropout: float = 0.0,
        *,
        rng: np.random.Generator | None = None,
        dtype: type = np.float64,
    ) -> None:
        super().__init__()
        d_model = check_int("MultiHeadAttention", "d_model", d_model)
        num_heads = check_int("MultiHeadAttention", "num_heads", num_heads)
        if d_model % num_heads:
            raise ValueError(
                f"MultiHeadAttention: d_model ({d_model}) must be divisible by "
                f"num_heads ({num_heads})"
            )
        dropout = check_real("MultiHeadAttention", "dropout", dropout, 0.0, 1.0, high_open=True)
        rng = check_rng("MultiHeadAttention", rng)
        if not np.issubdtype(dtype, np.floating):
            raise TypeError(f"MultiHeadAttention: dtype expected a floating type, got {dtype}")
        self.d_model, self.num_heads, self.d_k = d_model, num_heads, d_model // num_heads
        limit = float(np.sqrt(6.0 / (2 * d_model)))
        for name in ("Wq", "Wk", "Wv", "Wo"):
            weight = rng.uniform(-limit, limit, size=(d_model, d_model)).astype(dtype)
            setattr(self, name, Parameter(weight))
        for name in ("bq", "bk", "bv", "bo"):
            setattr(self, name, Parameter(np.zeros(d_model, dtype=dtype)))
        self.attn_dropout = Dropout(dropout, rng=rng)

    def _split_heads(self, y2d: np.ndarray, N: int, T: int, parts: int) -> np.ndarray:
        """(N*T, parts*d) -> (parts, N, H, T, d_k): head h of part i gets its own columns."""
        return y2d.reshape(N, T, parts, self.num_heads, self.d_k).transpose(2, 0, 3, 1, 4)

    def _merge_heads(self, *parts: np.ndarray) -> np.ndarray:
        """Inverse of _split_heads: arrays (N, H, T, d_k) -> (N*T, len(parts)*d)."""
        N, _, T, _ = parts[0].shape
        merged = np.empty((N * T, len(parts) * self.d_model), dtype=np.result_type(*parts))
        # _split_heads returns views: assigning to them fills the merged array, one copy.
        for view, part in zip(self._split_heads(merged, N, T, len(parts)), parts, strict=True):
            view[...] = part
        return merged

    def forward(
        self, x: np.ndarray, mask: np.ndarray | None = None, *, context: np.ndarray | None = None
    ) -> np.ndarray:
        check_shape("MultiHeadAttention", "input", x, (None, None, self.d_model))
        check_floating("MultiHeadAttention", "input", x)
        N, T, d = x.shape
        self.cross = context is not None
        if self.cross:
            check_shape("MultiHeadAttention", "context", context, (N, None, d))
            check_floating("MultiHeadAttention", "context", context)
        S = context.shape[1] if self.cross else T
        mask = None if mask is None else self._check_mask(mask, N, T, S)
        self.x2d = x.reshape(N * T, d)
        if not self.cross:
            # One (d, 3d) product instead of three (d, d) ones: the concatenation copies 3d^2
            # numbers, far fewer than the N*T*3d the product writes, and one GEMM is faster.
            self.W_in = np.concatenate([self.Wq.data, self.Wk.data, self.Wv.data], axis=1)
            b_in = np.concatenate([self.bq.data, self.bk.data, self.bv.data])
            qkv = self.x2d @ self.W_in
            qkv += b_in  # in place: no second (N*T, 3d) array
            self.q, self.k, self.v = self._split_heads(qkv, N, T, 3)
        else:
            self.context2d = context.reshape(N * S, d)
            self.W_in = np.concatenate([self.Wk.data, self.Wv.data], axis=1)  # (d, 2d)
            b_in = np.concatenate([self.bk.data, self.bv.data])
            (self.q,) = self._split_heads(self.x2d @ self.Wq.data + self.bq.data, N, T, 1)
            self.k, self.v = self._split_heads(self.context2d @ self.W_in + b_in, N, S, 2)
        self.attn = attention_weights(self.q, self.k, mask)  # (N, H, T, S)
        self.attn_used = self.attn_dropout(self.attn)  # = attn unless dropout is on
        # The heads' product A V written through _split_heads's views of the merged (N*T, d)
        # array: the same numbers as _merge_heads(A @ V), without the copy.
        self.heads2d = np.empty((N * T, d), dtype=np.result_type(self.attn_used, self.v))
        np.matmul(self.attn_used, self.v, out=self._split_heads(self.heads2d, N, T, 1)[0])
        y = self.heads2d @ self.Wo.data
        y += self.bo.data  # (N*T, d)
        return y.reshape(N, T, d)

    def backward(self, grad_out: np.ndarray) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
        require_forward(self, "x2d")
        N, H, T, _ = self.q.shape
        check_shape("MultiHeadAttention", "grad_out", grad_out, (N, T, self.d_model))
        grad_y = grad_out.reshape(N * T, self.d_model)
        self._accumulate(self.heads2d, grad_y, [(self.Wo, self.bo)])
        grad_heads = self._split_heads(grad_y @ self.Wo.data.T, N, T, 1)[0]  # (N, H, T, d_k)
        grad_attn = self.attn_dropout.backward(grad_heads @ self.v.swapaxes(-1, -2))
        # dQ, dK, dV are written by their products through _split_heads's views of the merged
        # gradients, (N*T, 3d) for self-attention, (N*T, d) and (N*S, 2d) for cross-attention:
        # no _merge_heads copy.
        dtype = grad_heads.dtype
        if not self.cross:
            grad_qkv = np.empty((N * T, 3 * self.d_model), dtype=dtype)
            grad_q, grad_k, grad_v = self._split_heads(grad_qkv, N, T, 3)
        else:
            S = self.k.shape[2]
            grad_q2d = np.empty((N * T, self.d_model), dtype=dtype)
            grad_kv = np.empty((N * S, 2 * self.d_model), dtype=dtype)
            (grad_q,) = self._split_heads(grad_q2d, N, T, 1)
            grad_k, grad_v = self._split_heads(grad_kv, N, S, 2)
        np.matmul(self.attn_used.swapaxes(-1, -2), grad_heads, out=grad_v)  # (N, H, S, d_k)
        attention_weights_backward(grad_attn, self.q, self.k, self.attn, out=(grad_q, grad_k))
        if not self.cross:
            pairs = [(self.Wq, self.bq), (self.Wk, self.bk), (self.Wv, self.bv)]
            self._accumulate(self.x2d, grad_qkv, pairs)
            return (grad_qkv @ self.W_in.T).reshape(N, T, self.d_model)
        self._accumulate(self.x2d, grad_q2d, [(self.Wq, self.bq)])
        self._accumulate(self.context2d, grad_kv, [(self.Wk, self.bk), (self.Wv, self.bv)])
        grad_x = (grad_q2d @ self.Wq.data.T).reshape(N, T, self.d_model)
        return grad_x, (grad_kv @ self.W_in.T).reshape(N, -1, self.d_model)

    def _accumulate(self, inputs2d: np.ndarray, grad2d: np.ndarray, pairs: list) -> None:
        """Add dW = inputs^T G and db = sum(G) for side-by-side projections [W_1 W_2 ...].

        Each parameter looks at its own `frozen` flag only: freezing a weight leaves its bias
        trainable, and the other way round.
        """
        d = self.d_model
        if not all(W.frozen for W, _ in pairs):
            grad_W = inputs2d.T @ grad2d  # (d, len(pairs) * d)
            for i, (W, _) in enumerate(pairs):
                if not W.frozen:
                    W.grad += grad_W[:, i * d : (i + 1) * d]
        if not all(b.frozen for _, b in pairs):
            grad_b = F.fast_sum(grad2d, axis=0)  # grad2d.sum(axis=0), faster
            for i, (_, b) in enumerate(pairs):
                if not b.frozen:
                    b.grad += grad_b[i * d : (i + 1) * d]

    # --8<-- [end:mha]

    # --8<-- [start:forward_cached]
    def forward_cached(self, x: np.ndarray, cache: KVCache) -> np.ndarray:
        """Causal self-attention of new tokens x over the cached ones and themselves.

        Computes the keys and values of the t new positions only, appends them to `cache`, and
        lets new token i (at position p = cache.length + i) attend to positions 0..p: the same
        output as a causal forward over the whole sequence, at O(t * length) cost instead of
        O(length^2). Inference only (no dropout, no backward).

        Shapes: x (N, t, d) -> y (N, t, d).
        """
        check_shape("MultiHeadAttention", "input", x, (cache.k.shape[0], None, self.d_model))
        N, t, d = x.shape
        W_in = np.concatenate([self.Wq.data, self.Wk.data, self.Wv.data], axis=1)
        b_in = np.concatenate([self.bq.data, self.bk.data, self.bv.data])
        q, k, v = self._split_heads(x.reshape(N * t, d) @ W_in + b_in, N, t, 3)
        past = cache.length
        k_all, v_all = cache.append(k, v)  # (N, H, past + t, d_k)
        mask = np.arange(past + t) <= past + np.arange(t)[:, None]  # (t, past + t)
        out, _ = scaled_dot_product_attention(q, k_all, v_all, mask)
        self.x2d = None  # a backward now needs a new forward
        return (self._merge_heads(out) @ self.Wo.data + self.bo.data).reshape(N, t, d)

    # --8<-- [end:forward_cached]

    def _check_mask(self, mask: np.ndarray, N: int, T: int, S: int) -> np.ndarray:
        mask = np.asarray(mask)
        if mask.dtype != bool:
            raise TypeError(f"MultiHeadAttention: mask must be boolean, got dtype {mask.dtype}")
        try:
            ok = np.broadcast_shapes(mask.shape, (N, T, S)) == (N, T, S)
        except ValueError:
            ok = False
        if not ok:
            raise ValueError(
                f"MultiHeadAttention: mask expected a shape broadcastable to ({N}, {T}, {S}), "
                f"got {tuple(mask.shape)}"
            )
        # Insert the head axis: (N, T, S) -> (N, 1, T, S); a 2-D mask broadcasts as it is.
        return mask[..., None, :, :] if mask.ndim == 3 else mask

    def __repr__(self) -> str:
        return (
            f"MultiHeadAttention(d_model={self.d_model}, num_heads={self.num_heads}, "
            f"dropout={self.attn_dropout.p})"
        )
