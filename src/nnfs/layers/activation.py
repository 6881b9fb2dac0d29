"""Activation layers: elementwise nonlinearities (and softmax) with a hand-written backward.

Each layer caches what its derivative needs in `forward` (a mask, the input, or the output when
the derivative is cheaper in terms of it) and returns dL/dx = dL/dy * f'(x) in `backward`.
None has parameters; all keep the dtype of their input and accept any shape.
"""

from __future__ import annotations

import numpy as np

from nnfs import functional as F
from nnfs.checks import check_array, check_int, check_real, require_forward
from nnfs.core import Module, check_shape


# --8<-- [start:relu]
class ReLU(Module):
    """y = max(0, x); dy/dx = 1 where x > 0, else 0. Shapes: any -> same.

    Args:
        inplace: write y over x in forward and dL/dx over grad_out in backward, saving two
            arrays of x's size; only for a caller that needs neither afterwards (TransformerBlock
            uses it on its feed-forward layer's hidden activations).
    """

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        if not isinstance(inplace, bool):
            raise TypeError(f"ReLU: inplace expected a bool, got {inplace!r}")
        self.inplace = inplace

    def forward(self, x: np.ndarray) -> np.ndarray:
        check_array("ReLU", "input", x)
        self.mask = x > 0  # all that backward needs: where the gradient may pass
        # max(x, 0) against an array of zeros: NumPy's loop for a scalar 0 is not vectorized
        # and takes three times as long. A row of zeros broadcasts; a full array is faster still.
        if self.inplace:
            zeros = np.zeros(x.shape[-1:], dtype=x.dtype)
            return np.maximum(x, zeros, out=x)
        out = np.zeros(x.shape, dtype=x.dtype)  # (np.zeros_like fills; np.zeros gets zeroed memory)
        return np.maximum(x, out, out=out)

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        require_forward(self, "mask")
        check_shape("ReLU", "grad_out", grad_out, self.mask.shape)
        if self.inplace:
            grad_out *= self.mask
            return grad_out
        return grad_out * self.mask

    # --8<-- [end:relu]

    def __repr__(self) -> str:
        return "ReLU(inplace=True)" if self.inplace else "ReLU()"


# --8<-- [start:leaky_relu]
class LeakyReLU(Module):
    """y = x if x > 0 else alpha x; dy/dx = 1 or alpha. Shapes: any -> same.

    Args:
        alpha: the slope for negative inputs (0.01, as in Maas et al., 2013, and PyTorch).
    """

    def __init__(self, alpha: float = 0.01) -> None:
        super().__init__()
        self.alpha = check_real("LeakyReLU", "alpha", alpha)

    def forward(self, x: np.ndarray) -> np.ndarray:
        check_array("LeakyReLU", "input", x)
        self.x = x
        return F.leaky_relu(x, self.alpha)

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        require_forward(self, "x")
        check_shape("LeakyReLU", "grad_out", grad_out, self.x.shape)
        return grad_out * F.leaky_relu_grad(self.x, self.alpha)

    # --8<-- [end:leaky_relu]

    def __repr__(self) -> str:
        return f"LeakyReLU(alpha={self.alpha})"


# --8<-- [start:sigmoid]
class Sigmoid(Module):
    """y = 1 / (1 + exp(-x)); dy/dx = y (1 - y), so we cache the output. Shapes: any -> same."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        check_array("Sigmoid", "input", x)
        self.out = F.sigmoid(x)
        return self.out

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        require_forward(self, "out")
        check_shape("Sigmoid", "grad_out", grad_out, self.out.shape)
        return grad_out * self.out * (1 - self.out)


# --8<-- [end:sigmoid]


# --8<-- [start:tanh]
class Tanh(Module):
    """y = tanh(x); dy/dx = 1 - y^2, so we cache the output. Shapes: any -> same."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        check_array("Tanh", "input", x)
        self.out = F.tanh(x)
        return self.out

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        require_forward(self, "out")
        check_shape("Tanh", "grad_out", grad_out, self.out.shape)
        return grad_out * (1 - self.out * self.out)


# --8<-- [end:tanh]


# --8<-- [start:softmax]
class Softmax(Module):
    """y = softmax(x) along `axis`; backward is the vector-Jacobian product y * (g - <g, y>).

    Args:
        axis: the axis that sums to 1 (the class axis; -1 for (N, C) scores).

    Shapes: any -> same. For classification, prefer `losses.SoftmaxCrossEntropy` on the logits:
    it fuses this layer with the loss and is stabler.
    """

    def __init__(self, axis: int = -1) -> None:
        super().__init__()
        self.axis = check_int("Softmax", "axis", axis, minimum=None)

    def forward(self, x: np.ndarray) -> np.ndarray:
        self._check_input(x)
        self.out = F.softmax(x, axis=self.axis)
        return self.out

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        require_forward(self, "out")
        check_shape("Softmax", "grad_out", grad_out, self.out.shape)
        return F.softmax_backward(self.out, grad_out, axis=self.axis)

    # --8<-- [end:softmax]

    def _check_input(self, x: np.ndarray) -> None:
        check_array("Softmax", "input", x)
        if not -x.ndim <= self.axis < x.ndim:
            raise ValueError(
                f"Softmax: axis expected a value in [{-x.ndim}, {x.ndim}) for an input of shape "
                f"{x.shape}, got {self.axis}"
            )

    def __repr__(self) -> str:
        return f"Softmax(axis={self.axis})"


# --8<-- [start:gelu]
class GELU(Module):
    """y = x Phi(x), Phi the standard normal CDF; dy/dx = Phi(x) + x phi(x). Shapes: any -> same.

    Args:
        approximate: "none" (the exact form, with `F.erf`) or "tanh" (the approximation GPT-2
            used); the two choices of `torch.nn.GELU`.
    """

    def __init__(self, approximate: str = "none") -> None:
        super().__init__()
        F._check_approximate("GELU", approximate)
        self.approximate = approximate

    def forward(self, x: np.ndarray) -> np.ndarray:
        self.x = x  # the derivative needs the input itself, not only the output
        return F.gelu(x, self.approximate)

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        if getattr(self, "x", None) is None:  # the message of nnfs.checks.require_forward
            raise RuntimeError("GELU: backward called before forward; call forward first")
        check_shape("GELU", "grad_out", grad_out, self.x.shape)
        return grad_out * F.gelu_grad(self.x, self.approximate)

    def __repr__(self) -> str:
        return f"GELU(approximate={self.approximate!r})"


# --8<-- [end:gelu]
