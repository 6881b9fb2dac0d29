"""The gated recurrent unit (Cho et al., 2014), in PyTorch's formulation.

Gate blocks are ordered r, z, n: r = sigma(.), z = sigma(.), n = tanh(x W_xn + b_xn +
r * (h W_hn + b_hn)), h' = (1 - z) * n + z * h. The hidden bias b_h sits inside the reset
product, which is why the GRU has two bias vectors.
"""

from __future__ import annotations

import numpy as np

from nnfs.core import Parameter
from nnfs.layers.recurrent import SingleStateCell, SingleStateRecurrent, State


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

    def _init_biases(self, width: int, dtype: type) -> None:
        self.b_x = Parameter(np.zeros(width, dtype=dtype))
        self.b_h = Parameter(np.zeros(width, dtype=dtype))

    def input_projection(self, x: np.ndarray) -> np.ndarray:
        """gx = x @ W_x + b_x, for x of shape (..., D) -> (..., 3H)."""
        gx = x @ self.W_x.data
        gx += self.b_x.data
        return gx

    def step(self, gx: np.ndarray, state: State) -> tuple[State, tuple]:
        (h,) = state
        H = self.hidden_size
        gh = h @ self.W_h.data  # (N, 3H): the three blocks in one product
        gh += self.b_h.data
        rz = gx[:, : 2 * H] + gh[:, : 2 * H]
        # sigmoid(a) = (1 + tanh(a/2)) / 2: no exp, so no overflow for large |a|.
        rz *= 0.5
        np.tanh(rz, out=rz)
        rz *= 0.5
        rz += 0.5
        r, z = rz[:, :H], rz[:, H:]
        gh_n = gh[:, 2 * H :]
        n = r * gh_n
        n += gx[:, 2 * H :]
        np.tanh(n, out=n)
        h_new = h - n
        h_new *= z
        h_new += n  # (1 - z) n + z h, written as n + z (h - n)
        return (h_new,), (r, z, n, gh_n, h)

    def step_backward(self, d_state: State, cache: tuple) -> tuple[np.ndarray, np.ndarray, State]:
        (dh,) = d_state
        r, z, n, gh_n, h = cache
        H = self.hidden_size
        d_gx = np.empty((len(dh), 3 * H), dtype=dh.dtype)  # dL/d(pre-activations r, z, n)
        d_r, d_z, d_n = d_gx[:, :H], d_gx[:, H : 2 * H], d_gx[:, 2 * H :]
        np.multiply(dh, 1 - z, out=d_n)
        d_n *= 1 - n * n  # through tanh
        np.multiply(dh, h - n, out=d_z)
        d_z *= z * (1 - z)  # through sigma
        np.multiply(d_n, gh_n, out=d_r)
        d_r *= r * (1 - r)
        d_gh = d_gx.copy()  # what reaches h W_h + b_h: the same, except r scales the n block
        d_gh[:, 2 * H :] *= r
        return d_gx, d_gh, (dh * z + d_gh @ self.W_h.data.T,)

    def accumulate_grads(
        self, x: np.ndarray, h_prev: np.ndarray, d_gx: np.ndarray, d_gh: np.ndarray
    ) -> np.ndarray:
        """As RecurrentCell.accumulate_grads, with the two biases b_x and b_h."""
        if not self.W_x.frozen:
            self.W_x.grad += x.T @ d_gx
            self.W_h.grad += h_prev.T @ d_gh
            self.b_x.grad += d_gx.sum(axis=0)
            self.b_h.grad += d_gh.sum(axis=0)
        return d_gx @ self.W_x.data.T

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
