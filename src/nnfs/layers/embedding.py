"""Embedding: a lookup table that maps integer token ids to learned vectors, y = W[idx]."""

from __future__ import annotations

import numpy as np

from nnfs.core import Module, Parameter


# --8<-- [start:embedding]
class Embedding(Module):
    """A table of `num_embeddings` learned vectors; row `i` is the vector of token `i`.

    Forward is `y = W[idx]`, the same as `one_hot(idx) @ W` without building the one-hot
    matrix. Backward adds each upstream row into the table row it came from (a token used
    twice collects both gradients) and returns None: integer indices have no gradient.

    Args:
        num_embeddings: V, the vocabulary size.
        dim: the length of each vector.
        rng: the Generator that draws the initial table, W ~ N(0, 1) as in PyTorch.
        dtype: float64 (the default, for gradient checks) or float32 (for speed).

    Shapes: idx (N,) or (N, T) or any shape of integers in [0, V) -> y (*idx.shape, dim);
    W (V, dim).
    """

    def __init__(
        self,
        num_embeddings: int,
        dim: int,
        *,
        rng: np.random.Generator | None = None,
        dtype: type = np.float64,
    ) -> None:
        super().__init__()
        rng = rng if rng is not None else np.random.default_rng()
        self.num_embeddings, self.dim = num_embeddings, dim
        self.W = Parameter(rng.standard_normal((num_embeddings, dim)).astype(dtype))

    def forward(self, idx: np.ndarray) -> np.ndarray:
        idx = np.asarray(idx)
        if not np.issubdtype(idx.dtype, np.integer):
            raise TypeError(f"Embedding: indices must be integers, got dtype {idx.dtype}")
        if idx.size and (idx.min() < 0 or idx.max() >= self.num_embeddings):
            raise ValueError(
                f"Embedding: indices must lie in [0, {self.num_embeddings}), "
                f"got range [{idx.min()}, {idx.max()}]"
            )
        self.idx = idx
        return self.W.data[idx]  # fancy indexing copies: (*idx.shape, dim)

    def backward(self, grad_out: np.ndarray) -> None:
        expected = (*self.idx.shape, self.dim)
        if grad_out.shape != expected:
            raise ValueError(
                f"Embedding: grad_out expected shape {expected}, got {tuple(grad_out.shape)}"
            )
        if not self.W.frozen:
            # np.add.at accumulates repeated indices; `W.grad[idx] += g` would keep only one.
            np.add.at(self.W.grad, self.idx.reshape(-1), grad_out.reshape(-1, self.dim))
        return None

    # --8<-- [end:embedding]

    def __repr__(self) -> str:
        return f"Embedding({self.num_embeddings}, {self.dim})"
