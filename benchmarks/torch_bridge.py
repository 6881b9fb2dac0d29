"""What every benchmark case needs to put nnfs and PyTorch side by side (imports torch)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import numpy as np
import torch

from nnfs.core import Module
from nnfs.losses import SoftmaxCrossEntropy
from nnfs.optim import SGD


def to_torch(a: np.ndarray) -> torch.Tensor:
    """A tensor sharing memory with `a` (made contiguous first), same dtype."""
    return torch.from_numpy(np.ascontiguousarray(a))


@contextmanager
def onednn(enabled: bool) -> Iterator[None]:
    """Switch torch's oneDNN (MKL-DNN) kernels on or off inside the block, then restore them.

    torch.backends.mkldnn.flags does the same but warns on every use, hence the private calls.
    """
    before = torch._C._get_mkldnn_enabled()
    torch._C._set_mkldnn_enabled(enabled)
    try:
        yield
    finally:
        torch._C._set_mkldnn_enabled(before)


def assert_close(name: str, a: np.ndarray, b: np.ndarray, rtol: float = 1e-3) -> None:
    """max |a - b| / max |b| < rtol: float32 agreement between nnfs (a) and torch (b)."""
    scale = float(np.max(np.abs(b))) + 1e-12
    err = float(np.max(np.abs(a - b))) / scale
    assert err < rtol, f"{name}: nnfs and torch differ, max error / max value = {err:.2e}"


def sgd_classifier_steps(
    ours: Module, ref: torch.nn.Module, x: np.ndarray, labels: np.ndarray, lr: float
) -> tuple[Callable[[], float], Callable[[], float]]:
    """One SGD step of softmax cross-entropy training on (x, labels), for each library.

    Each returned callable does forward, loss, backward and update, and returns the loss.
    """
    loss_fn = SoftmaxCrossEntropy()
    opt = SGD(ours.parameters(), lr=lr)
    opt_t = torch.optim.SGD(ref.parameters(), lr=lr)
    x_t, labels_t = to_torch(x), to_torch(labels)

    def nnfs_step() -> float:
        opt.zero_grad()
        loss = loss_fn(ours(x), labels)
        ours.backward(loss_fn.backward())
        opt.step()
        return loss

    def torch_step() -> float:
        opt_t.zero_grad()
        loss = torch.nn.functional.cross_entropy(ref(x_t), labels_t)
        loss.backward()
        opt_t.step()
        return loss.item()

    return nnfs_step, torch_step
