"""Numerical gradients by central differences, and a check of a module's `backward` against them.

The check contracts the module's output with a fixed random tensor R, so the scalar being
differentiated is L = sum(R * f(x)) and dL/dy = R. Comparing in float64 with eps = 1e-6, a
correct backward gives relative errors around 1e-9 or smaller; anything above 1e-6 is a bug.

A central difference cannot resolve a gradient smaller than its own rounding noise, about
machine-eps * |L| / eps (1e-9 here), so a gradient that is exactly 0 (the key bias of attention,
a bias before BatchNorm) would give a "relative error" of about 1 between two kinds of noise.
`check_module` therefore measures each error against the larger of the gradient's size and a
floor set by that noise (see `rel_error`), which is still far below any real gradient.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from nnfs.core import Module


# --8<-- [start:numerical_gradient]
def numerical_gradient(
    f: Callable[[np.ndarray], float], x: np.ndarray, eps: float = 1e-6
) -> np.ndarray:
    """dF/dx by central differences, (f(x + eps e_i) - f(x - eps e_i)) / (2 eps), for each i.

    `x` is perturbed in place and restored, so `f` may close over it. Error is O(eps^2).
    """
    grad = np.zeros_like(x, dtype=np.float64)
    flat_x, flat_g = x.reshape(-1), grad.reshape(-1)
    if not np.shares_memory(flat_x, x):
        raise ValueError("numerical_gradient: x must be contiguous so it can be perturbed in place")
    for i in range(flat_x.size):
        original = flat_x[i]
        flat_x[i] = original + eps
        f_plus = f(x)
        flat_x[i] = original - eps
        f_minus = f(x)
        flat_x[i] = original
        flat_g[i] = (f_plus - f_minus) / (2 * eps)
    return grad


# --8<-- [end:numerical_gradient]


def rel_error(a: np.ndarray, b: np.ndarray, floor: float = 1e-12) -> float:
    """max |a - b| / max(max(|a| + |b|), floor): the error relative to the gradient's size.

    `floor` is the size below which a gradient counts as zero: two zero gradients compare as
    equal, and a gradient that is exactly 0 in theory is judged by its absolute error against
    `floor` instead of by a ratio of two rounding noises. `check_module` sets it from the noise
    of the finite difference; the default 1e-12 only guards against dividing by zero.
    """
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.size != b.size:  # compared element by element, never broadcast
        raise ValueError(f"rel_error: a and b expected the same size, got {a.shape} and {b.shape}")
    a, b = a.reshape(-1), b.reshape(-1)
    if a.size == 0:
        return 0.0
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(a) + np.abs(b)), floor))


def noise_floor(
    outputs: tuple[np.ndarray, ...], weights: tuple[np.ndarray, ...], eps: float
) -> float:
    """The gradient size a central difference of L = sum(R * y) can still tell from zero.

    Rounding L costs about machine-eps * sum |R * y|, and dividing by 2 eps magnifies it, so a
    numerical gradient carries an absolute noise of about delta = machine-eps * sum |R y| / eps.
    The floor is 1e7 delta: a correct gradient's noise then reads as an error near 1e-7, while
    an absolute error above 1e-6 of the floor (ten times the noise) still fails a check.
    For typical checks (|L| ~ 10, eps = 1e-6) the floor is about 0.02.
    """
    magnitude = sum(float(np.sum(np.abs(w * y))) for w, y in zip(weights, outputs, strict=True))
    return max(1e7 * np.finfo(np.float64).eps * magnitude / eps, 1e-12)


def _as_tuple(x: object) -> tuple:
    return x if isinstance(x, tuple) else (x,)


def _check_float64(module: Module, inputs: tuple) -> None:
    """Central differences with eps = 1e-6 need float64: in float32 the rounding noise alone
    (1e-7 / 1e-6) is as large as the gradient, so every check would fail or mean nothing."""
    if not isinstance(module, Module):
        raise TypeError(f"check_module: module expected a Module, got {type(module).__name__}")
    for i, x in enumerate(inputs):
        if (
            isinstance(x, np.ndarray)
            and np.issubdtype(x.dtype, np.floating)
            and x.dtype != np.float64
        ):
            raise TypeError(f"check_module: input{i} expected float64, got {x.dtype}")
    for name, p in module.named_parameters():
        if p.dtype != np.float64:
            raise TypeError(f"check_module: parameter '{name}' expected float64, got {p.dtype}")


# --8<-- [start:check_module]
def check_module(
    module: Module,
    *inputs: np.ndarray,
    eps: float = 1e-6,
    seed: int = 0,
    check_inputs: bool | tuple[bool, ...] = True,
    forward_kwargs: dict | None = None,
) -> dict[str, float]:
    """Compare `module.backward` with numerical gradients for every input and parameter.

    Args:
        module: a float64 module; its forward must be deterministic (fix dropout masks).
        inputs: float64 arrays passed to `forward`. Non-float inputs (indices) are not checked.
        check_inputs: whether to check the gradient of each input (one flag, or one per input).
        forward_kwargs: extra keyword arguments for `forward` (e.g. a mask).

    Returns: {"input0": err, ..., "<param name>": err}, the relative error of each, measured
    against the larger of the gradient's size and `noise_floor` (so an exactly-zero gradient
    is checked too).
    """
    _check_float64(module, inputs)
    kwargs = forward_kwargs or {}
    rng = np.random.default_rng(seed)
    outputs = _as_tuple(module.forward(*inputs, **kwargs))
    weights = tuple(rng.standard_normal(np.shape(y)) for y in outputs)
    floor = noise_floor(outputs, weights, eps)

    def scalar(*_: object) -> float:
        ys = _as_tuple(module.forward(*inputs, **kwargs))
        return float(sum(np.sum(w * y) for w, y in zip(weights, ys, strict=True)))

    module.zero_grad()
    module.forward(*inputs, **kwargs)
    grad_out = weights if len(weights) > 1 else weights[0]
    analytic_inputs = _as_tuple(module.backward(grad_out))
    analytic_params = {name: p.grad.copy() for name, p in module.named_parameters()}

    flags = check_inputs if isinstance(check_inputs, tuple) else (check_inputs,) * len(inputs)
    errors: dict[str, float] = {}
    for i, (x, flag) in enumerate(zip(inputs, flags, strict=True)):
        if flag and isinstance(x, np.ndarray) and np.issubdtype(x.dtype, np.floating):
            numeric = numerical_gradient(scalar, x, eps)
            errors[f"input{i}"] = rel_error(analytic_inputs[i], numeric, floor)
    for name, p in module.named_parameters():
        if not p.frozen:
            numeric = numerical_gradient(scalar, p.data, eps)
            errors[name] = rel_error(analytic_params[name], numeric, floor)
    return errors


# --8<-- [end:check_module]


def check_loss(loss: object, pred: np.ndarray, target: np.ndarray, eps: float = 1e-6) -> float:
    """Relative error of `loss.backward()` against the numerical gradient of the loss."""
    value = loss.forward(pred, target)
    analytic = loss.backward()
    numeric = numerical_gradient(lambda p: loss.forward(p, target), pred, eps)
    return rel_error(analytic, numeric, noise_floor((np.asarray(value),), (np.ones(()),), eps))
