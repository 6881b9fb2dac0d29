"""The transformer encoder block (Vaswani et al., 2017) and sinusoidal positional encodings.

Self-attention treats its input as a set: permuting the tokens permutes the outputs the same
way. Positional encodings add "where am I" to each token vector so that order can matter.

Norm placement: the default is the original post-norm block, y = LayerNorm(x + Sublayer(x)),
as in Vaswani et al. (2017) and PyTorch's `nn.TransformerEncoderLayer` (`norm_first=False`).
`norm_first=True` gives the pre-norm block, y = x + Sublayer(LayerNorm(x)), which trains deep
stacks more easily and without a learning-rate warm-up (Xiong et al., 2020): the residual path
from input to output passes through no normalization, so gradients reach early layers intact.
"""

from __future__ import annotations

import copy

import numpy as np

from nnfs.checks import check_array, check_int, check_real, check_rng, check_shape, require_forward
from nnfs.core import Module
from nnfs.layers.activation import GELU, ReLU
from nnfs.layers.attention import KVCache, MultiHeadAttention
from nnfs.layers.dense import Dense
from nnfs.layers.dropout import Dropout
from nnfs.layers.norm import LayerNorm


# --8<-- [start:positional_encoding]
def positional_encoding(T: int, d: int, dtype: type = np.float64) -> np.ndarray:
    """Sinusoidal encodings (T, d): PE[t, 2i] = sin(t / 10000^(2i/d)), PE[t, 2i+1] = cos(same).

    Column pair i is a sinusoid of wavelength 2 pi 10000^(2i/d): from 2 pi (i = 0) up to
    2 pi 10000^((d-2)/d) for even d (below 2 pi 10000, about 47,000 for d = 64), so PE[t + k]
    is a fixed rotation of PE[t] for every offset k (Vaswani et al., 2017).
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
        self.max_len = check_int("PositionalEncoding", "max_len", max_len)
        self.d_model = check_int("PositionalEncoding", "d_model", d_model)
        self.pe = positional_encoding(max_len, d_model)  # a constant, not a Parameter

    def forward(self, x: np.ndarray) -> np.ndarray:
        check_array("PositionalEncoding", "input", x)
        if x.ndim != 3 or x.shape[1] > self.max_len or x.shape[2] != self.d_model:
            raise ValueError(
                f"PositionalEncoding: input expected shape (N, T <= {self.max_len}, "
                f"{self.d_model}), got {tuple(x.shape)}"
            )
        self.shape = x.shape
        return x + self.pe[: x.shape[1]].astype(x.dtype, copy=False)

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        require_forward(self, "shape")
        check_shape("PositionalEncoding", "grad_out", grad_out, self.shape)
        return grad_out


# --8<-- [end:positional_encoding]


# --8<-- [start:block]
class TransformerBlock(Module):
    """A transformer encoder block with the semantics of torch.nn.TransformerEncoderLayer.

    Post-norm (norm_first=False, Vaswani et al., 2017): h = LN1(x + SA(x)), y = LN2(h + FF(h)).
    Pre-norm (norm_first=True, as in GPT-2 and most later models): h = x + SA(LN1(x)),
    y = h + FF(LN2(h)). SA(z) = Dropout(MHA(z, mask)) and FF(z) = Dropout(Dense2(Dropout(
    act(Dense1(z))))); attention weights get dropout too, inside MHA: torch's four places.

    Args:
        d_model: d, the size of each token vector.
        num_heads: H, the attention heads; must divide d_model.
        d_ff: the hidden width of the feed-forward network (d -> d_ff -> d).
        dropout: the dropout rate of all four dropouts, 0 to switch them off.
        activation: "relu" or "gelu" (exact, torch's meaning of the string), or an activation
            layer such as `GELU("tanh")`, which the block then owns.
        norm_first: False for the post-norm block, True for the pre-norm block.
        eps: the LayerNorms' epsilon (torch's `layer_norm_eps`).
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
        activation: str | Module = "relu",
        norm_first: bool = False,
        eps: float = 1e-5,
        rng: np.random.Generator | None = None,
        dtype: type = np.float64,
    ) -> None:
        super().__init__()
        rng = check_rng("TransformerBlock", rng)
        d_ff = check_int("TransformerBlock", "d_ff", d_ff)
        dropout = check_real("TransformerBlock", "dropout", dropout, 0.0, 1.0, high_open=True)
        eps = check_real("TransformerBlock", "eps", eps, 0.0, low_open=True)
        if not isinstance(norm_first, bool):
            raise TypeError(f"TransformerBlock: norm_first expected a bool, got {norm_first!r}")
        self.d_model, self.norm_first = d_model, norm_first
        self.attn = MultiHeadAttention(d_model, num_heads, dropout, rng=rng, dtype=dtype)
        self.drop1 = Dropout(dropout, rng=rng)
        self.norm1 = LayerNorm(d_model, eps, dtype=dtype)
        self.ff1 = Dense(d_model, d_ff, init="he", rng=rng, dtype=dtype)
        self.activation = _activation_layer(activation)
        self.drop_ff = Dropout(dropout, rng=rng)
        self.ff2 = Dense(d_ff, d_model, init="xavier", rng=rng, dtype=dtype)
        self.drop2 = Dropout(dropout, rng=rng)
        self.norm2 = LayerNorm(d_model, eps, dtype=dtype)

    def forward(self, x: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
        check_shape("TransformerBlock", "input", x, (None, None, self.d_model))
        if self.norm_first:
            h = x + self.drop1(self.attn(self.norm1(x), mask))  # (N, T, d)
            return h + self._feed_forward(self.norm2(h))
        h = self.norm1(x + self.drop1(self.attn(x, mask)))  # (N, T, d)
        return self.norm2(h + self._feed_forward(h))

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        require_forward(self, "ff_shape")
        check_shape("TransformerBlock", "grad_out", grad_out, self.ff_shape)
        if self.norm_first:
            # The residual stream carries grad_out to x untouched; each sublayer adds to it.
            grad_h = grad_out + self.norm2.backward(self._feed_forward_backward(grad_out))
            return grad_h + self.norm1.backward(self.attn.backward(self.drop1.backward(grad_h)))
        grad_sum2 = self.norm2.backward(grad_out)  # dL/d(h + FF(h))
        grad_h = grad_sum2 + self._feed_forward_backward(grad_sum2)  # two paths meet at h
        grad_sum1 = self.norm1.backward(grad_h)  # dL/d(x + SA(x))
        return grad_sum1 + self.attn.backward(self.drop1.backward(grad_sum1))

    def _feed_forward(self, z: np.ndarray) -> np.ndarray:
        """FF(z) = Dropout(Dense2(Dropout(act(Dense1(z))))), the same network for every token."""
        self.ff_shape = N, T, d = z.shape
        # Dense works on rows: the FFN treats all N*T tokens alike, so flatten them.
        hidden = self.drop_ff(self.activation(self.ff1(z.reshape(N * T, d))))  # (N*T, d_ff)
        return self.drop2(self.ff2(hidden).reshape(N, T, d))

    def _feed_forward_backward(self, grad: np.ndarray) -> np.ndarray:
        N, T, d = self.ff_shape
        grad_hidden = self.ff2.backward(self.drop2.backward(grad).reshape(N * T, d))
        grad_z = self.ff1.backward(self.activation.backward(self.drop_ff.backward(grad_hidden)))
        return grad_z.reshape(N, T, d)

    # --8<-- [end:block]

    # --8<-- [start:block_cached]
    def forward_cached(self, x: np.ndarray, cache: KVCache) -> np.ndarray:
        """The block on new tokens x (N, t, d), causal, with the past keys/values in `cache`.

        Equals the last t positions of a causal `forward` over the whole sequence. Inference
        only: in training mode with dropout on, it raises (call `eval()` first).
        """
        if self.training and self.drop1.p > 0:
            raise RuntimeError(
                "TransformerBlock: forward_cached is for inference and dropout is on; "
                "call eval() first"
            )
        if self.norm_first:
            h = x + self.attn.forward_cached(self.norm1(x), cache)
            return h + self._feed_forward(self.norm2(h))
        h = self.norm1(x + self.attn.forward_cached(x, cache))
        return self.norm2(h + self._feed_forward(h))

    # --8<-- [end:block_cached]

    def __repr__(self) -> str:
        activation = type(self.activation).__name__
        if isinstance(self.activation, GELU) and self.activation.approximate != "none":
            activation = repr(self.activation)
        return (
            f"TransformerBlock(d_model={self.d_model}, num_heads={self.attn.num_heads}, "
            f"d_ff={self.ff1.out_features}, dropout={self.drop1.p}, activation={activation}, "
            f"norm_first={self.norm_first})"
        )


def _activation_layer(activation: str | Module) -> Module:
    """ "relu" -> ReLU(), "gelu" -> GELU() (exact, as torch reads the string), a layer -> itself."""
    if isinstance(activation, Module):
        return activation
    if activation == "relu":
        # In place: the feed-forward's hidden activations and their gradient are the block's own
        # arrays, used once; this saves two (N*T, d_ff) arrays per step.
        return ReLU(inplace=True)
    if activation == "gelu":
        return GELU()
    raise ValueError(
        f"TransformerBlock: activation expected 'relu', 'gelu' or an activation layer, "
        f"got {activation!r}"
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
        activation: as for `TransformerBlock`; a layer given here is copied, so that every
            block owns one.
        norm_first: as for `TransformerBlock`.
        eps: as for `TransformerBlock`.
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
        activation: str | Module = "relu",
        norm_first: bool = False,
        eps: float = 1e-5,
        rng: np.random.Generator | None = None,
        dtype: type = np.float64,
    ) -> None:
        super().__init__()
        num_layers = check_int("TransformerEncoder", "num_layers", num_layers)
        rng = check_rng("TransformerEncoder", rng)
        self.layers = [
            TransformerBlock(
                d_model,
                num_heads,
                d_ff,
                dropout,
                activation=copy.deepcopy(activation),
                norm_first=norm_first,
                eps=eps,
                rng=rng,
                dtype=dtype,
            )
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
