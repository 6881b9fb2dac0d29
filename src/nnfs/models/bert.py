"""BERT (Devlin et al., 2019): a transformer encoder that reads a whole sentence at once.

`BertModel` is the architecture of the published checkpoints, so that their weights load into
it unchanged (see `nnfs.pretrained.minilm`): token + position + segment embeddings and a
LayerNorm (`BertEmbeddings`), then a stack of post-norm transformer layers with GELU
(`BertLayer`), and the pooler, a dense layer with tanh on the [CLS] vector (`BertPooler`).
Sentence-level heads sit on top: `MeanPooling` averages the real tokens' vectors, as
sentence-transformers does; `ClassifierHead` is optional top layers, that pooling and a linear
classifier; `BertForSequenceClassification` is a whole model for fine-tuning.

Names follow the book: `d_model` (Hugging Face's hidden_size), `d_ff` (intermediate_size),
`max_len` (max_position_embeddings), `eps` (layer_norm_eps).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from nnfs.checks import check_int, check_shape, require_forward
from nnfs.core import Module
from nnfs.layers.activation import GELU
from nnfs.layers.attention import MultiHeadAttention
from nnfs.layers.dense import Dense
from nnfs.layers.dropout import Dropout
from nnfs.layers.embedding import Embedding
from nnfs.layers.norm import LayerNorm


@dataclass
class BertConfig:
    """Sizes of a BERT. all-MiniLM-L6-v2: vocab 30522, max_len 512, d 384, 12 heads, d_ff 1536,
    6 layers, 2 segment types, eps 1e-12. BERT-base: d 768, 12 heads, d_ff 3072, 12 layers."""

    vocab_size: int
    max_len: int = 16
    d_model: int = 32
    num_heads: int = 2
    d_ff: int = 64
    num_layers: int = 2
    pad_id: int = 0
    type_vocab_size: int = 2
    eps: float = 1e-12
    dropout: float = 0.0

    @classmethod
    def from_hugging_face(cls, config: dict) -> BertConfig:
        """From the dict of a Hugging Face `config.json` of model_type "bert"."""
        if config.get("hidden_act", "gelu") != "gelu":
            raise ValueError(
                f"BertConfig: hidden_act expected 'gelu' (exact erf GELU), "
                f"got {config['hidden_act']!r}"
            )
        return cls(
            vocab_size=config["vocab_size"],
            max_len=config["max_position_embeddings"],
            d_model=config["hidden_size"],
            num_heads=config["num_attention_heads"],
            d_ff=config["intermediate_size"],
            num_layers=config["num_hidden_layers"],
            pad_id=config.get("pad_token_id", 0),
            type_vocab_size=config.get("type_vocab_size", 2),
            eps=config.get("layer_norm_eps", 1e-12),
            dropout=config.get("hidden_dropout_prob", 0.1),
        )


def _bert_init(module: Module, rng: np.random.Generator, std: float = 0.02) -> None:
    """BERT's initialization: every matrix ~ N(0, 0.02^2), biases 0, LayerNorm gamma 1, beta 0."""
    for name, p in module.named_parameters():
        if name.endswith(".gamma"):
            p.data[...] = 1
        elif p.data.ndim == 1:
            p.data[...] = 0
        else:
            p.data[...] = rng.standard_normal(p.shape, dtype=np.float32) * std


