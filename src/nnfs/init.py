"""Weight initializers. Each takes a shape, a Generator and a dtype and returns an array.

Fan-in and fan-out follow the layer's weight layout: a dense weight `(in, out)` has
fan_in = in, fan_out = out; a convolution weight `(out, in, kh, kw)` has
fan_in = in * kh * kw and fan_out = out * kh * kw.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

Initializer = Callable[[tuple[int, ...], np.random.Generator, type], np.ndarray]


# --8<-- [start:fans]
def fans(shape: tuple[int, ...]) -> tuple[int, int]:
    """(fan_in, fan_out) of a dense `(in, out)` or convolution `(out, in, kh, kw)` weight."""
    if len(shape) == 2:
        return shape[0], shape[1]
    if len(shape) >= 3:
        receptive = int(np.prod(shape[2:]))
        return shape[1] * receptive, shape[0] * receptive
    raise ValueError(f"init: cannot compute fans of a weight with shape {shape}")


# --8<-- [end:fans]


# --8<-- [start:zeros_normal]
def zeros(shape: tuple[int, ...], rng: np.random.Generator, dtype: type = np.float64) -> np.ndarray:
    """All zeros: every unit computes the same thing forever (the symmetry problem)."""
    return np.zeros(shape, dtype=dtype)


def normal(
    shape: tuple[int, ...], rng: np.random.Generator, dtype: type = np.float64, std: float = 0.01
) -> np.ndarray:
    """W ~ N(0, std^2), a small fixed scale that ignores the layer's width."""
    return (rng.standard_normal(shape) * std).astype(dtype)


# --8<-- [end:zeros_normal]


# --8<-- [start:xavier]
def xavier_uniform(
    shape: tuple[int, ...], rng: np.random.Generator, dtype: type = np.float64
) -> np.ndarray:
    """W ~ U(-a, a), a = sqrt(6 / (fan_in + fan_out)) (Glorot & Bengio, 2010)."""
    fan_in, fan_out = fans(shape)
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, size=shape).astype(dtype)


def xavier_normal(
    shape: tuple[int, ...], rng: np.random.Generator, dtype: type = np.float64
) -> np.ndarray:
    """W ~ N(0, 2 / (fan_in + fan_out)) (Glorot & Bengio, 2010)."""
    fan_in, fan_out = fans(shape)
    return (rng.standard_normal(shape) * np.sqrt(2.0 / (fan_in + fan_out))).astype(dtype)


# --8<-- [end:xavier]


# --8<-- [start:he]
def he_uniform(
    shape: tuple[int, ...], rng: np.random.Generator, dtype: type = np.float64
) -> np.ndarray:
    """W ~ U(-a, a), a = sqrt(6 / fan_in) (He et al., 2015), for ReLU layers."""
    fan_in, _ = fans(shape)
    limit = np.sqrt(6.0 / fan_in)
    return rng.uniform(-limit, limit, size=shape).astype(dtype)


def he_normal(
    shape: tuple[int, ...], rng: np.random.Generator, dtype: type = np.float64
) -> np.ndarray:
    """W ~ N(0, 2 / fan_in) (He et al., 2015), for ReLU layers."""
    fan_in, _ = fans(shape)
    return (rng.standard_normal(shape) * np.sqrt(2.0 / fan_in)).astype(dtype)


# --8<-- [end:he]


# --8<-- [start:initialize]
INITIALIZERS: dict[str, Initializer] = {
    "zeros": zeros,
    "normal": normal,
    "xavier": xavier_normal,
    "xavier_normal": xavier_normal,
    "xavier_uniform": xavier_uniform,
    "glorot": xavier_normal,
    "he": he_normal,
    "he_normal": he_normal,
    "he_uniform": he_uniform,
}


def initialize(
    init: str | Initializer,
    shape: tuple[int, ...],
    rng: np.random.Generator,
    dtype: type,
    *,
    owner: str = "init",
) -> np.ndarray:
    """Draw a weight of `shape` with the initializer named by `init` (or the callable itself).

    Args:
        init: a key of `INITIALIZERS` ("he", "xavier_uniform", ...) or a callable
            `f(shape, rng, dtype) -> ndarray`.
        shape: the weight's shape in the layer's layout, `(in, out)` or `(out, in, kh, kw)`.
        rng: the Generator to draw from.
        dtype: the dtype of the result.
        owner: the layer asking, named in error messages.

    Returns: a C-contiguous array of `shape` and `dtype`.
    """
    if callable(init):
        weight = np.ascontiguousarray(init(shape, rng, dtype), dtype=dtype)
        if weight.shape != tuple(shape):
            raise ValueError(
                f"{owner}: init returned shape {weight.shape}, expected {tuple(shape)}"
            )
        return weight
    if init not in INITIALIZERS:
        raise ValueError(
            f"{owner}: unknown initializer {init!r}, expected one of {sorted(INITIALIZERS)} "
            "or a callable"
        )
    return INITIALIZERS[init](shape, rng, dtype)


# --8<-- [end:initialize]
