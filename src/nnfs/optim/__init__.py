"""Gradient descent and the optimizers that train modules, with schedules and clipping.

One concept per module: `base` (the `Optimizer` protocol), `descent` (gradient descent on a
plain function), `sgd` (SGD, heavy-ball and Nesterov momentum), `adaptive` (RMSProp, Adam),
`schedulers` (learning-rate schedules) and `clipping` (gradient clipping). Every public name
is importable from `nnfs.optim` itself. Update rules and learning rates are those of
`torch.optim` with the same arguments, so one can be checked against the other. Optimizers
skip frozen parameters.
"""

from nnfs.optim.base import Optimizer, parameter_list
from nnfs.optim.sgd import SGD, Momentum
from nnfs.optim.adaptive import Adam, RMSProp
from nnfs.optim.descent import gradient_descent, minimize
from nnfs.optim.schedulers import (
    CosineAnnealingLR,
    LinearLR,
    LRScheduler,
    SequentialLR,
    StepLR,
    linear_warmup_decay,
)
from nnfs.optim.clipping import clip_grad_norm, clip_grad_value

__all__ = [
    "Optimizer",
    "parameter_list",
    "SGD",
    "Momentum",
    "RMSProp",
    "Adam",
    "gradient_descent",
    "minimize",
    "LRScheduler",
    "StepLR",
    "CosineAnnealingLR",
    "LinearLR",
    "SequentialLR",
    "linear_warmup_decay",
    "clip_grad_norm",
    "clip_grad_value",
]