# --8<-- [start:embeddings]
class BertEmbeddings(Module):
    """x = LayerNorm(E_tok[ids] + E_pos[t] + E_seg[types]), then dropout.

    Three learned tables: one row per token, per position (BERT learns them instead of using
    sinusoids) and per segment (0 for the first sentence of a pair, 1 for the second).

    Shapes: input_ids (N, T) int, T <= max_len; token_type_ids (N, T) int or None (all 0)
    -> x (N, T, d).
    """

    def __init__(
        self,
        config: BertConfig,
        *,
        rng: np.random.Generator | None = None,
        dtype: type = np.float64,
    ) -> None:
        super().__init__()
        rng = rng if rng is not None else np.random.default_rng()
        c = self.config = config
        self.token = Embedding(c.vocab_size, c.d_model, rng=rng, dtype=dtype)
        self.position = Embedding(c.max_len, c.d_model, rng=rng, dtype=dtype)
        self.segment = Embedding(c.type_vocab_size, c.d_model, rng=rng, dtype=dtype)
        self.norm = LayerNorm(c.d_model, c.eps, dtype=dtype)
        self.dropout = Dropout(c.dropout, rng=rng)

    def forward(
        self, input_ids: np.ndarray, token_type_ids: np.ndarray | None = None
    ) -> np.ndarray:
        N, T = input_ids.shape
        if token_type_ids is None:
            token_type_ids = np.zeros((N, T), dtype=np.int64)
        x = self.token(input_ids) + self.segment(token_type_ids)  # (N, T, d)
        x += self.position(np.arange(T))  # (T, d), the same rows for every sequence
        return self.dropout(self.norm(x))

    def backward(self, grad_out: np.ndarray) -> None:
        grad_x = self.norm.backward(self.dropout.backward(grad_out))  # (N, T, d)
        self.token.backward(grad_x)
        self.segment.backward(grad_x)
        self.position.backward(grad_x.sum(axis=0))  # position t's row served all N sequences
        return None  # ids have no gradient


# --8<-- [end:embeddings]


