"""Stochastic gradient descent with optional (heavy-ball or Nesterov) momentum and weight decay.

The update rules are those of `torch.optim.SGD` with `dampening=0`, so the two can be run side
by side. All arithmetic keeps the parameter's dtype: the hyperparameters are Python floats,
which never up-cast a float32 array.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from nnfs.checks import check_real
from nnfs.core import Parameter
from nnfs.optim.base import Optimizer


# --8<-- [start:sgd]
class SGD(Optimizer):
    """p -= lr * v with v = momentum * v + (g + weight_decay * p)  (torch.optim.SGD).

    With momentum=0 this is plain stochastic gradient descent: p -= lr * g. With
    nesterov=True the step is lr * (g + momentum * v) instead of lr * v: Nesterov's
    accelerated gradient in the form torch uses, which needs momentum > 0 (as torch does).

    Args:
        params: the parameters to train (`model.parameters()`).
        lr: learning rate, >= 0.
        momentum: the decay factor of the velocity v, in [0, 1) (0 turns momentum off).
        weight_decay: L2 penalty coefficient >= 0, added to the gradient as weight_decay * p.
        nesterov: use the Nesterov form of the momentum step.
    """

    def __init__(
        self,
        params: Iterable[Parameter],
        lr: float = 0.01,
        momentum: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
    ) -> None:
        super().__init__(params, lr)
        name = type(self).__name__
        self.momentum = check_real(name, "momentum", momentum, 0.0, 1.0, high_open=True)
        self.weight_decay = check_real(name, "weight_decay", weight_decay, 0.0)
        if not isinstance(nesterov, bool):
            raise TypeError(f"{name}: nesterov expected True or False, got {nesterov!r}")
        if nesterov and self.momentum == 0:
            raise ValueError(f"{name}: nesterov=True expected momentum > 0, got momentum=0")
        self.nesterov = nesterov

    def init_state(self, p: Parameter) -> dict[str, Any]:
        return {"velocity": np.zeros_like(p.data)} if self.momentum else {}

    def update(self, p: Parameter, state: dict[str, Any]) -> None:
        g = p.grad + self.weight_decay * p.data if self.weight_decay else p.grad
        if self.momentum:
            # v starts at zero, so the first step has v = g, exactly as torch's buffer does.
            v = state["velocity"]
            v *= self.momentum
            v += g
            g = g + self.momentum * v if self.nesterov else v
        p.data -= self.lr * g


# --8<-- [end:sgd]


# --8<-- [start:momentum]
class Momentum(SGD):
    """SGD with momentum: v = beta * v + g; p -= lr * v (Polyak's heavy ball).

    Args:
        params: the parameters to train.
        lr: learning rate.
        beta: how much of the previous velocity survives each step, in [0, 1).
        weight_decay: L2 penalty coefficient, as in `SGD`.
        nesterov: the Nesterov form of the step, as in `SGD`.
    """

    def __init__(
        self,
        params: Iterable[Parameter],
        lr: float = 0.01,
        beta: float = 0.9,
        weight_decay: float = 0.0,
        nesterov: bool = False,
    ) -> None:
        beta = check_real("Momentum", "beta", beta, 0.0, 1.0, high_open=True)
        super().__init__(params, lr, momentum=beta, weight_decay=weight_decay, nesterov=nesterov)


# --8<-- [end:momentum]
