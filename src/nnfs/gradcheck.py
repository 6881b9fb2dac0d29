"""Numerical gradients by central differences, and a check of a module's `backward` against them.

The check contracts the module's output with a fixed random tensor R, so the scalar being
differentiated is L = sum(R * f(x)) and dL/dy = R. Comparing in float64 with eps = 1e-6, a
correct backward gives relative errors around 1e-9 or smaller; anything above 1e-6 is a bug.
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


def rel_error(a: np.ndarray, b: np.ndarray) -> float:
    """max |a - b| / max(|a| + |b|), with a floor so that two zero gradients compare as equal."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(a) + np.abs(b)), 1e-12))


def _as_tuple(x: object) -> tuple:
    return x if isinstance(x, tuple) else (x,)


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

    Returns: {"input0": err, ..., "<param name>": err}, the relative error of each.
    """
    kwargs = forward_kwargs or {}
    rng = np.random.default_rng(seed)
    outputs = _as_tuple(module.forward(*inputs, **kwargs))
    weights = tuple(rng.standard_normal(np.shape(y)) for y in outputs)

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
            errors[f"input{i}"] = rel_error(analytic_inputs[i], numerical_gradient(scalar, x, eps))
    for name, p in module.named_parameters():
        if not p.frozen:
            errors[name] = rel_error(analytic_params[name], numerical_gradient(scalar, p.data, eps))
    return errors


# --8<-- [end:check_module]


def check_loss(loss: object, pred: np.ndarray, target: np.ndarray, eps: float = 1e-6) -> float:
    """Relative error of `loss.backward()` against the numerical gradient of the loss."""
    loss.forward(pred, target)
    analytic = loss.backward()
    numeric = numerical_gradient(lambda p: loss.forward(p, target), pred, eps)
    return rel_error(analytic, numeric)
