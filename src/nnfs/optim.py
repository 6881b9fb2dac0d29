"""Gradient descent: a minimizer for plain functions and the optimizers that train modules.

Update rules match `torch.optim` with the same arguments, so one can be checked against the
other. Optimizers skip frozen parameters. All arithmetic keeps the parameter's dtype.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np

from nnfs.core import Parameter


# --8<-- [start:gradient_descent]
def gradient_descent(
    grad: Callable[[np.ndarray], np.ndarray],
    x0: np.ndarray,
    lr: float = 0.1,
    steps: int = 100,
) -> np.ndarray:
    """Minimize a function from its gradient: x_{t+1} = x_t - lr * grad(x_t).

    Returns the whole trajectory, shape (steps + 1, *x0.shape), starting with x0.
    """
    x = np.array(x0, dtype=float)
    path = [x.copy()]
    for _ in range(steps):
        x = x - lr * grad(x)
        path.append(x.copy())
    return np.stack(path)


# --8<-- [end:gradient_descent]


class Optimizer:
    """Holds the trainable parameters; subclasses define `update(p, state)`."""

    def __init__(self, params: Iterable[Parameter], lr: float) -> None:
        self.params = list(params)
        if not self.params:
            raise ValueError(f"{type(self).__name__}: got an empty parameter list")
        self.lr = lr
        self.state: dict[int, dict[str, np.ndarray]] = {id(p): {} for p in self.params}
        self.t = 0

    def zero_grad(self) -> None:
        for p in self.params:
            p.zero_grad()

    def step(self) -> None:
        self.t += 1
        for p in self.params:
            if not p.frozen:
                self.update(p, self.state[id(p)])

    def update(self, p: Parameter, state: dict[str, np.ndarray]) -> None:
        raise NotImplementedError


# --8<-- [start:sgd]
class SGD(Optimizer):
    """p -= lr * v with v = momentum * v + (g + weight_decay * p)  (torch.optim.SGD).

    With momentum=0 this is plain stochastic gradient descent: p -= lr * g.
    """

    def __init__(
        self,
        params: Iterable[Parameter],
        lr: float = 0.01,
        momentum: float = 0.0,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params, lr)
        self.momentum, self.weight_decay = momentum, weight_decay

    def update(self, p: Parameter, state: dict[str, np.ndarray]) -> None:
        g = p.grad + self.weight_decay * p.data if self.weight_decay else p.grad
        if self.momentum:
            # torch starts the buffer at the first gradient, not at zero.
            v = state.get("velocity")
            state["velocity"] = v = g.copy() if v is None else self.momentum * v + g
            g = v
        p.data -= self.lr * g


# --8<-- [end:sgd]


class Momentum(SGD):
    """SGD with momentum: v = beta * v + g; p -= lr * v."""

    def __init__(
        self,
        params: Iterable[Parameter],
        lr: float = 0.01,
        beta: float = 0.9,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params, lr, momentum=beta, weight_decay=weight_decay)


# --8<-- [start:rmsprop]
class RMSProp(Optimizer):
    """s = alpha * s + (1 - alpha) * g^2;  p -= lr * g / (sqrt(s) + eps)  (torch.optim.RMSprop)."""

    def __init__(
        self,
        params: Iterable[Parameter],
        lr: float = 0.01,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params, lr)
        self.alpha, self.eps, self.weight_decay = alpha, eps, weight_decay

    def update(self, p: Parameter, state: dict[str, np.ndarray]) -> None:
        g = p.grad + self.weight_decay * p.data if self.weight_decay else p.grad
        s = state.setdefault("square_avg", np.zeros_like(p.data))
        s *= self.alpha
        s += (1 - self.alpha) * g * g
        p.data -= self.lr * g / (np.sqrt(s) + self.eps)


# --8<-- [end:rmsprop]


# --8<-- [start:adam]
class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015) with bias correction, as torch.optim.Adam / AdamW.

    m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2;
    p -= lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps).

    `weight_decay` adds wd * p to the gradient (L2 in the loss, torch.optim.Adam); with
    `decoupled=True` it instead shrinks p by lr * wd directly (AdamW, Loshchilov & Hutter, 2019).
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
        self.betas, self.eps = betas, eps
        self.weight_decay, self.decoupled = weight_decay, decoupled

    def update(self, p: Parameter, state: dict[str, np.ndarray]) -> None:
        b1, b2 = self.betas
        g = p.grad
        if self.weight_decay and self.decoupled:
            p.data -= self.lr * self.weight_decay * p.data
        elif self.weight_decay:
            g = g + self.weight_decay * p.data
        m = state.setdefault("m", np.zeros_like(p.data))
        v = state.setdefault("v", np.zeros_like(p.data))
        m *= b1
        m += (1 - b1) * g
        v *= b2
        v += (1 - b2) * g * g
        m_hat_scale = 1 / (1 - b1**self.t)
        v_hat = v / (1 - b2**self.t)
        p.data -= (self.lr * m_hat_scale) * m / (np.sqrt(v_hat) + self.eps)


# --8<-- [end:adam]


def clip_grad_norm(params: Iterable[Parameter], max_norm: float) -> float:
    """Scale all gradients by min(1, max_norm / ||g||), ||g|| the global L2 norm; returns ||g||."""
    params = list(params)
    total = float(np.sqrt(sum(float(np.sum(p.grad.astype(np.float64) ** 2)) for p in params)))
    if total > max_norm:
        scale = max_norm / (total + 1e-6)
        for p in params:
            p.grad *= np.asarray(scale, dtype=p.grad.dtype)
    return total
