"""Turning a model's next-token logits into a token: greedy, temperature and top-k sampling.

A language model gives, for each sequence in the batch, a vector of V logits for the next
token. Generation picks one token from it, appends it, and asks again. The character models of
chapter 8 and the GPT of chapter 9 share these functions.
"""

from __future__ import annotations

import numpy as np

from nnfs.checks import check_int, check_real, check_rng, check_shape
from nnfs.functional import softmax


# --8<-- [start:top_k]
def top_k_filter(logits: np.ndarray, k: int) -> np.ndarray:
    """Keep the k largest logits of each row and set the rest to -inf (ties with the k-th kept).

    Shapes: logits (N, V) -> (N, V).
    """
    check_shape("top_k_filter", "logits", logits, (None, None))
    k = check_int("top_k_filter", "k", k, minimum=1)
    if k >= logits.shape[1]:
        return logits.copy()
    kth = np.partition(logits, -k, axis=1)[:, -k, None]  # (N, 1): the k-th largest per row
    return np.where(logits >= kth, logits, -np.inf)


# --8<-- [end:top_k]


# --8<-- [start:sample]
def sample_next(
    logits: np.ndarray,
    *,
    temperature: float = 1.0,
    top_k: int | None = None,
    rng: np.random.Generator | None = None,
) -> np.ndarray:
    """One token per row from softmax(logits / temperature), optionally among the top k only.

    `temperature=0` is greedy decoding (the argmax, no randomness). Lower temperatures sharpen
    the distribution towards the argmax, higher ones flatten it towards uniform.

    Shapes: logits (N, V) -> token ids (N,) int64.
    """
    check_shape("sample_next", "logits", logits, (None, None))
    temperature = check_real("sample_next", "temperature", temperature, low=0.0)
    if np.isnan(logits).any() or np.isposinf(logits).any() or (logits.max(axis=1) == -np.inf).any():
        raise ValueError(
            "sample_next: logits expected finite values (-inf for excluded tokens) and a finite "
            "value in every row, got nan, +inf or a row of -inf"
        )
    if temperature == 0.0:
        return logits.argmax(axis=1).astype(np.int64)
    rng = check_rng("sample_next", rng)
    # Shift the best logit of each row to 0, then divide in float64: for a tiny temperature the
    # others overflow to -inf, which is their exact limit (probability 0), instead of nan.
    shifted = logits.astype(np.float64) - logits.max(axis=1, keepdims=True)
    with np.errstate(over="ignore"):
        scaled = shifted / temperature
    if top_k is not None:
        scaled = top_k_filter(scaled, top_k)
    probs = softmax(scaled, axis=1)  # exp(-inf) = 0: filtered tokens get probability 0
    # Inverse-CDF sampling, one uniform number per row: the first index whose cumulative
    # probability exceeds u. The min() guards against u landing above a sum of 1 - 1e-16.
    cdf = np.cumsum(probs, axis=1)
    u = rng.random((len(probs), 1))
    return np.minimum((cdf <= u * cdf[:, -1:]).sum(axis=1), probs.shape[1] - 1).astype(np.int64)


# --8<-- [end:sample]


def perplexity(mean_nll: float) -> float:
    """exp(mean negative log-likelihood per token): the size of a uniform choice as uncertain.

    A model that spreads its probability evenly over k tokens has perplexity k.
    """
    return float(np.exp(mean_nll))
