"""What every recurrent layer shares: a cell that advances one time step, and backpropagation
through time (BPTT) over a whole sequence, for one or several stacked layers.

A cell splits its work in three so that a sequence can batch what does not depend on the past:

- `input_projection(x) = x @ W_x + b`: independent of the state, so the sequence layer runs it
  for all T steps at once, one (T*N, D) x (D, G) matrix product instead of T small ones;
- `step(gx, state)`: the recurrence proper, one (N, H) x (H, G) product plus the gates;
- `step_backward(d_state, cache)`: the hand-written backward of `step`, returning the gradient
  of the gate pre-activations and of the previous state.

Parameter gradients are sums over time steps of outer products, so `accumulate_grads` forms them
after the backward loop with one large matrix product each.

The concrete cells and layers live in `rnn.py`, `lstm.py` and `gru.py`; RNN and GRU, whose
state is a single array, share the public wrappers `SingleStateCell` and `SingleStateRecurrent`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nnfs.core import Module, Parameter, check_shape

State = tuple[np.ndarray, ...]  # (h,) for RNN and GRU, (h, c) for LSTM


def uniform_init(
    shape: tuple[int, ...], hidden_size: int, rng: np.random.Generator, dtype: type
) -> np.ndarray:
    """U(-1/sqrt(H), 1/sqrt(H)), PyTorch's default for recurrent weights, C-contiguous."""
    bound = 1.0 / float(np.sqrt(hidden_size))
    return np.ascontiguousarray(rng.uniform(-bound, bound, size=shape).astype(dtype))


# --8<-- [start:cell_base]
class RecurrentCell(Module):
    """Base class of RNNCell, LSTMCell and GRUCell: G gate blocks of width H, fused.

    Subclasses define `step` and `step_backward`. `W_x (D, G*H)`, `W_h (H, G*H)`, `b (G*H,)`.
    """

    num_gates = 1  # G: how many H-wide blocks the fused matrix product computes
    num_states = 1  # 1 for (h,), 2 for LSTM's (h, c)
    separate_hidden_grad = False  # True when d_gh differs from d_gx (GRU)

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        *,
        rng: np.random.Generator | None = None,
        dtype: type = np.float64,
    ) -> None:
        super().__init__()
        rng = rng if rng is not None else np.random.default_rng()
        self.input_size, self.hidden_size = input_size, hidden_size
        width = self.num_gates * hidden_size
        self.W_x = Parameter(uniform_init((input_size, width), hidden_size, rng, dtype))
        self.W_h = Parameter(uniform_init((hidden_size, width), hidden_size, rng, dtype))
        self._init_biases(width, dtype)
        self._stack: list[tuple[np.ndarray, np.ndarray, Any]] = []

    def _init_biases(self, width: int, dtype: type) -> None:
        self.b = Parameter(np.zeros(width, dtype=dtype))

    def input_projection(self, x: np.ndarray) -> np.ndarray:
        """gx = x @ W_x + b, for x of shape (..., D) -> (..., G*H)."""
        gx = x @ self.W_x.data
        gx += self.b.data
        return gx

    def step(self, gx: np.ndarray, state: State) -> tuple[State, Any]:
        """One time step from the projected input gx (N, G*H); returns (new state, cache)."""
        raise NotImplementedError

    def step_backward(self, d_state: State, cache: Any) -> tuple[np.ndarray, np.ndarray, State]:
        """Backward of `step`: returns (d_gx, d_gh, d_state_prev).

        d_gx is dL/d(gx), d_gh is the gradient reaching the product h @ W_h (the same array
        for RNN and LSTM; GRU differs), and d_state_prev includes d_gh @ W_h^T.
        """
        raise NotImplementedError

    def accumulate_grads(
        self, x: np.ndarray, h_prev: np.ndarray, d_gx: np.ndarray, d_gh: np.ndarray
    ) -> np.ndarray:
        """Add the parameter gradients of M rows (M = N for one step, T*N for a sequence).

        x (M, D), h_prev (M, H), d_gx and d_gh (M, G*H); returns dL/dx (M, D).
        """
        if not self.W_x.frozen:
            # dW = sum over steps and samples of outer products: one GEMM over all M rows.
            self.W_x.grad += x.T @ d_gx
            self.W_h.grad += h_prev.T @ d_gh
            self.b.grad += d_gx.sum(axis=0)
        return d_gx @ self.W_x.data.T

    # --8<-- [end:cell_base]

    def zero_state(self, n: int, dtype: np.dtype) -> State:
        return tuple(np.zeros((n, self.hidden_size), dtype=dtype) for _ in range(self.num_states))

    def _check_step_inputs(self, x: np.ndarray, state: State) -> None:
        name = type(self).__name__
        check_shape(name, "input", x, (None, self.input_size))
        for s in state:
            check_shape(name, "state", s, (x.shape[0], self.hidden_size))

    def _forward_step(self, x: np.ndarray, state: State | None) -> State:
        """One step on a stack: call it T times, then `_backward_step` T times in reverse.

        In eval mode nothing is cached, so a cell can generate long sequences without memory
        growing.
        """
        state = self.zero_state(len(x), x.dtype) if state is None else state
        self._check_step_inputs(x, state)
        new_state, cache = self.step(self.input_projection(x), state)
        if self.training:
            self._stack.append((x, state[0], cache))
        return new_state

    def _backward_step(self, d_state: State) -> tuple[np.ndarray, State]:
        if not self._stack:
            raise RuntimeError(
                f"{type(self).__name__}: backward called more often than forward "
                "(or after a forward in eval mode, which caches nothing)"
            )
        x, h_prev, cache = self._stack.pop()
        d_gx, d_gh, d_state_prev = self.step_backward(d_state, cache)
        return self.accumulate_grads(x, h_prev, d_gx, d_gh), d_state_prev

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.input_size}, {self.hidden_size})"


