"""What every recurrent layer shares: a cell that advances one time step, and backpropagation
through time (BPTT) over a whole sequence, for one or several stacked layers.

A cell splits its work in three so that a sequence can batch what does not depend on the past:

- `input_projection(x) = x @ W_x + b`: independent of the state, so the sequence layer runs it
  for all T steps at once, one (T*N, D) x (D, H) matrix product per gate block instead of T
  small ones;
- `step(gx, state)`: the recurrence proper, one (N, H) x (H, H) product per gate block plus the
  gates;
- `step_backward(d_state, cache)`: the hand-written backward of `step`, returning the gradient
  of the gate pre-activations and of the previous state.

Parameter gradients are sums over time steps of outer products, so `accumulate_grads` forms them
after the backward loop with one large matrix product each.

**Two layouts.** The parameters keep PyTorch's fused layout (transposed): `W_x (D, G*H)`, gate k
in columns k*H:(k+1)*H. The forward step works *gate-major*: it views the weights as G blocks
(`gate_blocks`, a reshape and a transpose, no copy), so its pre-activations come out as
`a (G, N, H)` and gate k is `a[k]`, one contiguous (N, H) array. NumPy's elementwise
operations run faster on contiguous arrays than on column slices `a[:, k*H:(k+1)*H]` (one long
loop instead of N short ones), and a cell does about twenty of them per step. The backward step
puts the gate gradients back side by side, `(N, G*H)`, the layout in which each parameter
gradient is a single matrix product.

The concrete cells and layers live in `rnn.py`, `lstm.py` and `gru.py`; RNN and GRU, whose
state is a single array, share the public wrappers `SingleStateCell` and `SingleStateRecurrent`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

from nnfs import functional as F
from nnfs.checks import (
    check_float_dtype,
    check_floating,
    check_int,
    check_rng,
    check_shape,
    require_forward,
)
from nnfs.core import Module, Parameter

State = tuple[np.ndarray, ...]  # (h,) for RNN and GRU, (h, c) for LSTM


def uniform_init(
    shape: tuple[int, ...], hidden_size: int, rng: np.random.Generator, dtype: np.dtype
) -> np.ndarray:
    """U(-1/sqrt(H), 1/sqrt(H)), PyTorch's default for recurrent weights, C-contiguous."""
    bound = 1.0 / float(np.sqrt(hidden_size))
    return np.ascontiguousarray(rng.uniform(-bound, bound, size=shape).astype(dtype))