# --8<-- [start:layer]
class BertLayer(Module):
    """One post-norm encoder layer: h = LN1(x + MHA(x)); y = LN2(h + W2 GELU(W1 h + b1) + b2).

    The block of chapter 9 (`TransformerBlock`) with GELU instead of ReLU and BERT's LayerNorm
    eps; dropout on each sublayer's output before its residual sum. The parameter names match
    `TransformerBlock`'s: attn, norm1, ff1, ff2, norm2.

    Shapes: x (N, T, d), mask broadcastable to (N, T, T) (True = may attend) -> y (N, T, d).
    """

    def __init__(
        self,
        config: BertConfig,
        *,
        rng: np.random.Generator | None = None,
        dtype: type = np.float64,
    ) -> None:
        super().__init__()
        rng = rng if rng is not None else np.random.default_rng()
        c = config
        self.attn = MultiHeadAttention(c.d_model, c.num_heads, rng=rng, dtype=dtype)
        self.drop1 = Dropout(c.dropout, rng=rng)
        self.norm1 = LayerNorm(c.d_model, c.eps, dtype=dtype)
        self.ff1 = Dense(c.d_model, c.d_ff, rng=rng, dtype=dtype)
        self.gelu = GELU()
        self.ff2 = Dense(c.d_ff, c.d_model, rng=rng, dtype=dtype)
        self.drop2 = Dropout(c.dropout, rng=rng)
        self.norm2 = LayerNorm(c.d_model, c.eps, dtype=dtype)

    def forward(self, x: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
        N, T, d = x.shape
        h = self.norm1(x + self.drop1(self.attn(x, mask)))  # (N, T, d)
        f = self.ff2(self.gelu(self.ff1(h.reshape(N * T, d))))  # (N*T, d): every token alike
        return self.norm2(h + self.drop2(f.reshape(N, T, d)))

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        N, T, d = grad_out.shape
        grad_sum2 = self.norm2.backward(grad_out)  # dL/d(h + f)
        grad_f = self.drop2.backward(grad_sum2).reshape(N * T, d)
        grad_h = grad_sum2 + self.ff1.backward(
            self.gelu.backward(self.ff2.backward(grad_f))
        ).reshape(N, T, d)  # the residual adds the two paths
        grad_sum1 = self.norm1.backward(grad_h)  # dL/d(x + a)
        return grad_sum1 + self.attn.backward(self.drop1.backward(grad_sum1))


# --8<-- [end:layer]


def pad_sequences(
    sequences: Sequence[np.ndarray | Sequence[int]], value: float = 0
) -> tuple[np.ndarray, np.ndarray]:
    """N sequences of lengths T_n (token ids, or (T_n, d) hidden states) -> one padded batch.

    Returns the batch (N, T, ...) with T = max T_n, filled with `value` after each sequence,
    and the attention mask (N, T) int64, 1 for a real position and 0 for padding.
    """
    arrays = [np.asarray(s) for s in sequences]
    lengths = np.array([len(a) for a in arrays])
    T = int(lengths.max(initial=0))
    batch = np.full((len(arrays), T, *arrays[0].shape[1:]), value, dtype=arrays[0].dtype)
    for n, a in enumerate(arrays):
        batch[n, : len(a)] = a
    return batch, (np.arange(T) < lengths[:, None]).astype(np.int64)


def attention_mask_to_keys(
    attention_mask: np.ndarray | None, shape: tuple[int, int], owner: str = "BertModel"
) -> np.ndarray | None:
    """(N, T) of 1 (real token) / 0 (padding) -> boolean key mask (N, 1, T): no query attends
    to padding. None means every position is real (Hugging Face's convention)."""
    if attention_mask is None:
        return None
    check_shape(owner, "attention_mask", attention_mask, shape)
    return (attention_mask != 0)[:, None, :]


# --8<-- [start:model]
class BertModel(Module):
    """Embeddings, `num_layers` BertLayers and the pooler; forward returns the last layer.

    Args:
        config: the sizes (see `BertConfig`).
        rng: draws the initial weights.
        dtype: float64 (the default, for gradient checks) or float32 (for speed).
        bert_init: redraw the weights from BERT's N(0, 0.02^2); False keeps the layers' own
            initialization, which is faster for a model whose weights are loaded next.

    Shapes: input_ids (N, T) int; attention_mask (N, T), 1 = real token, 0 = padding, or None
    (no padding); token_type_ids (N, T) or None (all segment 0) -> h (N, T, d).
    `pooler(h)` -> (N, d) is a separate call, as not every head uses it.
    """

    def __init__(
        self,
        config: BertConfig,
        *,
        rng: np.random.Generator | None = None,
        dtype: type = np.float64,
        bert_init: bool = True,
    ) -> None:
        super().__init__()
        rng = rng if rng is not None else np.random.default_rng()
        self.config = config
        self.embeddings = BertEmbeddings(config, rng=rng, dtype=dtype)
        self.layers = [BertLayer(config, rng=rng, dtype=dtype) for _ in range(config.num_layers)]
        self.pooler = BertPooler(config.d_model, rng=rng, dtype=dtype)
        if bert_init:
            _bert_init(self, rng)

    def forward(
        self,
        input_ids: np.ndarray,
        attention_mask: np.ndarray | None = None,
        token_type_ids: np.ndarray | None = None,
    ) -> np.ndarray:
        input_ids = np.asarray(input_ids)
        check_shape("BertModel", "input_ids", input_ids, (None, None))
        if input_ids.shape[1] > self.config.max_len:
            raise ValueError(
                f"BertModel: input_ids expected at most {self.config.max_len} positions, "
                f"got shape {input_ids.shape}"
            )
        if token_type_ids is not None:
            check_shape("BertModel", "token_type_ids", token_type_ids, input_ids.shape)
        mask = attention_mask_to_keys(attention_mask, input_ids.shape)  # (N, 1, T) or None
        h = self.embeddings(input_ids, token_type_ids)  # (N, T, d)
        for layer in self.layers:
            h = layer(h, mask)
        return h

    def backward(self, grad_out: np.ndarray) -> None:
        for layer in reversed(self.layers):
            grad_out = layer.backward(grad_out)
        return self.embeddings.backward(grad_out)


# --8<-- [end:model]


# --8<-- [start:pooling]
class BertPooler(Module):
    """pooled = tanh(h[:, 0] W + b): a dense layer with tanh on the [CLS] vector.

    Shapes: h (N, T, d) -> (N, d); backward returns (N, T, d), zero but at position 0.
    """

    def __init__(
        self, d_model: int, *, rng: np.random.Generator | None = None, dtype: type = np.float64
    ) -> None:
        super().__init__()
        self.dense = Dense(d_model, d_model, rng=rng, dtype=dtype)

    def forward(self, h: np.ndarray) -> np.ndarray:
        self.h_shape = h.shape
        self.out = np.tanh(self.dense(h[:, 0]))
        return self.out

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        require_forward(self, "out")
        check_shape("BertPooler", "grad_out", grad_out, self.out.shape)
        grad_h = np.zeros(self.h_shape, dtype=grad_out.dtype)
        grad_h[:, 0] = self.dense.backward(grad_out * (1 - self.out**2))  # tanh' = 1 - tanh^2
        return grad_h


class MeanPooling(Module):
    """The average of the real tokens' vectors: s_n = sum_t m_nt h_nt / sum_t m_nt.

    Padding (m = 0) is left out, so a sentence gets the same vector however much padding its
    batch needs. A sentence with no real token gets 0 (sentence-transformers clamps the count
    at 1e-9 the same way). Shapes: h (N, T, d), attention_mask (N, T) or None -> s (N, d).
    """

    def forward(self, h: np.ndarray, attention_mask: np.ndarray | None = None) -> np.ndarray:
        N, T, d = h.shape
        if attention_mask is None:
            attention_mask = np.ones((N, T))
        check_shape("MeanPooling", "attention_mask", attention_mask, (N, T))
        self.weights = (attention_mask != 0).astype(h.dtype)  # (N, T)
        self.weights /= np.maximum(self.weights.sum(axis=1, keepdims=True), 1e-9)
        return np.einsum("nt,ntd->nd", self.weights, h)

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        require_forward(self, "weights")
        check_shape("MeanPooling", "grad_out", grad_out, (self.weights.shape[0], None))
        return self.weights[:, :, None] * grad_out[:, None, :]  # (N, T, d)


# --8<-- [end:pooling]


# --8<-- [start:heads]
class ClassifierHead(Module):
    """Optional top encoder layers, mean pooling, dropout and a linear classifier.

    With `layers=()` it is a linear classifier on mean-pooled hidden states; given the top
    layers of a pre-trained BertModel it fine-tunes them, fed with the hidden states of the
    layers below (which can then be computed once and cached).

    Shapes: h (N, T, d), attention_mask (N, T) or None -> logits (N, num_classes).
    """

    def __init__(
        self,
        d_model: int,
        num_classes: int,
        *,
        layers: Sequence[BertLayer] = (),
        dropout: float = 0.0,
        rng: np.random.Generator | None = None,
        dtype: type = np.float64,
    ) -> None:
        super().__init__()
        rng = rng if rng is not None else np.random.default_rng()
        num_classes = check_int("ClassifierHead", "num_classes", num_classes, minimum=2)
        self.layers = list(layers)
        self.pool = MeanPooling()
        self.dropout = Dropout(dropout, rng=rng)
        self.classifier = Dense(d_model, num_classes, init="xavier", rng=rng, dtype=dtype)

    def forward(self, h: np.ndarray, attention_mask: np.ndarray | None = None) -> np.ndarray:
        check_shape("ClassifierHead", "input", h, (None, None, self.classifier.in_features))
        mask = attention_mask_to_keys(attention_mask, h.shape[:2], "ClassifierHead")
        for layer in self.layers:
            h = layer(h, mask)
        return self.classifier(self.dropout(self.pool(h, attention_mask)))

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        grad_h = self.pool.backward(self.dropout.backward(self.classifier.backward(grad_out)))
        for layer in reversed(self.layers):
            grad_h = layer.backward(grad_h)
        return grad_h


class BertForSequenceClassification(Module):
    """A BertModel and a `ClassifierHead` on its mean-pooled last layer: text -> class logits.

    Shapes: input_ids, attention_mask, token_type_ids (N, T) -> logits (N, num_classes).
    """

    def __init__(
        self,
        config: BertConfig,
        num_classes: int = 2,
        *,
        rng: np.random.Generator | None = None,
        dtype: type = np.float64,
    ) -> None:
        super().__init__()
        rng = rng if rng is not None else np.random.default_rng()
        self.encoder = BertModel(config, rng=rng, dtype=dtype)
        self.head = ClassifierHead(
            config.d_model, num_classes, dropout=config.dropout, rng=rng, dtype=dtype
        )

    def forward(
        self,
        input_ids: np.ndarray,
        attention_mask: np.ndarray | None = None,
        token_type_ids: np.ndarray | None = None,
    ) -> np.ndarray:
        h = self.encoder(input_ids, attention_mask, token_type_ids)  # (N, T, d)
        return self.head(h, attention_mask)  # (N, K)

    def backward(self, grad_out: np.ndarray) -> None:
        return self.encoder.backward(self.head.backward(grad_out))


# --8<-- [end:heads]

__all__ = [
    "BertConfig",
    "BertEmbeddings",
    "BertForSequenceClassification",
    "BertLayer",
    "BertModel",
    "BertPooler",
    "ClassifierHead",
    "MeanPooling",
    "attention_mask_to_keys",
    "pad_sequences",
]
