"""A GPT: a decoder-only transformer that models text one token at a time (Radford et al., 2018).

The model reads token ids (N, T) and returns, at every position t, logits for the token at
t + 1. A causal mask keeps position t from seeing later positions, so one forward pass trains
all T predictions at once. The layout is GPT-2's (Radford et al., 2019): token plus learned
position embeddings, pre-norm blocks with GELU feed-forward networks, a final LayerNorm, and
an output layer that by default reuses the token embedding matrix (weight tying).

`generate` samples new tokens with a KV cache: every block keeps the keys and values of the
positions it has already seen, so each new token costs one position's work instead of a
forward pass over the whole prefix.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nnfs.checks import (
    check_array,
    check_int,
    check_real,
    check_rng,
    check_shape,
    require_forward,
)
from nnfs.core import Module, Parameter
from nnfs.layers.activation import GELU
from nnfs.layers.attention import KVCache, causal_mask
from nnfs.layers.dropout import Dropout
from nnfs.layers.embedding import Embedding
from nnfs.layers.norm import LayerNorm
from nnfs.layers.transformer import TransformerBlock
from nnfs.sampling import sample_next


# --8<-- [start:config]
@dataclass
class GPTConfig:
    """Sizes of a GPT. GPT-2 small: V 50257, max_len 1024, d 768, 12 heads, d_ff 3072, 12 layers.

    Args:
        vocab_size: V, the number of distinct tokens.
        max_len: the longest sequence (the number of learned position vectors).
        d_model: d, the size of each token vector.
        num_heads: attention heads per block; must divide d_model.
        d_ff: the hidden width of each feed-forward network (4 d in GPT-2).
        num_layers: the number of blocks.
        dropout: the rate of every dropout (embeddings, attention weights, residual branches).
        tie_weights: True (the default, as in GPT-2) computes the logits with the token
            embedding matrix, logits = h E^T; False gives the output layer its own (V, d) matrix.
    """

    vocab_size: int
    max_len: int
    d_model: int
    num_heads: int
    d_ff: int
    num_layers: int
    dropout: float = 0.0
    tie_weights: bool = True

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        """Raise a TypeError or ValueError naming the first field that is not valid."""
        for name in ("vocab_size", "max_len", "d_model", "num_heads", "d_ff", "num_layers"):
            check_int("GPTConfig", name, getattr(self, name))
        if self.d_model % self.num_heads:
            raise ValueError(
                f"GPTConfig: d_model ({self.d_model}) must be divisible by "
                f"num_heads ({self.num_heads})"
            )
        check_real("GPTConfig", "dropout", self.dropout, 0.0, 1.0, high_open=True)
        if not isinstance(self.tie_weights, bool):
            raise TypeError(f"GPTConfig: tie_weights expected a bool, got {self.tie_weights!r}")


# --8<-- [end:config]


# --8<-- [start:gpt]
class GPT(Module):
    """logits = LN(Blocks(Dropout(E[ids] + P[0..T-1]))) W_out^T, W_out = E when weights are tied.

    Every block is pre-norm, causal, with a GELU feed-forward network (the tanh form, as
    GPT-2). Weights start as in GPT-2: N(0, 0.02^2) for embeddings and projections, the two
    projections that end a residual branch (attention's Wo, the FFN's second layer) scaled
    down by 1/sqrt(2 num_layers), so that the residual stream's variance does not grow with
    depth; biases 0, LayerNorms gamma = 1, beta = 0.

    Args:
        config: the sizes (`GPTConfig`).
        rng: the Generator for the initial weights and the dropout masks.
        dtype: float64 (the default, for gradient checks) or float32 (for speed).

    Shapes: ids (N, T) integers in [0, V), T <= max_len -> logits (N, T, V).
    """

    def __init__(
        self,
        config: GPTConfig,
        *,
        rng: np.random.Generator | None = None,
        dtype: type = np.float64,
    ) -> None:
        super().__init__()
        if not isinstance(config, GPTConfig):
            raise TypeError(f"GPT: config expected a GPTConfig, got {type(config).__name__}")
        config.validate()
        rng = check_rng("GPT", rng)
        c = self.config = config
        self.token_embedding = Embedding(c.vocab_size, c.d_model, rng=rng, dtype=dtype)
        self.position_embedding = Embedding(c.max_len, c.d_model, rng=rng, dtype=dtype)
        self.drop = Dropout(c.dropout, rng=rng)
        self.blocks = [
            TransformerBlock(
                c.d_model,
                c.num_heads,
                c.d_ff,
                c.dropout,
                activation=GELU("tanh"),
                norm_first=True,
                rng=rng,
                dtype=dtype,
            )
            for _ in range(c.num_layers)
        ]
        self.norm = LayerNorm(c.d_model, dtype=dtype)
        if not c.tie_weights:
            self.lm_head = Parameter(np.zeros((c.vocab_size, c.d_model), dtype=dtype))
        self._init_weights(rng)

    @property
    def output_weight(self) -> Parameter:
        """The (V, d) matrix of the output layer: the token embedding when weights are tied."""
        return self.token_embedding.W if self.config.tie_weights else self.lm_head

    def forward(self, ids: np.ndarray) -> np.ndarray:
        ids = self._check_ids("GPT", ids)
        N, T = ids.shape
        x = self.token_embedding(ids) + self.position_embedding(np.arange(T))  # (N, T, d)
        x = self.drop(x)
        mask = causal_mask(T)  # (T, T): position t attends to positions 0..t
        for block in self.blocks:
            x = block(x, mask)
        self.h2d = self.norm(x).reshape(N * T, self.config.d_model)
        return (self.h2d @ self.output_weight.data.T).reshape(N, T, self.config.vocab_size)

    def backward(self, grad_out: np.ndarray) -> None:
        """grad_out = dL/dlogits (N, T, V); fills every parameter's gradient, returns None."""
        require_forward(self, "h2d")
        N, T = self.token_embedding.idx.shape
        check_shape("GPT", "grad_out", grad_out, (N, T, self.config.vocab_size))
        grad_logits = grad_out.reshape(N * T, -1)
        W = self.output_weight
        if not W.frozen:
            W.grad += grad_logits.T @ self.h2d  # (V, d); tied: added to the embedding's grad
        grad = self.norm.backward((grad_logits @ W.data).reshape(N, T, -1))
        for block in reversed(self.blocks):
            grad = block.backward(grad)
        grad = self.drop.backward(grad)
        self.token_embedding.backward(grad)
        self.position_embedding.backward(grad.sum(axis=0))  # position t is shared by all N
        return None  # token ids have no gradient

    # --8<-- [end:gpt]

    # --8<-- [start:generate]
    def make_cache(self, batch_size: int) -> list[KVCache]:
        """One empty KVCache per block, for up to max_len positions of `batch_size` sequences."""
        c = self.config
        batch_size = check_int("GPT.make_cache", "batch_size", batch_size)
        dtype = self.norm.gamma.dtype
        d_k = c.d_model // c.num_heads
        return [KVCache(batch_size, c.num_heads, c.max_len, d_k, dtype) for _ in self.blocks]

    def forward_cached(self, ids: np.ndarray, cache: list[KVCache]) -> np.ndarray:
        """Logits (N, t, V) of new tokens ids (N, t) that follow the positions in `cache`.

        Equals forward(whole sequence)[:, -t:] without recomputing the earlier positions: each
        block attends from the new positions to its cached keys and values. Inference only.
        """
        ids = self._check_ids("GPT.forward_cached", ids, offset=cache[0].length)
        N, t = ids.shape
        past = cache[0].length
        x = self.token_embedding(ids) + self.position_embedding(np.arange(past, past + t))
        for block, block_cache in zip(self.blocks, cache, strict=True):
            x = block.forward_cached(x, block_cache)
        h2d = self.norm(x).reshape(N * t, self.config.d_model)
        self.h2d = None  # a backward now needs a new forward
        return (h2d @ self.output_weight.data.T).reshape(N, t, self.config.vocab_size)

    def generate(
        self,
        ids: np.ndarray,
        max_new_tokens: int,
        *,
        temperature: float = 1.0,
        top_k: int | None = None,
        rng: np.random.Generator | None = None,
        use_cache: bool = True,
    ) -> np.ndarray:
        """Append `max_new_tokens` sampled tokens to each prompt: (N, T) -> (N, T + new).

        Each step samples from softmax(logits / temperature) of the last position, among the
        top_k most likely tokens if given (`nnfs.sampling.sample_next`; temperature 0 is
        greedy). Runs in eval mode (no dropout) and restores the modes afterwards.

        With `use_cache` the keys and values of earlier positions are kept (KV cache), so a
        step costs O(length) instead of a forward pass over the prefix. Past max_len tokens
        the context is cropped to the last max_len; learned absolute positions then shift at
        every step, so from there each step recomputes the window (cache or not).
        """
        ids = self._check_ids("GPT.generate", ids)
        max_new_tokens = check_int("GPT.generate", "max_new_tokens", max_new_tokens, minimum=0)
        check_real("GPT.generate", "temperature", temperature, low=0.0)
        if top_k is not None:
            check_int("GPT.generate", "top_k", top_k)
        rng = check_rng("GPT.generate", rng)
        modes = [(module, module.training) for _, module in self.named_modules()]
        self.eval()
        try:
            return self._generate(ids, max_new_tokens, temperature, top_k, rng, use_cache)
        finally:
            for module, mode in modes:
                module.training = mode

    def _generate(self, ids, max_new_tokens, temperature, top_k, rng, use_cache) -> np.ndarray:
        N, max_len = len(ids), self.config.max_len
        out = ids.copy()
        if max_new_tokens == 0:
            return out
        cache = self.make_cache(N) if use_cache else None
        logits = self.forward_cached(ids, cache) if use_cache else self.forward(ids)
        for step in range(max_new_tokens):
            next_ids = sample_next(logits[:, -1], temperature=temperature, top_k=top_k, rng=rng)
            out = np.concatenate([out, next_ids[:, None]], axis=1)  # (N, length + 1)
            if step == max_new_tokens - 1:
                break
            if use_cache and cache[0].length < max_len:
                logits = self.forward_cached(next_ids[:, None], cache)  # one new position
            elif use_cache:  # the window is full: recompute it, shifted by one
                cache = self.make_cache(N)
                logits = self.forward_cached(out[:, -max_len:], cache)
            else:
                logits = self.forward(out[:, -max_len:])
        return out

    # --8<-- [end:generate]

    def _check_ids(self, owner: str, ids: np.ndarray, offset: int = 0) -> np.ndarray:
        check_array(owner, "ids", ids)
        if not np.issubdtype(ids.dtype, np.integer):
            raise TypeError(f"{owner}: ids expected an integer array, got dtype {ids.dtype}")
        c = self.config
        if ids.ndim != 2 or ids.shape[0] == 0 or not 1 <= ids.shape[1] <= c.max_len - offset:
            raise ValueError(
                f"{owner}: ids expected shape (N >= 1, 1 <= T <= {c.max_len - offset}), "
                f"got {tuple(ids.shape)}"
                + (f" after {offset} cached positions (max_len {c.max_len})" if offset else "")
            )
        if ids.min() < 0 or ids.max() >= c.vocab_size:
            raise ValueError(
                f"{owner}: ids expected values in [0, {c.vocab_size}), "
                f"got values in [{ids.min()}, {ids.max()}]"
            )
        return ids

    def _init_weights(self, rng: np.random.Generator) -> None:
        std, residual_std = 0.02, 0.02 / np.sqrt(2 * self.config.num_layers)
        matrices = [self.token_embedding.W, self.position_embedding.W]
        if not self.config.tie_weights:
            matrices.append(self.lm_head)
        for block in self.blocks:
            matrices += [block.attn.Wq, block.attn.Wk, block.attn.Wv, block.ff1.W]
        for p in matrices:
            p.data[...] = rng.normal(0.0, std, p.shape)
        for block in self.blocks:
            for p in (block.attn.Wo, block.ff2.W):
                p.data[...] = rng.normal(0.0, residual_std, p.shape)
