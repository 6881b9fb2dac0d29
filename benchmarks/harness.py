"""Side-by-side timing of nnfs against PyTorch on the CPU, in one process, interleaved.

A benchmark case is two zero-argument callables doing the same work (one training step, or one
forward + backward) plus a `check` that raises when their numbers disagree. `run_case` warms
both up, then alternates them, pausing between the two so that one library's BLAS threads have
stopped spinning before the other is timed, and reports medians and the ratio nnfs / torch.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class Case:
    """One workload. `nnfs_step` and `torch_step` do the same computation on the same shapes."""

    name: str
    nnfs_step: Callable[[], object]
    torch_step: Callable[[], object]
    check: Callable[[], None]
    repeats: int = 30


@dataclass
class Result:
    name: str
    threads: int
    nnfs_ms: float
    torch_ms: float

    @property
    def ratio(self) -> float:
        return self.nnfs_ms / self.torch_ms


def _time_once(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1e3


def run_case(case: Case, threads: int, warmup: int = 5, pause: float | None = None) -> Result:
    """Median milliseconds of each side over `case.repeats` interleaved runs.

    With more than one thread, OpenBLAS's workers keep spinning for ~0.1-0.2 s after a call and
    slow down a torch call made right after it (and the other way round), so the sides are
    separated by a 0.25 s pause; with one thread a short pause is enough.
    """
    if pause is None:
        pause = 0.25 if threads > 1 else 0.002
    case.check()
    for _ in range(warmup):
        case.nnfs_step()
        case.torch_step()
    ours, theirs = [], []
    for i in range(case.repeats):
        # Alternate which side goes first so neither always runs on a "warm" machine.
        order = [(case.nnfs_step, ours), (case.torch_step, theirs)]
        if i % 2:
            order.reverse()
        for fn, times in order:
            time.sleep(pause)
            times.append(_time_once(fn))
    return Result(case.name, threads, statistics.median(ours), statistics.median(theirs))
