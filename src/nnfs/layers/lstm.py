"""Long short-term memory (Hochreiter & Schmidhuber, 1997) with a forget gate (Gers et al., 2000).

Gate blocks in the fused weights are ordered i, f, g, o, as in PyTorch:
i = sigma(a_i), f = sigma(a_f), g = tanh(a_g), o = sigma(a_o), c' = f*c + i*g, h' = o*tanh(c').
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nnfs.checks import check_int, check_real, require_forward
from nnfs.layers.recurrent import Recurrent, RecurrentCell, State, sigmoid


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
        self.forget_bias = check_real(type(self).__name__, "forget_bias", forget_bias)
        self.gate_blocks(self.b.data)[1] = self.forget_bias  # block 1 is the forget gate

    def step(self, gx: np.ndarray, state: State) -> tuple[State, tuple]:
        h, c = state
        gates = h @ self.gate_blocks(self.W_h.data)  # (4, N, H): a_i, a_f, a_g, a_o
        gates += gx
        # Each activation overwrites its own pre-activation: the backward pass needs only the
        # gate values, and one array for all four saves memory traffic.
        sigmoid(gates[:2], out=gates[:2])  # i and f: blocks 0 and 1 are adjacent
        np.tanh(gates[2], out=gates[2])  # g
        sigmoid(gates[3], out=gates[3])  # o
        i, f, g, o = gates
        c_new = f * c + i * g  # the memory: a gated sum, no squashing (the error carousel)
        tanh_c = np.tanh(c_new)
        h_new = o * tanh_c
        return (h_new, c_new), (gates, c, tanh_c)

    def step_backward(self, d_state: State, cache: tuple) -> tuple[np.ndarray, np.ndarray, State]:
        dh, dc_next = d_state
        gates, c, tanh_c = cache
        i, f, g, o = gates
        # c' reaches the loss through h' = o tanh(c') and through the next step's f * c'.
        dc = dc_next + dh * o * (1 - tanh_c * tanh_c)
        # The four blocks side by side, (N, 4H), as in W_x and W_h; d_i .. d_o are views of
        # d_a's blocks, so writing them (out=) fills d_a without a concatenating copy.
        d_a = np.empty((len(dh), 4 * self.hidden_size), dtype=dh.dtype)
        d_i, d_f, d_g, d_o = self.gate_blocks(d_a)
        np.multiply(dc * g, i * (1 - i), out=d_i)  # dL/da_i = dL/di * sigma'(a_i), dL/di = dc g
        np.multiply(dc * c, f * (1 - f), out=d_f)  # dL/da_f, with dL/df = dc c
        np.multiply(dc * i, 1 - g * g, out=d_g)  # dL/da_g = dL/dg * tanh'(a_g), dL/dg = dc i
        np.multiply(dh * tanh_c, o * (1 - o), out=d_o)  # dL/da_o, with dL/do = dh tanh(c')
        return d_a, d_a, (self.hidden_backward(d_a), dc * f)

    # --8<-- [end:lstm_cell]

    def forward(
        self, x: np.ndarray, state: tuple[np.ndarray, np.ndarray] | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """One step: x (N, D), state (h, c) each (N, H) or None for zeros -> (h', c').

        In training mode each call pushes a cache; `backward` pops them in reverse order.
        """
        if state is not None:
            state = _check_pair(type(self).__name__, "state", state, "(h, c)")
        h_new, c_new = self._forward_step(x, state)
        return h_new, c_new

    def backward(
        self, grad_out: tuple[np.ndarray, np.ndarray]
    ) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray]]:
        """grad_out = (dL/dh', dL/dc') -> (dL/dx (N, D), (dL/dh, dL/dc) each (N, H))."""
        grad_out = _check_pair(type(self).__name__, "grad_out", grad_out, "(dL/dh', dL/dc')")
        dx, (dh, dc) = self._backward_step(grad_out)
        return dx, (dh, dc)

    def __repr__(self) -> str:
        return f"LSTMCell({self.input_size}, {self.hidden_size}, forget_bias={self.forget_bias})"


def _check_pair(owner: str, name: str, value: Any, what: str) -> tuple[np.ndarray, np.ndarray]:
    """The LSTM's state and its gradient are pairs: a tuple or list of two arrays."""
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        got = type(value).__name__
        if isinstance(value, np.ndarray):
            got += f" of shape {value.shape}"
        elif isinstance(value, (tuple, list)):
            got += f" of length {len(value)}"
        raise TypeError(f"{owner}: {name} expected a pair {what} of arrays, got {got}")
    return tuple(value)


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
    state_names = ("h0", "c0")
    final_grad_names = ("grad_state[0] (dL/dh_n)", "grad_state[1] (dL/dc_n)")

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
        forget_bias = check_real("LSTM", "forget_bias", forget_bias)
        super().__init__(
            input_size, hidden_size, num_layers, rng=rng, dtype=dtype, forget_bias=forget_bias
        )

    def forward(
        self, x: np.ndarray, state: tuple[np.ndarray, np.ndarray] | None = None
    ) -> np.ndarray:
        if state is not None:
            state = _check_pair("LSTM", "state", state, "(h0, c0)")
        initial = self._check_inputs(x, state)
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
        if grad_state is not None:
            grad_state = _check_pair("LSTM", "grad_state", grad_state, "(dL/dh_n, dL/dc_n)")
        dx = self._backward_states(grad_out, grad_state)
        self.grad_h0, self.grad_c0 = self._grad_initial
        return dx

    # --8<-- [end:lstm]

    # --8<-- [start:gate_activations]
    def gate_activations(self, layer: int = -1) -> dict[str, np.ndarray]:
        """What one layer's gates did in the last forward pass, step by step.

        Returns a dict of (N, T, H) arrays: "i", "f", "g", "o" (the gate values after their
        sigmoid or tanh) and "c" (the cell state c_t after each step), read from the caches
        that the backward pass uses.
        """
        require_forward(self, "outputs")
        check_int("LSTM.gate_activations", "layer", layer, minimum=-self.num_layers)
        if layer >= self.num_layers:
            raise ValueError(
                f"LSTM.gate_activations: layer expected an index below {self.num_layers}, "
                f"got {layer}"
            )
        step_caches = self._cache[layer][2]  # per step: (gates (4, N, H), c_prev, tanh_c)
        gates = np.stack([cache[0] for cache in step_caches], axis=2)  # (4, N, T, H)
        found = dict(zip("ifgo", gates, strict=True))
        c_prev = np.stack([cache[1] for cache in step_caches], axis=1)  # c_0 .. c_{T-1}
        found["c"] = np.concatenate([c_prev[:, 1:], self.c_n[layer][:, None]], axis=1)
        return found

    # --8<-- [end:gate_activations]

    def __repr__(self) -> str:
        return (
            f"LSTM({self.input_size}, {self.hidden_size}, num_layers={self.num_layers}, "
            f"forget_bias={self.cells[0].forget_bias})"
        )
