"""Argument checks shared by every layer, loss, optimizer and loader.

Each check raises a `TypeError` (wrong kind of value) or a `ValueError` (right kind, wrong
value) whose message starts with the name of the layer or function that was called, then says
what it expected and what it got, e.g. ``Dense: grad_out expected shape (32, 10), got (32, 9)``.
Checking at the boundary keeps a raw NumPy error (or, worse, a silent broadcast) from surfacing
three calls deeper, where the reader can no longer tell which argument was wrong.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable
from typing import Any

import numpy as np


def check_array(owner: str, name: str, x: Any) -> None:
    """Raise a TypeError unless `x` is a NumPy array (a list or a scalar is not converted)."""
    if not isinstance(x, np.ndarray):
        raise TypeError(f"{owner}: {name} expected a numpy.ndarray, got {type(x).__name__}")


def check_shape(owner: str, name: str, x: Any, expected: tuple) -> None:
    """Raise unless `x` is an array whose shape matches `expected`.

    `expected` holds ints, or None for "any size" in that axis.
    """
    check_array(owner, name, x)
    # A plain loop: this runs on every forward and backward call, and a generator inside
    # all() costs more than the comparisons.
    ok = x.ndim == len(expected)
    if ok:
        for e, s in zip(expected, x.shape, strict=True):
            if e is not None and e != s:
                ok = False
                break
    if not ok:
        shown = "(" + ", ".join("*" if e is None else str(e) for e in expected) + ")"
        if len(expected) == 1:
            shown = shown[:-1] + ",)"
        raise ValueError(f"{owner}: {name} expected shape {shown}, got {tuple(x.shape)}")


def check_same_shape(owner: str, name: str, x: Any, shape: tuple[int, ...]) -> None:
    """Raise unless `x` is an array of exactly `shape` (e.g. grad_out against forward's output)."""
    check_shape(owner, name, x, tuple(shape))


def check_floating(owner: str, name: str, x: np.ndarray) -> None:
    """Raise a TypeError unless `x` holds floating-point numbers."""
    check_array(owner, name, x)
    if not np.issubdtype(x.dtype, np.floating):
        raise TypeError(f"{owner}: {name} expected a floating-point array, got dtype {x.dtype}")


def check_nonempty(owner: str, name: str, x: np.ndarray) -> None:
    """Raise a ValueError for an array with no rows (an empty batch)."""
    if x.ndim == 0 or x.shape[0] == 0:
        raise ValueError(f"{owner}: {name} expected at least one sample, got shape {x.shape}")


def check_labels(owner: str, name: str, labels: Any, num_classes: int) -> np.ndarray:
    """`labels` as an array, or an error unless it holds integers in [0, num_classes)."""
    labels = np.asarray(labels)
    if not np.issubdtype(labels.dtype, np.integer):
        raise TypeError(f"{owner}: {name} expected integer labels, got dtype {labels.dtype}")
    if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
        raise ValueError(
            f"{owner}: {name} expected labels in [0, {num_classes}), got values in "
            f"[{labels.min()}, {labels.max()}]"
        )
    return labels


def require_forward(module: object, *attributes: str) -> None:
    """Raise a RuntimeError when `backward` runs before the `forward` that caches `attributes`."""
    missing = [a for a in attributes if getattr(module, a, None) is None]
    if missing:
        raise RuntimeError(
            f"{type(module).__name__}: backward called before forward (nothing cached in "
            f"{', '.join(missing)}); call forward first"
        )


def check_int(owner: str, name: str, value: Any, minimum: int | None = 1) -> int:
    """Return `value` as an int; TypeError for non-integers (bools and 2.5 included),
    ValueError below `minimum`."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{owner}: {name} expected an integer, got {value!r}")
    if minimum is not None and value < minimum:
        raise ValueError(f"{owner}: {name} expected an integer >= {minimum}, got {value}")
    return int(value)


def check_int_pair(owner: str, name: str, value: Any, minimum: int = 1) -> tuple[int, int]:
    """An int or a pair of ints (a kernel size, a stride) -> (int, int), each >= `minimum`."""
    pair = (value, value) if not isinstance(value, (tuple, list)) else tuple(value)
    if len(pair) != 2:
        raise ValueError(f"{owner}: {name} expected an int or a pair of ints, got {value!r}")
    return check_int(owner, name, pair[0], minimum), check_int(owner, name, pair[1], minimum)


def check_real(
    owner: str,
    name: str,
    value: Any,
    low: float | None = None,
    high: float | None = None,
    *,
    low_open: bool = False,
    high_open: bool = False,
) -> float:
    """Return `value` as a float inside the interval [low, high] (open ends where asked).

    TypeError for non-numbers, ValueError for NaN or a value outside the interval.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{owner}: {name} expected a real number, got {value!r}")
    value = float(value)
    below = low is not None and (value <= low if low_open else value < low)
    above = high is not None and (value >= high if high_open else value > high)
    if np.isnan(value) or below or above:
        left = "(" if low_open else "["
        right = ")" if high_open else "]"
        lo = "-inf" if low is None else f"{low:g}"
        hi = "inf" if high is None else f"{high:g}"
        interval = f"{left}{lo}, {hi}{right}"
        raise ValueError(f"{owner}: {name} expected a value in {interval}, got {value}")
    return value


def check_choice(owner: str, name: str, value: Any, choices: Iterable[Any]) -> Any:
    """Raise a ValueError unless `value` is one of `choices`."""
    choices = tuple(choices)
    if value not in choices:
        shown = ", ".join(repr(c) for c in choices)
        raise ValueError(f"{owner}: {name} expected one of {shown}, got {value!r}")
    return value


def check_rng(owner: str, rng: Any) -> np.random.Generator:
    """`rng` itself when it is a Generator, a fresh unseeded one for None, else a TypeError.

    An int is refused on purpose: `rng=0` reads like a seed, but a Generator built here from it
    would be a different stream from the caller's, and reusing one int in several layers would
    give them identical weights.
    """
    if rng is None:
        return np.random.default_rng()
    if not isinstance(rng, np.random.Generator):
        raise TypeError(
            f"{owner}: rng expected a numpy.random.Generator (e.g. np.random.default_rng(0)) "
            f"or None, got {type(rng).__name__} {rng!r}"
        )
    return rng


def check_float_dtype(owner: str, dtype: Any) -> np.dtype:
    """`dtype` as a NumPy floating dtype (float16/32/64), else a TypeError naming `owner`."""
    try:
        result = np.dtype(dtype)
    except TypeError:
        result = None
    if result is None or not np.issubdtype(result, np.floating):
        raise TypeError(
            f"{owner}: dtype expected a floating-point dtype (np.float32, np.float64), "
            f"got {dtype!r}"
        )
    return result
