"""The vanilla (Elman) recurrent layer: h_t = tanh(x_t W_x + h_{t-1} W_h + b)."""

from __future__ import annotations

import numpy as np

from nnfs.layers.recurrent import SingleStateCell, SingleStateRecurrent, State


# --8<-- [start:rnn_cell]
class RNNCell(SingleStateCell):
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
        a = gx[0] + h @ self.W_h.data  # (N, H): x W_x + b (gx holds the one gate block) + h W_h
        h_new = np.tanh(a)
        return (h_new,), h_new  # tanh' = 1 - h'^2 needs only the output

    def step_backward(
        self, d_state: State, h_new: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, State]:
        (dh,) = d_state
        da = dh * (1 - h_new * h_new)  # dL/da, a the pre-activation: (N, H)
        return da, da, (self.hidden_backward(da),)

    # --8<-- [end:rnn_cell]


# --8<-- [start:rnn]
class RNN(SingleStateRecurrent):
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

    # --8<-- [end:rnn]
