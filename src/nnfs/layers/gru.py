"""The gated recurrent unit (Cho et al., 2014), in PyTorch's formulation.

Gate blocks are ordered r, z, n: r = sigma(.), z = sigma(.), n = tanh(x W_xn + b_xn +
r * (h W_hn + b_hn)), h' = (1 - z) * n + z * h. The hidden bias b_h sits inside the reset
product, which is why the GRU has two bias vectors.
"""

from __future__ import annotations

import numpy as np

from nnfs.core import Parameter
from nnfs.layers.recurrent import SingleStateCell, SingleStateRecurrent, State, sigmoid


# --8<-- [start:gru_cell]
class GRUCell(SingleStateCell):
    """One GRU step: r, z = sigma(x W_x + b_x + h W_h + b_h) on their blocks,
    n = tanh(x W_xn + b_xn + r * (h W_hn + b_hn)), h' = (1 - z) * n + z * h.

    Args:
        input_size: D, the size of each input vector.
        hidden_size: H, the size of the state.
        rng: draws W_x, W_h ~ U(-1/sqrt(H), 1/sqrt(H)) (PyTorch's default); biases start at 0.
        dtype: float64 (the default, for gradient checks) or float32 (for speed).

    Shapes: x (N, D), h (N, H) -> h' (N, H); W_x (D, 3H), W_h (H, 3H), b_x (3H,), b_h (3H,).
    """

    num_gates = 3
    separate_hidden_grad = True  # r scales the n block of h W_h + b_h, but not of x W_x + b_x

    def _init_biases(self, width: int, dtype: np.dtype) -> None:
        self.b_x = Parameter(np.zeros(width, dtype=dtype))
        self.b_h = Parameter(np.zeros(width, dtype=dtype))

    def input_projection(self, x: np.ndarray) -> np.ndarray:
        """gx = x @ W_x + b_x, gate block by gate block: x (M, D) -> (3, M, H)."""
        gx = x @ self.gate_blocks(self.W_x.data)
        gx += self.gate_blocks(self.b_x.data)
        return gx

    def step(self, gx: np.ndarray, state: State) -> tuple[State, tuple]:
        (h,) = state
        gh = h @ self.gate_blocks(self.W_h.data)  # (3, N, H): h W_h + b_h, blocks r, z, n
        gh += self.gate_blocks(self.b_h.data)
        r, z = sigmoid(gx[:2] + gh[:2])  # blocks 0 and 1 are adjacent: one call for both
        n = np.tanh(gx[2] + r * gh[2])
        h_new = n + z * (h - n)  # (1 - z) n + z h, one multiplication fewer
        return (h_new,), (r, z, n, gh[2], h)

    def step_backward(self, d_state: State, cache: tuple) -> tuple[np.ndarray, np.ndarray, State]:
        (dh,) = d_state
        r, z, n, gh_n, h = cache
        d_n = dh * (1 - z) * (1 - n * n)  # dL/d(argument of the tanh)
        d_z = dh * (h - n) * z * (1 - z)  # dL/d(pre-activation of z)
        d_r = d_n * gh_n * r * (1 - r)  # r multiplies gh_n inside the tanh
        d_gx = np.concatenate([d_r, d_z, d_n], axis=1)  # (N, 3H), the layout of W_x
        d_gh = np.concatenate([d_r, d_z, d_n * r], axis=1)  # r scales the n block of h W_h + b_h
        return d_gx, d_gh, (dh * z + self.hidden_backward(d_gh),)

    def accumulate_bias_grads(self, d_gx: np.ndarray, d_gh: np.ndarray) -> None:
        """b_x collects the gradient of x W_x + b_x, b_h that of h W_h + b_h."""
        if not self.b_x.frozen:
            self.b_x.grad += d_gx.sum(axis=0)
        if not self.b_h.frozen:
            self.b_h.grad += d_gh.sum(axis=0)

    # --8<-- [end:gru_cell]


# --8<-- [start:gru]
class GRU(SingleStateRecurrent):
    """A stack of `num_layers` GRUCells run over a sequence, with BPTT in `backward`.

    Args:
        input_size: D, the size of each input vector.
        hidden_size: H, the state size of every layer.
        num_layers: L >= 1 stacked cells, kept in `self.cells`.
        rng: draws every cell's weights.
        dtype: float64 (the default, for gradient checks) or float32 (for speed).

    Shapes: x (N, T, D), h0 (L, N, H) or None for zeros -> outputs (N, T, H) of the last
    layer; the final states are kept as `h_n` (L, N, H).
    """

    cell_class = GRUCell

    # --8<-- [end:gru]
