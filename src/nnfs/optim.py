"""Gradient descent: a minimizer for plain functions and the optimizers that train modules.

Update rules match `torch.optim` with the same arguments, so one can be checked against the
other. Optimizers skip frozen parameters. All arithmetic keeps the parameter's dtype: the
hyperparameters are Python floats, which never up-cast a float32 array.
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

    Args:
        grad: the gradient of the function, x (D,) -> (D,).
        x0: the starting point, shape (D,) (any shape works).
        lr: the learning rate (step size).
        steps: how many updates to make.

    Returns:
        The whole trajectory, shape (steps + 1, *x0.shape), starting with x0.
    """
    x = np.array(x0, dtype=float)
    path = [x.copy()]
    for _ in range(steps):
        x = x - lr * grad(x)
        path.append(x.copy())
    return np.stack(path)


# --8<-- [end:gradient_descent]


# --8<-- [start:optimizer]
class Optimizer:
    """Holds the trainable parameters; subclasses define `update(p, state)` for one parameter.

    `state[id(p)]` keeps each parameter's running averages between steps, created once by
    `init_state(p)`; `t` counts steps.
    """

    def __init__(self, params: Iterable[Parameter], lr: float) -> None:
        self.params = list(params)
        if not self.params:
            raise ValueError(f"{type(self).__name__}: got an empty parameter list")
        if not lr >= 0:
            raise ValueError(f"{type(self).__name__}: learning rate must be >= 0, got {lr}")
        self.lr = lr
        self.state: dict[int, dict[str, np.ndarray]] = {}
        self.t = 0

    def init_state(self, p: Parameter) -> dict[str, np.ndarray]:
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

    def update(self, p: Parameter, state: dict[str, np.ndarray]) -> None:
        raise NotImplementedError


# --8<-- [end:optimizer]


# --8<-- [start:sgd]
class SGD(Optimizer):
    """p -= lr * v with v = momentum * v + (g + weight_decay * p)  (torch.optim.SGD).

    With momentum=0 this is plain stochastic gradient descent: p -= lr * g.

    Args:
        params: the parameters to train (`model.parameters()`).
        lr: learning rate.
        momentum: the decay factor of the velocity v (0 turns momentum off).
        weight_decay: L2 penalty coefficient, added to the gradient as weight_decay * p.
    """

    def __init__(
        self,
        params: Iterable[Parameter],
        lr: float = 0.01,
        momentum: float = 0.0,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params, lr)
        if not 0 <= momentum < 1:
            raise ValueError(f"SGD: momentum must lie in [0, 1), got {momentum}")
        self.momentum, self.weight_decay = momentum, weight_decay

    def init_state(self, p: Parameter) -> dict[str, np.ndarray]:
        return {"velocity": np.zeros_like(p.data)} if self.momentum else {}

    def update(self, p: Parameter, state: dict[str, np.ndarray]) -> None:
        g = p.grad + self.weight_decay * p.data if self.weight_decay else p.grad
        if self.momentum:
            # v starts at zero, so the first step has v = g, exactly as torch's buffer does.
            v = state["velocity"]
            v *= self.momentum
            v += g
            g = v
        p.data -= self.lr * g


# --8<-- [end:sgd]


# --8<-- [start:momentum]
class Momentum(SGD):
    """SGD with momentum: v = beta * v + g; p -= lr * v (Polyak's heavy ball).

    Args:
        params: the parameters to train.
        lr: learning rate.
        beta: how much of the previous velocity survives each step.
        weight_decay: L2 penalty coefficient, as in `SGD`.
    """

    def __init__(
        self,
        params: Iterable[Parameter],
        lr: float = 0.01,
        beta: float = 0.9,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params, lr, momentum=beta, weight_decay=weight_decay)


# --8<-- [end:momentum]


# --8<-- [start:rmsprop]
class RMSProp(Optimizer):
    """s = alpha * s + (1 - alpha) * g^2;  p -= lr * g / (sqrt(s) + eps)  (torch.optim.RMSprop).

    Args:
        params: the parameters to train.
        lr: learning rate.
        alpha: decay of the running average s of squared gradients.
        eps: added to sqrt(s) so that a zero gradient history never divides by zero.
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
        if not 0 <= alpha < 1:
            raise ValueError(f"RMSProp: alpha must lie in [0, 1), got {alpha}")
        self.alpha, self.eps, self.weight_decay = alpha, eps, weight_decay

    def init_state(self, p: Parameter) -> dict[str, np.ndarray]:
        return {"square_avg": np.zeros_like(p.data)}

    def update(self, p: Parameter, state: dict[str, np.ndarray]) -> None:
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
        betas: (b1, b2), the decay rates of the first and second moment estimates.
        eps: added to the denominator for numerical safety.
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
        if not all(0 <= b < 1 for b in betas):
            raise ValueError(f"Adam: betas must lie in [0, 1), got {betas}")
        self.betas, self.eps = betas, eps
        self.weight_decay, self.decoupled = weight_decay, decoupled

    def init_state(self, p: Parameter) -> dict[str, np.ndarray]:
        return {"m": np.zeros_like(p.data), "v": np.zeros_like(p.data), "step": 0}

    def update(self, p: Parameter, state: dict[str, np.ndarray]) -> None:
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


# --8<-- [start:minimize]
def minimize(
    grad: Callable[[np.ndarray], np.ndarray],
    x0: np.ndarray,
    optimizer: type[Optimizer] = SGD,
    steps: int = 100,
    **hyperparameters: float,
) -> np.ndarray:
    """Run any optimizer on a plain function, given its gradient; return the trajectory.

    The point x is wrapped in a Parameter so that `SGD`, `Momentum`, `RMSProp` and `Adam`
    move it exactly as they move a network's weights.

    Args:
        grad: the gradient of the function, x (D,) -> (D,).
        x0: the starting point (D,).
        optimizer: the optimizer class.
        steps: how many optimizer steps to take.
        hyperparameters: passed to the optimizer (lr=..., beta=..., betas=...).

    Returns:
        The trajectory, shape (steps + 1, D), starting with x0.
    """
    x = Parameter(np.array(x0, dtype=float))
    opt = optimizer([x], **hyperparameters)
    path = [x.data.copy()]
    for _ in range(steps):
        x.grad[...] = grad(x.data)
        opt.step()
        path.append(x.data.copy())
    return np.stack(path)


# --8<-- [end:minimize]


# --8<-- [start:clip_grad_norm]
def clip_grad_norm(params: Iterable[Parameter], max_norm: float) -> float:
    """Scale all gradients by min(1, max_norm / ||g||), ||g|| the global L2 norm; returns ||g||."""
    params = list(params)
    total = float(np.sqrt(sum(float(np.sum(p.grad.astype(np.float64) ** 2)) for p in params)))
    if total > max_norm:
        scale = max_norm / (total + 1e-6)
        for p in params:
            p.grad *= np.asarray(scale, dtype=p.grad.dtype)
    return total


# --8<-- [end:clip_grad_norm]
