"""L1 and L2 penalties on the weights, and their gradients, to be added to a data loss.

Usage in a training step (the penalty changes the loss, so its gradient joins the backward pass):

    loss = loss_fn(model(X), y) + l2_penalty(weights, lam)
    model.backward(loss_fn.backward())
    add_l2_grad(weights, lam)
    optimizer.step()

with `weights = weight_parameters(model)`. The L2 penalty is (lam / 2) * sum(w^2), so its
gradient is lam * w: exactly what `SGD(..., weight_decay=lam)` adds to the gradient.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from nnfs.checks import check_real
from nnfs.core import Module, Parameter


def _parameters(owner: str, params: Iterable[Parameter], lam: float) -> list[Parameter]:
    """`params` as a list of Parameters, and lam >= 0; a Module or an array is a TypeError."""
    check_real(owner, "lam", lam, 0)
    if isinstance(params, (Module, np.ndarray, Parameter)) or not isinstance(params, Iterable):
        raise TypeError(
            f"{owner}: params expected an iterable of Parameters (e.g. "
            f"weight_parameters(model)), got {type(params).__name__}"
        )
    params = list(params)
    for p in params:
        if not isinstance(p, Parameter):
            raise TypeError(f"{owner}: params expected Parameters, got {type(p).__name__}")
    return params


def weight_parameters(module: Module) -> list[Parameter]:
    """The parameters that are usually penalized: weight matrices and kernels (ndim >= 2).

    Biases and normalization scales/shifts (1-D) are left out: penalizing them does not reduce
    the capacity to fit noise, and pulling BatchNorm's gamma to zero only hurts.
    """
    return [p for p in module.parameters() if p.data.ndim >= 2]


# --8<-- [start:l1]
def l1_penalty(params: Iterable[Parameter], lam: float) -> float:
    """R(w) = lam * sum_i |w_i| over every parameter."""
    params = _parameters("l1_penalty", params, lam)
    return lam * sum(float(np.abs(p.data).sum()) for p in params)


def add_l1_grad(params: Iterable[Parameter], lam: float) -> None:
    """p.grad += lam * sign(p) (the subgradient 0 at w = 0); frozen parameters are skipped."""
    for p in _parameters("add_l1_grad", params, lam):
        if not p.frozen:
            p.grad += lam * np.sign(p.data)


# --8<-- [end:l1]


# --8<-- [start:l2]
def l2_penalty(params: Iterable[Parameter], lam: float) -> float:
    """R(w) = (lam / 2) * sum_i w_i^2 over every parameter, so that dR/dw = lam * w."""
    params = _parameters("l2_penalty", params, lam)
    return 0.5 * lam * sum(float(np.sum(p.data * p.data)) for p in params)


def add_l2_grad(params: Iterable[Parameter], lam: float) -> None:
    """p.grad += lam * p; frozen parameters are skipped."""
    for p in _parameters("add_l2_grad", params, lam):
        if not p.frozen:
            p.grad += lam * p.data


# --8<-- [end:l2]
