"""The vanilla (Elman) recurrent layer: h_t = tanh(x_t W_x + h_{t-1} W_h + b)."""

from __future__ import annotations

import numpy as np

from nnfs.layers.recurrent import Recurrent, RecurrentCell, State


# --8<-- [start:rnn_cell]
class RNNCell(RecurrentCell):
    """One step of a vanilla RNN: h' = tanh(x W_x + h W_h + b) (Elman, 1990).

    Args:
        input_size: D, the size of each input vector.
        hidden_size: H, the size of the state.
        rng: draws W_x, W_h ~ U(-1/sqrt(H), 1/sqrt(H)) (PyTorch's default); b starts at 0.
        dtype: float64 (the default, for gradient checks) or float32 (for speed).

    Shapes: x (N, D), h (N, H) -> h' (N, H); W_x (D, H), W_h (H, H), b (H,).
    """

    def step(self, gx: np.ndarray, state: State) -> tuple[State, np.ndarray]:
        (h,) = state
        a = h @ self.W_h.data  # (N, H)
        a += gx  # pre-activation x W_x + b + h W_h
        h_new = np.tanh(a, out=a)
        return (h_new,), h_new  # tanh' = 1 - h'^2 needs only the output

    def step_backward(
        self, d_state: State, cache: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, State]:
        (dh,) = d_state
        da = dh * (1 - cache * cache)  # dL/da, a the pre-activation: (N, H)
        return da, da, (da @ self.W_h.data.T,)

    # --8<-- [end:rnn_cell]

    def forward(self, x: np.ndarray, h: np.ndarray | None = None) -> np.ndarray:
        """One step: x (N, D), h (N, H) or None for zeros -> h' (N, H).

        In training mode each call pushes a cache; `backward` pops them in reverse order, so a
        cell can be run T times by hand and then backpropagated T times.
        """
        (h_new,) = self._forward_step(x, None if h is None else (h,))
        return h_new

    def backward(self, grad_out: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """grad_out = dL/dh' (N, H) -> (dL/dx (N, D), dL/dh (N, H))."""
        dx, (dh,) = self._backward_step((grad_out,))
        return dx, dh


# --8<-- [start:rnn]
class RNN(Recurrent):
    """A stack of `num_layers` RNNCells run over a sequence, with BPTT in `backward`.

    Args:
        input_size: D, the size of each input vector.
        hidden_size: H, the state size of every layer.
        num_layers: L >= 1 stacked cells, kept in `self.cells`.
        rng: draws every cell's weights.
        dtype: float64 (the default, for gradient checks) or float32 (for speed).

    Shapes: x (N, T, D), h0 (L, N, H) or None for zeros -> outputs (N, T, H) of the last
    layer; the final states are kept as `h_n` (L, N, H).
    """

    cell_class = RNNCell

    def forward(self, x: np.ndarray, h0: np.ndarray | None = None) -> np.ndarray:
        initial = self._check_inputs(x, None if h0 is None else (h0,))
        (self.h_n,) = self._forward_states(x, initial)
        return self.outputs

    def backward(self, grad_out: np.ndarray, grad_h_n: np.ndarray | None = None) -> np.ndarray:
        """grad_out (N, T, H), optional dL/dh_n (L, N, H) -> dL/dx (N, T, D).

        The gradient of the initial state is kept as `grad_h0` (L, N, H).
        """
        dx = self._backward_states(grad_out, None if grad_h_n is None else (grad_h_n,))
        (self.grad_h0,) = self._grad_initial
        return dx

    # --8<-- [end:rnn]
