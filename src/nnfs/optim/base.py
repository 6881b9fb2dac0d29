"""The optimizer protocol: a list of parameters, per-parameter state, `step()`, `zero_grad()`.

Every optimizer of `nnfs.optim` is an `Optimizer` subclass that defines `update(p, state)`, the
rule for one parameter. Arguments are checked at construction, so a mistake is reported where
it was made, naming the optimizer and the argument (the same wording as `nnfs.checks`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from nnfs.checks import check_real
from nnfs.core import Module, Parameter


def parameter_list(
    owner: str, params: Iterable[Parameter], *, allow_empty: bool = False
) -> list[Parameter]:
    """`params` as a list of distinct `Parameter`s, or a TypeError/ValueError naming `owner`.

    Refused, each with the fix in the message: a `Module` (pass `model.parameters()`), a single
    `Parameter` or an array (wrap it in a list), anything that is not a `Parameter`, an empty
    list (unless `allow_empty`), and the same `Parameter` twice. A duplicate would be updated
    twice per `step()`, as if its learning rate were doubled; `torch.optim` warns about it and
    announces that it will become an error, and here it is one.
    """
    if isinstance(params, Module):
        raise TypeError(
            f"{owner}: params expected an iterable of Parameters, got the module "
            f"{type(params).__name__} itself; pass model.parameters()"
        )
    if isinstance(params, (Parameter, np.ndarray)):
        raise TypeError(
            f"{owner}: params expected an iterable of Parameters, got a single "
            f"{type(params).__name__}; wrap it in a list: [p]"
        )
    try:
        params = list(params)
    except TypeError:
        raise TypeError(
            f"{owner}: params expected an iterable of Parameters, got {type(params).__name__}"
        ) from None
    seen: dict[int, int] = {}
    for i, p in enumerate(params):
        if not isinstance(p, Parameter):
            raise TypeError(f"{owner}: params[{i}] expected a Parameter, got {type(p).__name__}")
        if id(p) in seen:
            raise ValueError(
                f"{owner}: params expected each Parameter once, got the same one at positions "
                f"{seen[id(p)]} and {i}; it would be updated twice per step"
            )
        seen[id(p)] = i
    if not params and not allow_empty:
        raise ValueError(f"{owner}: params expected at least one Parameter, got an empty list")
    return params


# --8<-- [start:optimizer]
class Optimizer:
    """Holds the trainable parameters; subclasses define `update(p, state)` for one parameter.

    `state[id(p)]` keeps each parameter's running averages between steps, created once by
    `init_state(p)`; `t` counts steps. `lr` may be changed between steps (a learning-rate
    scheduler does exactly that); `initial_lr` stays None until the first scheduler attached
    to this optimizer records the learning rate it started from.
    """

    def __init__(self, params: Iterable[Parameter], lr: float) -> None:
        name = type(self).__name__
        self.params = parameter_list(name, params)
        self.lr = check_real(name, "lr", lr, 0.0)
        self.initial_lr: float | None = None
        self.state: dict[int, dict[str, Any]] = {}
        self.t = 0

    def init_state(self, p: Parameter) -> dict[str, Any]:
        """The per-parameter state before the first step (none for plain SGD)."""
        return {}

    def zero_grad(self) -> None:
        """Reset every parameter's gradient to zero (backward passes accumulate with +=)."""
        for p in self.params:
            p.zero_grad()

    def step(self) -> None:
        """Update every parameter that is not frozen from its current gradient."""
        self.t += 1
        for p in self.params:
            if not p.frozen:
                if id(p) not in self.state:
                    self.state[id(p)] = self.init_state(p)
                self.update(p, self.state[id(p)])

    def update(self, p: Parameter, state: dict[str, Any]) -> None:
        """Change `p.data` in place from `p.grad` and this parameter's `state`."""
        raise NotImplementedError(f"{type(self).__name__} does not define update")


# --8<-- [end:optimizer]
