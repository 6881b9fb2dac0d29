"""Learning-rate schedules: StepLR, CosineAnnealingLR, LinearLR (warm-up) and SequentialLR.

A scheduler sets `optimizer.lr` when it is created (the rate of step 0) and again at every
`step()`. Call `scheduler.step()` after `optimizer.step()`, once per epoch or once per batch,
whichever unit the schedule was written in. The rates are those of `torch.optim.lr_scheduler`
with the same arguments, step for step. torch computes each new rate from the optimizer's
current one (so that schedulers can be chained); here each comes from its closed form
`lr_at(t)`, the formula the book derives. The two agree to rounding whenever one scheduler
drives the optimizer, which the tests check against torch over 40 steps.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Sequence

from nnfs.checks import check_int, check_real
from nnfs.optim.base import Optimizer


# --8<-- [start:scheduler]
class LRScheduler:
    """Base class: `lr_at(t)` is the learning rate after `t` calls of `step()`.

    The first scheduler attached to an optimizer records the optimizer's learning rate as
    `optimizer.initial_lr`; every scheduler of that optimizer starts from it (`base_lr`, as
    torch's `base_lrs`) and sets the rate of its own step 0 when created. torch's schedulers
    instead continue from the optimizer's current rate, so a second scheduler created later
    behaves differently in the two; `SequentialLR` agrees. `last_epoch` (torch's name) counts
    the calls of `step()`.
    """

    def __init__(self, optimizer: Optimizer) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(
                f"{type(self).__name__}: optimizer expected an nnfs.optim optimizer, "
                f"got {type(optimizer).__name__}"
            )
        if optimizer.initial_lr is None:
            optimizer.initial_lr = optimizer.lr
        self.optimizer = optimizer
        self.base_lr = optimizer.initial_lr
        self._set(0)

    def lr_at(self, t: int) -> float:
        """The learning rate of step `t` (t = 0 before the first `step()`)."""
        raise NotImplementedError(f"{type(self).__name__} does not define lr_at")

    def step(self) -> None:
        """Advance one step and set the optimizer's learning rate to `lr_at(last_epoch)`."""
        self._set(self.last_epoch + 1)

    def get_last_lr(self) -> list[float]:
        """The learning rate set by the last step, as a list with one entry (torch returns one
        per parameter group; an nnfs optimizer has a single group)."""
        return [self._last_lr]

    def _set(self, t: int) -> None:
        self.last_epoch = t
        self._last_lr = self.optimizer.lr = self.lr_at(t)


# --8<-- [end:scheduler]


# --8<-- [start:step_lr]
class StepLR(LRScheduler):
    """lr_t = base_lr * gamma^floor(t / step_size): divide by 1/gamma every step_size steps.

    Args:
        optimizer: the optimizer whose `lr` to set.
        step_size: the number of steps between two decays, >= 1.
        gamma: the factor applied at each decay, > 0.
    """

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1) -> None:
        self.step_size = check_int("StepLR", "step_size", step_size, minimum=1)
        self.gamma = check_real("StepLR", "gamma", gamma, 0.0, low_open=True)
        super().__init__(optimizer)

    def lr_at(self, t: int) -> float:
        return self.base_lr * self.gamma ** (t // self.step_size)


# --8<-- [end:step_lr]


# --8<-- [start:cosine]
class CosineAnnealingLR(LRScheduler):
    """lr_t = eta_min + (base_lr - eta_min) (1 + cos(pi t / T_max)) / 2.

    From base_lr at t = 0 down to eta_min at t = T_max along half a cosine (Loshchilov &
    Hutter, 2017, without restarts). Past T_max the formula, like torch's, climbs back up:
    choose T_max = the total number of steps.

    Args:
        optimizer: the optimizer whose `lr` to set.
        T_max: the number of steps from base_lr to eta_min, >= 1.
        eta_min: the final learning rate, >= 0.
    """

    def __init__(self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0) -> None:
        self.T_max = check_int("CosineAnnealingLR", "T_max", T_max, minimum=1)
        self.eta_min = check_real("CosineAnnealingLR", "eta_min", eta_min, 0.0)
        super().__init__(optimizer)

    def lr_at(self, t: int) -> float:
        cosine = (1 + math.cos(math.pi * t / self.T_max)) / 2  # 1 at t = 0, 0 at t = T_max
        return self.eta_min + (self.base_lr - self.eta_min) * cosine


# --8<-- [end:cosine]


# --8<-- [start:linear_lr]
class LinearLR(LRScheduler):
    """lr_t = base_lr * (start + (end - start) * min(t, total_iters) / total_iters).

    The multiplier moves linearly from `start_factor` to `end_factor` over `total_iters`
    steps, then stays there. With a small start_factor and end_factor=1 this is the linear
    warm-up of Goyal et al. (2017).

    Args:
        optimizer: the optimizer whose `lr` to set.
        start_factor: the multiplier at step 0, in (0, 1] (torch's range).
        end_factor: the multiplier from step total_iters on, in [0, 1].
        total_iters: the number of steps the change takes, >= 1.
    """

    def __init__(
        self,
        optimizer: Optimizer,
        start_factor: float = 1.0 / 3,
        end_factor: float = 1.0,
        total_iters: int = 5,
    ) -> None:
        self.start_factor = check_real(
            "LinearLR", "start_factor", start_factor, 0.0, 1.0, low_open=True
        )
        self.end_factor = check_real("LinearLR", "end_factor", end_factor, 0.0, 1.0)
        self.total_iters = check_int("LinearLR", "total_iters", total_iters, minimum=1)
        super().__init__(optimizer)

    def lr_at(self, t: int) -> float:
        progress = min(t, self.total_iters) / self.total_iters  # 0 -> 1, then stays 1
        return self.base_lr * (self.start_factor + (self.end_factor - self.start_factor) * progress)


# --8<-- [end:linear_lr]


# --8<-- [start:sequential_lr]
class SequentialLR(LRScheduler):
    """Run `schedulers[i]` from step `milestones[i - 1]` on, each restarted at its own step 0.

    With milestones (m_1, ..., m_k), steps 0 .. m_1 - 1 follow schedulers[0] at t, steps
    m_1 .. m_2 - 1 follow schedulers[1] at t - m_1, and so on: a warm-up followed by a decay
    is `SequentialLR(opt, [LinearLR(...), CosineAnnealingLR(...)], milestones=[warmup])`.

    Args:
        optimizer: the optimizer that every scheduler in `schedulers` was created for.
        schedulers: one or more schedulers, in the order they run.
        milestones: len(schedulers) - 1 strictly increasing steps >= 1 where the next one
            takes over.
    """

    def __init__(
        self,
        optimizer: Optimizer,
        schedulers: Sequence[LRScheduler],
        milestones: Sequence[int],
    ) -> None:
        schedulers, milestones = list(schedulers), list(milestones)
        if not schedulers:
            raise ValueError("SequentialLR: schedulers expected at least one, got none")
        for i, scheduler in enumerate(schedulers):
            if not isinstance(scheduler, LRScheduler):
                raise TypeError(
                    f"SequentialLR: schedulers[{i}] expected a scheduler, "
                    f"got {type(scheduler).__name__}"
                )
            if scheduler.optimizer is not optimizer:
                raise ValueError(
                    f"SequentialLR: schedulers[{i}] ({type(scheduler).__name__}) expected to "
                    "belong to the optimizer given to SequentialLR, got another optimizer"
                )
        if len(milestones) != len(schedulers) - 1:
            raise ValueError(
                f"SequentialLR: milestones expected {len(schedulers) - 1} entries (one fewer "
                f"than schedulers), got {len(milestones)}"
            )
        previous = 0
        for i, m in enumerate(milestones):
            check_int("SequentialLR", f"milestones[{i}]", m, minimum=previous + 1)
            previous = m
        self.schedulers, self.milestones = schedulers, milestones
        super().__init__(optimizer)

    def _active(self, t: int) -> tuple[LRScheduler, int]:
        """The scheduler in charge at step t, and t counted from where it took over."""
        i = bisect_right(self.milestones, t)
        return self.schedulers[i], t - (self.milestones[i - 1] if i else 0)

    def lr_at(self, t: int) -> float:
        scheduler, local_t = self._active(t)
        return scheduler.lr_at(local_t)

    def _set(self, t: int) -> None:
        scheduler, local_t = self._active(t)
        scheduler._set(local_t)  # the active scheduler's own count and last rate stay true
        self.last_epoch, self._last_lr = t, scheduler._last_lr


# --8<-- [end:sequential_lr]


def linear_warmup_decay(optimizer: Optimizer, steps: int, warmup: float = 0.1) -> LRScheduler:
    """BERT's schedule (Devlin et al., 2019) built from `LinearLR` and `SequentialLR`.

    At step k of `steps` (counted from 1) the rate is k / r of the optimizer's peak rate for
    k <= r = round(warmup * steps), at least 1, then (steps - k) / (steps - r), falling to 0
    after the last step. Call `step()` after each optimizer step, as for any scheduler.
    """
    steps = check_int("linear_warmup_decay", "steps", steps, minimum=2)
    warmup = check_real("linear_warmup_decay", "warmup", warmup, 0.0, 1.0, high_open=True)
    rise = max(1, round(warmup * steps))
    fall = LinearLR(optimizer, start_factor=1.0, end_factor=0.0, total_iters=steps - rise)
    if rise == 1:
        return fall
    climb = LinearLR(optimizer, start_factor=1 / rise, end_factor=1.0, total_iters=rise - 1)
    return SequentialLR(optimizer, [climb, fall], milestones=[rise - 1])
