"""Gradient descent on plain functions: the update rule alone, and any optimizer on a function.

Chapter 3 studies the optimizers on functions of two variables before they train networks;
these two helpers return the whole trajectory so that it can be drawn on a contour plot.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from nnfs.checks import check_int, check_real
from nnfs.core import Parameter
from nnfs.optim.base import Optimizer
from nnfs.optim.sgd import SGD


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
    lr = check_real("gradient_descent", "lr", lr, 0.0)
    steps = check_int("gradient_descent", "steps", steps, minimum=0)
    x = np.array(x0, dtype=float)
    path = [x.copy()]
    for _ in range(steps):
        x = x - lr * grad(x)
        path.append(x.copy())
    return np.stack(path)


# --8<-- [end:gradient_descent]


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
        hyperparameters: passed to the optimizer (lr=..., momentum=..., betas=...).

    Returns:
        The trajectory, shape (steps + 1, D), starting with x0.
    """
    steps = check_int("minimize", "steps", steps, minimum=0)
    x = Parameter(np.array(x0, dtype=float))
    opt = optimizer([x], **hyperparameters)
    path = [x.data.copy()]
    for _ in range(steps):
        x.grad[...] = grad(x.data)
        opt.step()
        path.append(x.data.copy())
    return np.stack(path)


# --8<-- [end:minimize]
