"""The transformer encoder block (Vaswani et al., 2017) and sinusoidal positional encodings.

Self-attention treats its input as a set: permuting the tokens permutes the outputs the same
way. Positional encodings add "where am I" to each token vector so that order can matter.

Norm placement: we use the original post-norm block, y = LayerNorm(x + Sublayer(x)), as in
Vaswani et al. (2017) and PyTorch's `nn.TransformerEncoderLayer` default (`norm_first=False`).
The pre-norm variant, y = x + Sublayer(LayerNorm(x)), trains deep stacks more easily without
a learning-rate warm-up (Xiong et al., 2020); for the shallow encoders of this book both train,
and post-norm lets a reader compare every number with the paper and with PyTorch.
"""

from __future__ import annotations

import numpy as np

from nnfs.core import Module, check_shape
from nnfs.layers.activation import ReLU
from nnfs.layers.attention import MultiHeadAttention
from nnfs.layers.dense import Dense
from nnfs.layers.dropout import Dropout
from nnfs.layers.norm import LayerNorm


# --8<-- [start:positional_encoding]
def positional_encoding(T: int, d: int, dtype: type = np.float64) -> np.ndarray:
    """Sinusoidal encodings (T, d): PE[t, 2i] = sin(t / 10000^(2i/d)), PE[t, 2i+1] = cos(same).

    Each pair of columns is a sinusoid of its own wavelength, from 2*pi to 10000 * 2*pi, so
    PE[t + k] is a fixed rotation of PE[t] for every offset k (Vaswani et al., 2017).
    """
    positions = np.arange(T)[:, None]  # (T, 1)
    frequencies = 1.0 / 10000.0 ** (np.arange(0, d, 2) / d)  # (ceil(d/2),)
    angles = positions * frequencies  # (T, ceil(d/2))
    pe = np.empty((T, d))
    pe[:, 0::2] = np.sin(angles)
    pe[:, 1::2] = np.cos(angles[:, : d // 2])  # an odd d has one fewer cosine column
    return pe.astype(dtype)


class PositionalEncoding(Module):
    """y = x + PE[:T]: adds the sinusoidal encoding of each position; dy/dx is the identity.

    Args:
        max_len: the longest sequence the table covers.
        d_model: d, the size of each token vector.

    Shapes: x (N, T, d) with T <= max_len -> y (N, T, d).
    """

    def __init__(self, max_len: int, d_model: int) -> None:
        super().__init__()
        self.max_len, self.d_model = max_len, d_model
        self.pe = positional_encoding(max_len, d_model)  # a constant, not a Parameter

    def forward(self, x: np.ndarray) -> np.ndarray:
        if x.ndim != 3 or x.shape[1] > self.max_len or x.shape[2] != self.d_model:
            raise ValueError(
                f"PositionalEncoding: input expected shape (N, T <= {self.max_len}, "
                f"{self.d_model}), got {tuple(x.shape)}"
            )
        return x + self.pe[: x.shape[1]].astype(x.dtype, copy=False)

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        return grad_out


# --8<-- [end:positional_encoding]


# --8<-- [start:block]
class TransformerBlock(Module):
    """Post-norm encoder block: h = LN1(x + MHA(x)); y = LN2(h + FFN(h)), FFN = ReLU MLP.

    Dropout (rate `dropout`) is applied to each sublayer's output before its residual sum, as
    in Vaswani et al. (2017).

    Args:
        d_model: d, the size of each token vector.
        num_heads: H, the attention heads; must divide d_model.
        d_ff: the hidden width of the feed-forward network (d -> d_ff -> d).
        dropout: the dropout rate, 0 to switch it off.
        rng: the Generator for the initial weights and the dropout masks.
        dtype: float64 (the default, for gradient checks) or float32 (for speed).

    Shapes: x (N, T, d) -> y (N, T, d); mask as for `MultiHeadAttention`, broadcastable to
    (N, T, T).
    """

    def __init__(
        self,
        d_model: int,
        num_heads: int,
        d_ff: int,
        dropout: float = 0.0,
        *,
        rng: np.random.Generator | None = None,
        dtype: type = np.float64,
    ) -> None:
        super().__init__()
        rng = rng if rng is not None else np.random.default_rng()
        self.d_model = d_model
        self.attn = MultiHeadAttention(d_model, num_heads, rng=rng, dtype=dtype)
        self.drop1 = Dropout(dropout, rng=rng)
        self.norm1 = LayerNorm(d_model, dtype=dtype)
        self.ff1 = Dense(d_model, d_ff, init="he", rng=rng, dtype=dtype)
        self.relu = ReLU()
        self.ff2 = Dense(d_ff, d_model, init="xavier", rng=rng, dtype=dtype)
        self.drop2 = Dropout(dropout, rng=rng)
        self.norm2 = LayerNorm(d_model, dtype=dtype)

    def forward(self, x: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
        check_shape("TransformerBlock", "input", x, (None, None, self.d_model))
        N, T, d = x.shape
        h = self.norm1(x + self.drop1(self.attn(x, mask)))  # (N, T, d)
        # Dense works on rows: the FFN treats all N*T tokens alike, so flatten them.
        f = self.ff2(self.relu(self.ff1(h.reshape(N * T, d))))  # (N*T, d)
        return self.norm2(h + self.drop2(f.reshape(N, T, d)))  # (N, T, d)

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        N, T, d = grad_out.shape
        grad_sum2 = self.norm2.backward(grad_out)  # dL/d(h + f)
        grad_f = self.drop2.backward(grad_sum2).reshape(N * T, d)
        grad_h_ffn = self.ff1.backward(self.relu.backward(self.ff2.backward(grad_f)))
        grad_h = grad_sum2 + grad_h_ffn.reshape(N, T, d)  # the residual adds the two paths
        grad_sum1 = self.norm1.backward(grad_h)  # dL/d(x + a)
        return grad_sum1 + self.attn.backward(self.drop1.backward(grad_sum1))

    # --8<-- [end:block]

    def __repr__(self) -> str:
        return (
            f"TransformerBlock(d_model={self.d_model}, num_heads={self.attn.num_heads}, "
            f"d_ff={self.ff1.out_features}, dropout={self.drop1.p})"
        )


# --8<-- [start:encoder]
class TransformerEncoder(Module):
    """A stack of `num_layers` TransformerBlocks applied in order, all with the same mask.

    Args:
        num_layers: how many blocks.
        d_model: d, the size of each token vector.
        num_heads: attention heads per block; must divide d_model.
        d_ff: the hidden width of each block's feed-forward network.
        dropout: the dropout rate of every block.
        rng: the Generator for every block's weights and dropout masks.
        dtype: float64 (the default) or float32.

    Shapes: x (N, T, d) -> y (N, T, d).
    """

    def __init__(
        self,
        num_layers: int,
        d_model: int,
        num_heads: int,
        d_ff: int,
        dropout: float = 0.0,
        *,
        rng: np.random.Generator | None = None,
        dtype: type = np.float64,
    ) -> None:
        super().__init__()
        rng = rng if rng is not None else np.random.default_rng()
        self.layers = [
            TransformerBlock(d_model, num_heads, d_ff, dropout, rng=rng, dtype=dtype)
            for _ in range(num_layers)
        ]

    def forward(self, x: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
        for layer in self.layers:
            x = layer(x, mask)
        return x

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        for layer in reversed(self.layers):
            grad_out = layer.backward(grad_out)
        return grad_out


# --8<-- [end:encoder]
