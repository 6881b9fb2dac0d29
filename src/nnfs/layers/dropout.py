"""Inverted dropout (Srivastava et al., 2014): zero each unit with probability p while training."""

from __future__ import annotations

import numpy as np

from nnfs.checks import check_floating, check_real, check_rng, require_forward
from nnfs.core import Module, check_shape


# --8<-- [start:dropout]
class Dropout(Module):
    """Training: y = x * keep / (1 - p), keep ~ Bernoulli(1 - p) per element; eval: y = x.

    Dividing by 1 - p while training keeps E[y] = x, so nothing needs rescaling at test time.

    Args:
        p: the probability of dropping a unit, 0 <= p < 1.
        rng: the Generator that draws the masks (a fresh unseeded one if None).

    Shapes: x any -> y same. x must be floating-point, in every mode: the scale 1 / (1 - p)
    is not an integer, and an integer input would truncate it (PyTorch refuses it too).
    """

    def __init__(self, p: float, rng: np.random.Generator | None = None) -> None:
        super().__init__()
        self.p = check_real("Dropout", "p", p, 0, 1, high_open=True)
        self.rng = check_rng("Dropout", rng)
        self.fixed_keep: np.ndarray | None = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        check_floating("Dropout", "input", x)
        self.x_shape = x.shape
        if not self.training or self.p == 0.0:
            self.mask = None
            return x
        if self.fixed_keep is not None:
            if self.fixed_keep.shape != x.shape:
                raise ValueError(
                    f"Dropout: input expected shape {self.fixed_keep.shape} (the fixed mask), "
                    f"got {tuple(x.shape)}"
                )
            self.keep = self.fixed_keep
        else:
            # float32 draws are half the work of float64 and plenty to compare against p.
            self.keep = self.rng.random(x.shape, dtype=np.float32) >= self.p
        # The scaled mask keep / (1 - p), in the input's dtype so float32 stays float32.
        self.mask = np.where(self.keep, 1.0 / (1.0 - self.p), 0.0).astype(x.dtype)
        return x * self.mask

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        require_forward(self, "x_shape")
        check_shape("Dropout", "grad_out", grad_out, self.x_shape)
        # y = x * mask is linear in x, so dL/dx = dL/dy * mask (the same mask as forward).
        return grad_out if self.mask is None else grad_out * self.mask

    # --8<-- [end:dropout]

    def fix_mask(self, keep: np.ndarray | None = None) -> Dropout:
        """Reuse one keep-mask in every forward (for gradient checks); returns self.

        Args:
            keep: a boolean array of the input's shape, True = keep; None fixes the mask drawn
                by the last training-mode forward.
        """
        if keep is None:
            if getattr(self, "keep", None) is None:
                raise ValueError("Dropout.fix_mask: no mask drawn yet; run forward or pass one")
            keep = self.keep
        elif not isinstance(keep, np.ndarray) or keep.dtype != bool:
            raise TypeError(
                f"Dropout.fix_mask: keep expected a boolean numpy.ndarray, got {keep!r:.60}"
            )
        self.fixed_keep = keep
        return self

    def release_mask(self) -> Dropout:
        """Go back to drawing a fresh mask at every forward; returns self."""
        self.fixed_keep = None
        return self

    def __repr__(self) -> str:
        return f"Dropout(p={self.p})"
