"""Long short-term memory (Hochreiter & Schmidhuber, 1997) with a forget gate (Gers et al., 2000).

Gate blocks in the fused weights are ordered i, f, g, o, as in PyTorch:
i = sigma(a_i), f = sigma(a_f), g = tanh(a_g), o = sigma(a_o), c' = f*c + i*g, h' = o*tanh(c').
"""

from __future__ import annotations

import numpy as np

from nnfs.layers.recurrent import Recurrent, RecurrentCell, State


# --8<-- [start:lstm_cell]
class LSTMCell(RecurrentCell):
    """One LSTM step: a = x W_x + h W_h + b, split into gates i, f, g, o; c' = f*c + i*g;
    h' = o * tanh(c').

    Args:
        input_size: D, the size of each input vector.
        hidden_size: H, the size of the state.
        rng: draws W_x, W_h ~ U(-1/sqrt(H), 1/sqrt(H)) (PyTorch's default).
        forget_bias: initial bias of the forget block (the other biases start at 0); 1.0
            keeps the memory open at the start of training (Jozefowicz et al., 2015).
        dtype: float64 (the default, for gradient checks) or float32 (for speed).

    Shapes: x (N, D), state (h, c) each (N, H) -> (h', c'); W_x (D, 4H), W_h (H, 4H), b (4H,).
    """

    num_gates, num_states = 4, 2

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        *,
        forget_bias: float = 1.0,
        rng: np.random.Generator | None = None,
        dtype: type = np.float64,
    ) -> None:
        super().__init__(input_size, hidden_size, rng=rng, dtype=dtype)
        H = hidden_size
        self.b.data[H : 2 * H] = forget_bias
        # Per-column constants of the four blocks (i, f, g, o), see step and step_backward.
        sigmoid_cols = np.ones(4 * H, dtype=dtype)
        sigmoid_cols[2 * H : 3 * H] = 0  # the g block uses tanh
        self._scale = 1 - 0.5 * sigmoid_cols  # 1/2 on sigmoid blocks, 1 on g
        self._shift = 0.5 * sigmoid_cols
        self._deriv_k, self._deriv_m = sigmoid_cols, 1 - sigmoid_cols

    def step(self, gx: np.ndarray, state: State) -> tuple[State, tuple]:
        h, c = state
        H = self.hidden_size
        gates = h @ self.W_h.data  # (N, 4H): all four gates in one product
        gates += gx
        # sigmoid(a) = (1 + tanh(a/2)) / 2 has no exp to overflow, and lets a single tanh call
        # serve all four blocks: gates = scale * tanh(scale * a) + shift.
        gates *= self._scale
        np.tanh(gates, out=gates)
        gates *= self._scale
        gates += self._shift
        i, f, g, o = gates[:, :H], gates[:, H : 2 * H], gates[:, 2 * H : 3 * H], gates[:, 3 * H :]
        c_new = f * c
        c_new += i * g  # the cell state: a gated sum, no squashing (the error carousel)
        tanh_c = np.tanh(c_new)
        return (o * tanh_c, c_new), (gates, c, tanh_c)

    def step_backward(self, d_state: State, cache: tuple) -> tuple[np.ndarray, np.ndarray, State]:
        dh, dc_next = d_state
        gates, c, tanh_c = cache
        H = self.hidden_size
        i, f, g, o = gates[:, :H], gates[:, H : 2 * H], gates[:, 2 * H : 3 * H], gates[:, 3 * H :]
        # c' reaches the loss through h' = o tanh(c') and through the next step's f*c'.
        dc = dh * o
        dc *= 1 - tanh_c * tanh_c
        dc += dc_next
        d_gates = np.empty_like(gates)  # dL/d(i, f, g, o), then dL/da
        np.multiply(dc, g, out=d_gates[:, :H])
        np.multiply(dc, c, out=d_gates[:, H : 2 * H])
        np.multiply(dc, i, out=d_gates[:, 2 * H : 3 * H])
        np.multiply(dh, tanh_c, out=d_gates[:, 3 * H :])
        # sigma' = y (1 - y) on i, f, o and tanh' = 1 - y^2 on g: both are y (k - y) + m.
        d_gates *= (self._deriv_k - gates) * gates + self._deriv_m
        return d_gates, d_gates, (d_gates @ self.W_h.data.T, dc * f)

    # --8<-- [end:lstm_cell]

    def forward(
        self, x: np.ndarray, state: tuple[np.ndarray, np.ndarray] | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """One step: x (N, D), state (h, c) each (N, H) or None for zeros -> (h', c').

        In training mode each call pushes a cache; `backward` pops them in reverse order.
        """
        h_new, c_new = self._forward_step(x, state)
        return h_new, c_new

    def backward(
        self, grad_out: tuple[np.ndarray, np.ndarray]
    ) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray]]:
        """grad_out = (dL/dh', dL/dc') -> (dL/dx (N, D), (dL/dh, dL/dc) each (N, H))."""
        dx, (dh, dc) = self._backward_step(tuple(grad_out))
        return dx, (dh, dc)


# --8<-- [start:lstm]
class LSTM(Recurrent):
    """A stack of `num_layers` LSTMCells run over a sequence, with BPTT in `backward`.

    Args:
        input_size: D, the size of each input vector.
        hidden_size: H, the state size of every layer.
        num_layers: L >= 1 stacked cells, kept in `self.cells`.
        forget_bias: initial forget-gate bias of every cell (see LSTMCell).
        rng: draws every cell's weights.
        dtype: float64 (the default, for gradient checks) or float32 (for speed).

    Shapes: x (N, T, D), state (h0, c0) each (L, N, H) or None for zeros -> outputs (N, T, H)
    of the last layer; the final states are kept as `h_n`, `c_n` (L, N, H).
    """

    cell_class = LSTMCell

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        *,
        forget_bias: float = 1.0,
        rng: np.random.Generator | None = None,
        dtype: type = np.float64,
    ) -> None:
        super().__init__(
            input_size, hidden_size, num_layers, rng=rng, dtype=dtype, forget_bias=forget_bias
        )

    def forward(
        self, x: np.ndarray, state: tuple[np.ndarray, np.ndarray] | None = None
    ) -> np.ndarray:
        initial = self._check_inputs(x, None if state is None else tuple(state))
        self.h_n, self.c_n = self._forward_states(x, initial)
        return self.outputs

    def backward(
        self,
        grad_out: np.ndarray,
        grad_state: tuple[np.ndarray, np.ndarray] | None = None,
    ) -> np.ndarray:
        """grad_out (N, T, H), optional (dL/dh_n, dL/dc_n) each (L, N, H) -> dL/dx (N, T, D).

        The gradients of the initial state are kept as `grad_h0`, `grad_c0` (L, N, H).
        """
        dx = self._backward_states(grad_out, None if grad_state is None else tuple(grad_state))
        self.grad_h0, self.grad_c0 = self._grad_initial
        return dx

    # --8<-- [end:lstm]
