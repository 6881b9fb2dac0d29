"""Gradient clipping: cap the global norm of all gradients, or every gradient entry.

Both act in place on `p.grad`, between `backward` and the optimizer's `step`, as
`torch.nn.utils.clip_grad_norm_` and `clip_grad_value_` do. One difference: torch's default
lets a non-finite norm through (the gradients then become NaN, or 0 and NaN for an infinite
norm); `clip_grad_norm` here raises, because a step taken from such a gradient destroys the
weights.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from nnfs.checks import check_real
from nnfs.core import Parameter
from nnfs.optim.base import parameter_list


# --8<-- [start:clip_grad_norm]
def clip_grad_norm(params: Iterable[Parameter], max_norm: float) -> float:
    """Scale all gradients by min(1, max_norm / ||g||), ||g|| the global L2 norm; returns ||g||.

    ||g|| is the norm of all gradients together, as one long vector, so clipping shortens
    the whole step and keeps its direction. The 1e-6 in the scale is torch's.

    Args:
        params: the parameters whose `.grad` to clip (`model.parameters()`).
        max_norm: the largest global norm allowed, > 0.

    Returns:
        The global norm before clipping (0.0 for an empty list).
    """
    params = parameter_list("clip_grad_norm", params, allow_empty=True)
    max_norm = check_real("clip_grad_norm", "max_norm", max_norm, 0.0, low_open=True)
    with np.errstate(over="ignore"):  # a norm too large for float64 is inf: refused below
        total = float(np.sqrt(sum(np.sum(p.grad.astype(np.float64) ** 2) for p in params)))
    if not np.isfinite(total):
        raise ValueError(
            f"clip_grad_norm: gradients expected a finite norm, got {total} (a gradient holds "
            "inf or nan, or entries beyond 1e154); training diverged before clipping"
        )
    if total > max_norm:
        scale = max_norm / (total + 1e-6)
        for p in params:
            p.grad *= scale  # in place, a Python float: float32 gradients stay float32
    return total


# --8<-- [end:clip_grad_norm]


# --8<-- [start:clip_grad_value]
def clip_grad_value(params: Iterable[Parameter], clip_value: float) -> None:
    """Clamp every gradient entry to [-clip_value, clip_value], each on its own.

    Unlike `clip_grad_norm` this changes the direction of the step: large entries are cut,
    small ones are kept.

    Args:
        params: the parameters whose `.grad` to clip.
        clip_value: the largest magnitude allowed for one entry, > 0.
    """
    params = parameter_list("clip_grad_value", params, allow_empty=True)
    clip_value = check_real("clip_grad_value", "clip_value", clip_value, 0.0, low_open=True)
    for p in params:
        np.clip(p.grad, -clip_value, clip_value, out=p.grad)


# --8<-- [end:clip_grad_value]