class Recurrent(Module):
    """Base class of RNN, LSTM and GRU: `num_layers` stacked cells over (N, T, D) sequences.

    Layer l reads the outputs of layer l - 1; the outputs of the last layer are returned.
    Internally sequences are time-major (T, N, ·), so each step's slice is contiguous.
    """

    cell_class: type[RecurrentCell] = RecurrentCell

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        *,
        rng: np.random.Generator | None = None,
        dtype: type = np.float64,
        **cell_kwargs: Any,
    ) -> None:
        super().__init__()
        if num_layers < 1:
            raise ValueError(f"{type(self).__name__}: num_layers must be >= 1, got {num_layers}")
        rng = rng if rng is not None else np.random.default_rng()
        self.input_size, self.hidden_size, self.num_layers = input_size, hidden_size, num_layers
        sizes = [input_size] + [hidden_size] * (num_layers - 1)
        self.cells = [
            self.cell_class(d, hidden_size, rng=rng, dtype=dtype, **cell_kwargs) for d in sizes
        ]

    def _check_inputs(self, x: np.ndarray, initial: State | None) -> State:
        name = type(self).__name__
        check_shape(name, "input", x, (None, None, self.input_size))
        if x.shape[1] == 0:
            raise ValueError(f"{name}: input expected at least one time step, got shape {x.shape}")
        shape = (self.num_layers, x.shape[0], self.hidden_size)
        if initial is None:
            return tuple(np.zeros(shape, dtype=x.dtype) for _ in range(self.cells[0].num_states))
        for s in initial:
            check_shape(name, "initial state", s, shape)
        return initial

    # --8<-- [start:bptt_forward]
    def _forward_states(self, x: np.ndarray, initial: State) -> State:
        """Run every layer over the whole sequence; returns the final states, each (L, N, H).

        x: (N, T, D); initial: states stacked over layers, each (L, N, H).
        """
        seq = np.ascontiguousarray(x.transpose(1, 0, 2))  # (T, N, D), time-major
        T, N, _ = seq.shape
        self._cache, finals = [], []
        for layer, cell in enumerate(self.cells):
            gx = cell.input_projection(seq)  # (T, N, G*H): one GEMM for all steps
            state = tuple(s[layer] for s in initial)
            hs = np.empty((T + 1, N, self.hidden_size), dtype=gx.dtype)  # h_0 .. h_T
            hs[0] = state[0]
            step_caches = []
            for t in range(T):
                state, cache = cell.step(gx[t], state)
                hs[t + 1] = state[0]
                step_caches.append(cache)
            self._cache.append((seq, hs, step_caches))
            finals.append(state)
            seq = hs[1:]  # (T, N, H): this layer's outputs are the next layer's inputs
        self.outputs = np.ascontiguousarray(seq.transpose(1, 0, 2))  # (N, T, H)
        return tuple(np.stack(parts) for parts in zip(*finals, strict=True))

    # --8<-- [end:bptt_forward]

    # --8<-- [start:bptt_backward]
    def _backward_states(self, grad_out: np.ndarray, grad_final: State | None) -> np.ndarray:
        """BPTT: walk every layer backwards in time; returns dL/dx (N, T, D).

        grad_out: (N, T, H), the gradient of the last layer's outputs; grad_final: gradients
        of the final states, each (L, N, H), or None. Keeps dL/d(initial states) in
        `self._grad_initial`, each (L, N, H).
        """
        check_shape(type(self).__name__, "grad_out", grad_out, self.outputs.shape)
        d_seq = grad_out.transpose(1, 0, 2)  # (T, N, H), time-major view
        grad_initial = []
        for layer in reversed(range(self.num_layers)):
            cell, (seq, hs, step_caches) = self.cells[layer], self._cache[layer]
            T, N, _ = d_seq.shape
            if grad_final is None:
                d_state = cell.zero_state(N, hs.dtype)
            else:  # astype copies: the loop must never write into the caller's array
                d_state = tuple(g[layer].astype(hs.dtype) for g in grad_final)
            d_gx = np.empty((T, N, cell.W_h.shape[1]), dtype=hs.dtype)
            d_gh = np.empty_like(d_gx) if cell.separate_hidden_grad else d_gx
            for t in reversed(range(T)):
                # h_t feeds both the output y_t and the next step: the two gradients add.
                d_state = (d_state[0] + d_seq[t], *d_state[1:])
                d_gx_t, d_gh_t, d_state = cell.step_backward(d_state, step_caches[t])
                d_gx[t] = d_gx_t
                if d_gh is not d_gx:
                    d_gh[t] = d_gh_t
            rows = T * N
            d_seq = cell.accumulate_grads(
                seq.reshape(rows, -1),
                hs[:-1].reshape(rows, -1),
                d_gx.reshape(rows, -1),
                d_gh.reshape(rows, -1),
            ).reshape(T, N, -1)
            grad_initial.append(d_state)
        grad_initial.reverse()  # collected from the top layer down
        self._grad_initial = tuple(np.stack(p) for p in zip(*grad_initial, strict=True))
        return np.ascontiguousarray(d_seq.transpose(1, 0, 2))  # (N, T, D)

    # --8<-- [end:bptt_backward]

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}({self.input_size}, {self.hidden_size}, "
            f"num_layers={self.num_layers})"
        )


# --8<-- [start:single_state]
class SingleStateCell(RecurrentCell):
    """A cell whose state is one array h (RNNCell, GRUCell): the public one-step interface."""

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


class SingleStateRecurrent(Recurrent):
    """A stack of single-state cells (RNN, GRU): translates h0 / h_n to the state tuples."""

    def forward(self, x: np.ndarray, h0: np.ndarray | None = None) -> np.ndarray:
        """x (N, T, D), h0 (L, N, H) or None for zeros -> outputs (N, T, H); keeps `h_n`."""
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


# --8<-- [end:single_state]