# --8<-- [start:sigmoid]
def sigmoid(a: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """sigma(a) = 1 / (1 + e^-a), computed as (1 + tanh(a/2)) / 2, into `out` if given.

    The two are the same function (tanh(a/2) = (1 - e^-a) / (1 + e^-a)); the tanh form has no
    exp to overflow for a = -1000 and costs one tanh and three arithmetic passes.
    """
    s = np.multiply(a, 0.5, out=out)
    np.tanh(s, out=s)
    s += 1.0
    s *= 0.5
    return s


# --8<-- [end:sigmoid]


# --8<-- [start:cell_base]
class RecurrentCell(Module):
    """Base class of RNNCell, LSTMCell and GRUCell: G gate blocks of width H, fused.

    Subclasses define `step` and `step_backward`. `W_x (D, G*H)`, `W_h (H, G*H)`, `b (G*H,)`.
    """

    num_gates = 1  # G: how many H-wide blocks the fused weights hold
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
        name = type(self).__name__
        self.input_size = check_int(name, "input_size", input_size)
        self.hidden_size = check_int(name, "hidden_size", hidden_size)
        rng, dtype = check_rng(name, rng), check_float_dtype(name, dtype)
        D, H, width = self.input_size, self.hidden_size, self.num_gates * self.hidden_size
        self.W_x = Parameter(uniform_init((D, width), H, rng, dtype))
        self.W_h = Parameter(uniform_init((H, width), H, rng, dtype))
        self._init_biases(width, dtype)
        self._stack: list[tuple[np.ndarray, np.ndarray, Any]] = []
        self._W_h_T: np.ndarray | None = None  # see transposed_hidden_weights

    def _init_biases(self, width: int, dtype: np.dtype) -> None:
        self.b = Parameter(np.zeros(width, dtype=dtype))

    def gate_blocks(self, W: np.ndarray) -> np.ndarray:
        """View a fused (K, G*H) array as its G gate blocks, (G, K, H); a (G*H,) bias as
        (G, 1, H). No copy: writing into the view writes into W."""
        G, H = self.num_gates, self.hidden_size
        if W.ndim == 1:
            return W.reshape(G, 1, H)
        return W.reshape(len(W), G, H).transpose(1, 0, 2)

    def input_projection(self, x: np.ndarray) -> np.ndarray:
        """gx = x @ W_x + b, gate block by gate block: x (M, D) -> (G, M, H)."""
        gx = x @ self.gate_blocks(self.W_x.data)  # G products (M, D) x (D, H)
        gx += self.gate_blocks(self.b.data)
        return gx

    def step(self, gx: np.ndarray, state: State) -> tuple[State, Any]:
        """One time step from the projected input gx (G, N, H); returns (new state, cache)."""
        raise NotImplementedError

    def step_backward(self, d_state: State, cache: Any) -> tuple[np.ndarray, np.ndarray, State]:
        """Backward of `step`: returns (d_gx, d_gh, d_state_prev), d_gx and d_gh (N, G*H).

        d_gx is dL/d(gx), d_gh is the gradient reaching the product h @ W_h (the same array
        for RNN and LSTM; GRU differs), and d_state_prev includes `hidden_backward(d_gh)`.
        """
        raise NotImplementedError

    def hidden_backward(self, d_gh: np.ndarray) -> np.ndarray:
        """dL/dh = d_gh @ W_h^T: (N, G*H) -> (N, H), all gate blocks in one product."""
        W_h_T = self.W_h.data.T if self._W_h_T is None else self._W_h_T
        return d_gh @ W_h_T

    @contextmanager
    def transposed_hidden_weights(self) -> Iterator[None]:
        """While a sequence is back-propagated, `hidden_backward` multiplies by a contiguous
        copy of W_h^T, (G*H, H), made once for all T steps.

        `W_h.data.T` is a transposed view, and OpenBLAS multiplies by a contiguous matrix
        faster than by that view; one copy of W_h per sequence costs less than one step's
        product. The copy is dropped on exit, so a later update of W_h is never missed.
        """
        self._W_h_T = np.ascontiguousarray(self.W_h.data.T)
        try:
            yield
        finally:
            self._W_h_T = None

    def accumulate_grads(
        self, x: np.ndarray, h_prev: np.ndarray, d_gx: np.ndarray, d_gh: np.ndarray
    ) -> np.ndarray:
        """Add the parameter gradients of M rows (M = N for one step, T*N for a sequence).

        x (M, D), h_prev (M, H), d_gx and d_gh (M, G*H); returns dL/dx (M, D). Each
        parameter's gradient depends on its own `frozen` flag only.
        """
        # dW = sum over steps and samples of outer products: one GEMM over all M rows.
        if not self.W_x.frozen:
            self.W_x.add_matmul(x.T, d_gx)  # W_x.grad += x^T d_gx (see Parameter.add_matmul)
        if not self.W_h.frozen:
            self.W_h.add_matmul(h_prev.T, d_gh)  # W_h.grad += h_prev^T d_gh
        self.accumulate_bias_grads(d_gx, d_gh)
        return d_gx @ self.W_x.data.T

    def accumulate_bias_grads(self, d_gx: np.ndarray, d_gh: np.ndarray) -> None:
        """b's gradient: the sum of d_gx over the M rows."""
        if not self.b.frozen:
            self.b.grad += F.fast_sum(d_gx, axis=0)  # d_gx.sum(axis=0), as 1^T d_gx

    # --8<-- [end:cell_base]

    def zero_state(self, n: int, dtype: np.dtype) -> State:
        return tuple(np.zeros((n, self.hidden_size), dtype=dtype) for _ in range(self.num_states))

    def _forward_step(self, x: np.ndarray, state: State | None) -> State:
        """One step on a stack: call it T times, then `_backward_step` T times in reverse.

        In eval mode nothing is cached, so a cell can generate long sequences without memory
        growing.
        """
        name = type(self).__name__
        check_shape(name, "input", x, (None, self.input_size))
        check_floating(name, "input", x)
        state = self.zero_state(len(x), x.dtype) if state is None else state
        for s in state:
            check_shape(name, "state", s, (len(x), self.hidden_size))
        new_state, cache = self.step(self.input_projection(x), state)
        if self.training:
            self._stack.append((x, state[0], cache))
        return new_state

    def _backward_step(self, d_state: State) -> tuple[np.ndarray, State]:
        name = type(self).__name__
        if not self._stack:
            raise RuntimeError(
                f"{name}: backward called more often than forward (or after a forward in eval "
                "mode, which caches nothing); call forward first"
            )
        x, h_prev, cache = self._stack[-1]
        for d in d_state:
            check_shape(name, "grad_out", d, h_prev.shape)
        self._stack.pop()
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
    # How the initial states and the gradients of the final states are named in messages.
    state_names: tuple[str, ...] = ("h0",)
    final_grad_names: tuple[str, ...] = ("grad_h_n",)

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
        name = type(self).__name__
        self.input_size = check_int(name, "input_size", input_size)
        self.hidden_size = check_int(name, "hidden_size", hidden_size)
        self.num_layers = check_int(name, "num_layers", num_layers)
        rng, dtype = check_rng(name, rng), check_float_dtype(name, dtype)
        sizes = [self.input_size] + [self.hidden_size] * (self.num_layers - 1)
        self.cells = [
            self.cell_class(d, self.hidden_size, rng=rng, dtype=dtype, **cell_kwargs) for d in sizes
        ]
        self.outputs: np.ndarray | None = None  # set by forward

    def _state_shape(self, n: int) -> tuple[int, int, int]:
        return (self.num_layers, n, self.hidden_size)

    def _check_inputs(self, x: np.ndarray, initial: State | None) -> State:
        name = type(self).__name__
        check_shape(name, "input", x, (None, None, self.input_size))
        check_floating(name, "input", x)
        if x.shape[1] == 0:
            raise ValueError(f"{name}: input expected at least one time step, got shape {x.shape}")
        shape = self._state_shape(x.shape[0])
        if initial is None:
            return tuple(np.zeros(shape, dtype=x.dtype) for _ in self.state_names)
        for state_name, s in zip(self.state_names, initial, strict=True):
            check_shape(name, state_name, s, shape)
            check_floating(name, state_name, s)
        return initial

    def _check_final_grads(self, grad_final: State | None) -> State | None:
        """The gradients of the final states must match them exactly: (L, N, H) each."""
        if grad_final is None:
            return None
        name = type(self).__name__
        shape = self._state_shape(self.outputs.shape[0])
        for grad_name, g in zip(self.final_grad_names, grad_final, strict=True):
            check_shape(name, grad_name, g, shape)
        return grad_final

    # --8<-- [start:bptt_forward]
    def _forward_states(self, x: np.ndarray, initial: State) -> State:
        """Run every layer over the whole sequence; returns the final states, each (L, N, H).

        x: (N, T, D); initial: states stacked over layers, each (L, N, H).
        """
        N, T, _ = x.shape
        H = self.hidden_size
        seq = np.ascontiguousarray(x.transpose(1, 0, 2))  # (T, N, D), time-major
        self._cache, finals = [], []
        for layer, cell in enumerate(self.cells):
            inputs = seq.reshape(T * N, seq.shape[2])  # every step's inputs as rows
            gx = cell.input_projection(inputs)  # (G, T*N, H): one GEMM per block, all steps
            gx = gx.reshape(cell.num_gates, T, N, H)
            state = tuple(s[layer] for s in initial)
            hs = np.empty((T + 1, N, H), dtype=gx.dtype)  # h_0 .. h_T
            hs[0] = state[0]
            step_caches = []
            for t in range(T):
                state, cache = cell.step(gx[:, t], state)
                hs[t + 1] = state[0]
                step_caches.append(cache)
            self._cache.append((inputs, hs, step_caches))
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
        require_forward(self, "outputs")
        check_shape(type(self).__name__, "grad_out", grad_out, self.outputs.shape)
        grad_final = self._check_final_grads(grad_final)
        d_seq = grad_out.transpose(1, 0, 2)  # (T, N, H), time-major view
        grad_initial = []
        for layer in reversed(range(self.num_layers)):
            cell, (inputs, hs, step_caches) = self.cells[layer], self._cache[layer]
            T, N, H = d_seq.shape
            if grad_final is None:
                d_state = cell.zero_state(N, hs.dtype)
            else:  # astype copies: the loop must never write into the caller's array
                d_state = tuple(g[layer].astype(hs.dtype) for g in grad_final)
            d_gx = np.empty((T, N, cell.W_h.shape[1]), dtype=hs.dtype)  # dL/d(gx), all steps
            d_gh = np.empty_like(d_gx) if cell.separate_hidden_grad else d_gx
            with cell.transposed_hidden_weights():  # T products by W_h^T: one contiguous copy
                for t in reversed(range(T)):
                    # h_t feeds both the output y_t and the next step: the two gradients add.
                    d_state = (d_state[0] + d_seq[t], *d_state[1:])
                    d_gx_t, d_gh_t, d_state = cell.step_backward(d_state, step_caches[t])
                    d_gx[t] = d_gx_t
                    if d_gh is not d_gx:
                        d_gh[t] = d_gh_t
            rows = T * N
            d_seq = cell.accumulate_grads(
                inputs,
                hs[:-1].reshape(rows, H),
                d_gx.reshape(rows, d_gx.shape[2]),
                d_gh.reshape(rows, d_gh.shape[2]),
            ).reshape(T, N, inputs.shape[1])
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
