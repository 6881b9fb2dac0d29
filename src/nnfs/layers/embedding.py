"""Embedding: a lookup table that maps integer token ids to learned vectors, y = W[idx]."""

from __future__ import annotations

import numpy as np

from nnfs.checks import (
    check_array,
    check_float_dtype,
    check_int,
    check_rng,
    check_same_shape,
    require_forward,
)
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
        self.num_embeddings = check_int("Embedding", "num_embeddings", num_embeddings)
        self.dim = check_int("Embedding", "dim", dim)
        rng, dtype = check_rng("Embedding", rng), check_float_dtype("Embedding", dtype)
        self.W = Parameter(rng.standard_normal((self.num_embeddings, self.dim)).astype(dtype))
        self.idx: np.ndarray | None = None  # the indices of the last forward, for backward

    def forward(self, idx: np.ndarray) -> np.ndarray:
        check_array("Embedding", "indices", idx)
        if not np.issubdtype(idx.dtype, np.integer):
            raise TypeError(f"Embedding: indices expected an integer array, got dtype {idx.dtype}")
        if idx.size and (idx.min() < 0 or idx.max() >= self.num_embeddings):
            raise ValueError(
                f"Embedding: indices expected integers in [0, {self.num_embeddings}), "
                f"got values in [{idx.min()}, {idx.max()}]"
            )
        self.idx = idx.copy()  # the caller may reuse its array before backward
        return self.W.data[idx]  # fancy indexing copies: (*idx.shape, dim)

    def backward(self, grad_out: np.ndarray) -> None:
        require_forward(self, "idx")
        check_same_shape("Embedding", "grad_out", grad_out, (*self.idx.shape, self.dim))
        if not self.W.frozen:
            # np.add.at accumulates repeated indices; `W.grad[idx] += g` would keep only one.
            np.add.at(self.W.grad, self.idx.reshape(-1), grad_out.reshape(-1, self.dim))
        return None

    # --8<-- [end:embedding]

    def __repr__(self) -> str:
        return f"Embedding({self.num_embeddings}, {self.dim})"
