"""Optimizers with one step size per parameter: RMSProp and Adam (with AdamW's weight decay).

The update rules are those of `torch.optim.RMSprop` (without its `momentum` and `centered`
options), `torch.optim.Adam` and `torch.optim.AdamW`. One deliberate difference in what is
accepted: torch allows `eps=0`, which divides 0 by 0 (NaN) for a parameter whose gradients
have all been exactly zero; here `eps` must be positive.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from nnfs.checks import check_real
from nnfs.core import Parameter
from nnfs.optim.base import Optimizer


def _check_betas(owner: str, betas: Any) -> tuple[float, float]:
    """`betas` as a pair of floats in [0, 1), or a TypeError/ValueError naming `owner`."""
    if not isinstance(betas, (tuple, list)) or len(betas) != 2:
        raise ValueError(f"{owner}: betas expected a pair (beta1, beta2), got {betas!r}")
    b1 = check_real(owner, "betas[0]", betas[0], 0.0, 1.0, high_open=True)
    b2 = check_real(owner, "betas[1]", betas[1], 0.0, 1.0, high_open=True)
    return b1, b2


# --8<-- [start:rmsprop]
class RMSProp(Optimizer):
    """s = alpha * s + (1 - alpha) * g^2;  p -= lr * g / (sqrt(s) + eps)  (torch.optim.RMSprop).

    Args:
        params: the parameters to train.
        lr: learning rate.
        alpha: decay of the running average s of squared gradients, in [0, 1).
        eps: added to sqrt(s) so that a zero gradient history never divides by zero; > 0.
        weight_decay: L2 penalty coefficient, added to the gradient as weight_decay * p.
    """

    def __init__(
        self,
        params: Iterable[Parameter],
        lr: float = 0.01,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params, lr)
        self.alpha = check_real("RMSProp", "alpha", alpha, 0.0, 1.0, high_open=True)
        self.eps = check_real("RMSProp", "eps", eps, 0.0, low_open=True)
        self.weight_decay = check_real("RMSProp", "weight_decay", weight_decay, 0.0)

    def init_state(self, p: Parameter) -> dict[str, Any]:
        return {"square_avg": np.zeros_like(p.data)}

    def update(self, p: Parameter, state: dict[str, Any]) -> None:
        g = p.grad + self.weight_decay * p.data if self.weight_decay else p.grad
        s = state["square_avg"]
        s *= self.alpha
        s += (1 - self.alpha) * g * g
        p.data -= self.lr * g / (np.sqrt(s) + self.eps)


# --8<-- [end:rmsprop]


# --8<-- [start:adam]
class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015) with bias correction, as torch.optim.Adam / AdamW.

    m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2;
    p -= lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps).

    Args:
        params: the parameters to train.
        lr: learning rate.
        betas: (b1, b2), the decay rates of the first and second moment estimates, in [0, 1).
        eps: added to the denominator for numerical safety; > 0.
        weight_decay: without `decoupled`, adds weight_decay * p to the gradient (an L2 term in
            the loss, torch.optim.Adam); with `decoupled=True`, shrinks p by
            lr * weight_decay * p before the Adam step (AdamW, Loshchilov & Hutter, 2019).
        decoupled: selects the AdamW form of weight decay.
    """

    def __init__(
        self,
        params: Iterable[Parameter],
        lr: float = 0.001,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        decoupled: bool = False,
    ) -> None:
        super().__init__(params, lr)
        self.betas = _check_betas("Adam", betas)
        self.eps = check_real("Adam", "eps", eps, 0.0, low_open=True)
        self.weight_decay = check_real("Adam", "weight_decay", weight_decay, 0.0)
        if not isinstance(decoupled, bool):
            raise TypeError(f"Adam: decoupled expected True or False, got {decoupled!r}")
        self.decoupled = decoupled

    def init_state(self, p: Parameter) -> dict[str, Any]:
        return {"m": np.zeros_like(p.data), "v": np.zeros_like(p.data), "step": 0}

    def update(self, p: Parameter, state: dict[str, Any]) -> None:
        b1, b2 = self.betas
        g = p.grad
        if self.weight_decay and self.decoupled:
            p.data -= self.lr * self.weight_decay * p.data
        elif self.weight_decay:
            g = g + self.weight_decay * p.data
        m, v = state["m"], state["v"]
        # Each parameter counts its own steps (as torch does), so a parameter that was frozen
        # for a while still gets the bias correction of a fresh start.
        t = state["step"] = state["step"] + 1
        m *= b1
        m += (1 - b1) * g
        v *= b2
        v += (1 - b2) * g * g
        m_hat = m / (1 - b1**t)
        v_hat = v / (1 - b2**t)
        p.data -= self.lr * m_hat / (np.sqrt(v_hat) + self.eps)


# --8<-- [end:adam]
