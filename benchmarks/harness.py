"""Side-by-side timing of nnfs against PyTorch on the CPU, in one process, interleaved.

A benchmark case is two zero-argument callables doing the same work (one training step, or one
forward + backward), a `check` that raises when their numbers disagree, and the list of matrix
products (GEMMs) the step performs. `run_case` measures:

- **the step**: each side runs many steps back to back (a steady-state loop, as in training),
  the two sides alternating loop by loop; the median time per step of each side, and their
  ratio nnfs / torch;
- **the BLAS floor**: the same GEMM shapes, timed the same way with `numpy.matmul` and with
  the library torch computes them in: `torch.matmul` (its BLAS, MKL on x86) for dense layers and
  attention, oneDNN's matrix multiply for the products torch runs inside oneDNN kernels
  (convolutions, `nn.LSTM`; marked `OneDNN` in `benchmarks/shapes.py`). A step made only of
  those products could not beat torch by more than this ratio, since nnfs runs its products in
  NumPy's BLAS; `ratio / floor` is what is left for nnfs's own code (elementwise work, copies,
  allocations) to answer for.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial

import numpy as np

Gemm = tuple[int, ...]  # (m, k, n): an (m, k) @ (k, n) product; (b, m, k, n): a batch of b


class OneDNN(tuple):
    """A GEMM shape (m, k, n) that torch computes inside a oneDNN kernel, not with torch.matmul.

    On a CPU build with oneDNN, `Conv2d` runs as `aten::mkldnn_convolution` and `nn.LSTM` as
    `aten::mkldnn_rnn_layer` (both checked in tests/test_torch_claims_performance.py). oneDNN
    has its own matrix-multiply kernels (AVX-512 where the CPU has it),
    which can be much faster than torch's BLAS on the same shape, so the floor times these
    products with oneDNN's matrix multiply (`torch.ops.mkldnn._linear_pointwise`).
    """


@dataclass
class Case:
    """One workload. `nnfs_step` and `torch_step` do the same computation on the same shapes.

    `gemms` lists every matrix product of one nnfs step (forward and backward), as
    (m, k, n) or (batch, m, k, n); shapes repeated in the step appear as often as they run.
    One shape *object* listed several times (`[shape] * T`) is one weight used T times, as a
    recurrent layer's W_h is at every step: the floor then multiplies by the same matrices T
    times, so that, as in the step, the weight stays in cache. Left empty, the products are
    looked up by the case's name in `benchmarks.shapes`.
    """

    name: str
    nnfs_step: Callable[[], object]
    torch_step: Callable[[], object]
    check: Callable[[], None]
    gemms: Sequence[Gemm] = field(default_factory=list)
    repeats: int = 15


@dataclass
class Result:
    name: str
    threads: int
    nnfs_ms: float
    torch_ms: float
    # ms of the case's GEMMs alone, (NumPy, torch), or None for a case without a GEMM list
    gemm_ms: tuple[float, float] | None = None
    floor_against: str | None = None  # torch's side of the floor: "BLAS", "oneDNN" or both

    @property
    def ratio(self) -> float:
        return self.nnfs_ms / self.torch_ms

    @property
    def floor(self) -> float | None:
        """numpy GEMM time / torch GEMM time on the case's shapes."""
        return None if self.gemm_ms is None else self.gemm_ms[0] / self.gemm_ms[1]

    @property
    def over_floor(self) -> float | None:
        return None if self.floor is None else self.ratio / self.floor


def dense_gemms(n: int, sizes: Sequence[int], input_grad: bool = False) -> list[Gemm]:
    """The products of a stack of dense layers sizes[0] -> ... -> sizes[-1] on a batch of n:
    y = x W forward, dW = x^T g and dx = g W^T backward (dx skipped for the first layer unless
    `input_grad`)."""
    gemms: list[Gemm] = []
    for i, (d_in, d_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        gemms += [(n, d_in, d_out), (d_in, n, d_out)]
        if i > 0 or input_grad:
            gemms.append((n, d_out, d_in))
    return gemms


def conv_gemms(
    n: int,
    c_in: int,
    c_out: int,
    k: int,
    out_hw: tuple[int, int],
    input_grad: bool = True,
    weight_grad: bool = True,
) -> list[Gemm]:
    """The im2col products of a k x k convolution producing (n, c_out, *out_hw):
    W (c_out, c_in k k) @ cols, dW^T = cols @ g^T (unless frozen), dcols = W^T @ g.

    torch runs convolutions in oneDNN, so the shapes are marked `OneDNN`."""
    patches, p = c_in * k * k, n * out_hw[0] * out_hw[1]
    gemms: list[Gemm] = [OneDNN((c_out, patches, p))]
    if weight_grad:
        gemms.append(OneDNN((patches, p, c_out)))  # Conv2D.backward forms dW transposed
    if input_grad:
        gemms.append(OneDNN((patches, c_out, p)))
    return gemms


def _loop_ms(fn: Callable[[], object], steps: int) -> float:
    """Milliseconds per call of `steps` calls back to back."""
    start = time.perf_counter()
    for _ in range(steps):
        fn()
    return (time.perf_counter() - start) * 1e3 / steps


def _steps_for(fn: Callable[[], object], seconds: float) -> int:
    """How many back-to-back calls of `fn` take about `seconds` (at least 3)."""
    once = max(_loop_ms(fn, 1), 1e-3)
    return max(3, round(seconds * 1e3 / once))


def interleaved_medians(
    a: Callable[[], object],
    b: Callable[[], object],
    repeats: int,
    threads: int,
    loop_seconds: float = 0.2,
    warmup_seconds: float = 0.3,
) -> tuple[float, float]:
    """Median ms per call of `a` and of `b`, timed in alternating steady-state loops.

    Each sample is a loop of back-to-back calls lasting about `loop_seconds`. With more than one
    thread, OpenBLAS's workers spin for ~0.1-0.2 s after their last call and would slow the other
    library's loop, so the sides are separated by a 0.25 s pause; one thread needs none.
    """
    pause = 0.25 if threads > 1 else 0.0
    steps_a, steps_b = _steps_for(a, loop_seconds), _steps_for(b, loop_seconds)
    _loop_ms(a, _steps_for(a, warmup_seconds))  # first calls pay for page faults
    _loop_ms(b, _steps_for(b, warmup_seconds))
    times_a, times_b = [], []
    for i in range(repeats):
        order = [(a, steps_a, times_a), (b, steps_b, times_b)]
        if i % 2:  # neither side always goes first
            order.reverse()
        for fn, steps, times in order:
            if pause:
                time.sleep(pause)
            times.append(_loop_ms(fn, steps))
    return statistics.median(times_a), statistics.median(times_b)


def onednn_matmul() -> Callable | None:
    """a (m, k), b_t (n, k) -> a @ b_t.T with oneDNN's kernels, or None without oneDNN."""
    import torch

    if not torch.backends.mkldnn.is_available():
        return None
    return lambda a, b_t: torch.ops.mkldnn._linear_pointwise(a, b_t, None, "none", [], "")


def gemm_times(gemms: Sequence[Gemm], threads: int, repeats: int = 9) -> tuple[float, float] | None:
    """ms of the products `gemms` with numpy.matmul and with torch, float32, steady state.

    torch's side uses torch.matmul, or oneDNN's matrix multiply for `OneDNN` shapes.
    """
    if not gemms:
        return None
    import torch

    dnn = onednn_matmul()
    rng = np.random.default_rng(0)
    pairs = []
    made: dict[int, tuple] = {}  # id(shape) -> its operands: a repeated object shares them
    for shape in gemms:
        if id(shape) in made:
            pairs.append(made[id(shape)])
            continue
        *batch, m, k, n = shape
        a = rng.standard_normal((*batch, m, k), dtype=np.float32)
        b = rng.standard_normal((*batch, k, n), dtype=np.float32)
        out = np.empty((*batch, m, n), dtype=np.float32)
        a_t, b_t, out_t = torch.from_numpy(a), torch.from_numpy(b), torch.from_numpy(out)
        if isinstance(shape, OneDNN) and dnn is not None:
            product = partial(dnn, a_t, b_t.T.contiguous())  # oneDNN takes b as (n, k)
        else:
            product = partial(torch.matmul, a_t, b_t, out=out_t)
        made[id(shape)] = (a, b, out, product)
        pairs.append(made[id(shape)])

    def numpy_products() -> None:
        for a, b, out, _ in pairs:
            np.matmul(a, b, out=out)

    def torch_products() -> None:
        for *_, product in pairs:
            product()

    return interleaved_medians(numpy_products, torch_products, repeats, threads)


def run_case(case: Case, threads: int) -> Result:
    """Check the case, then measure its step times and its BLAS floor at `threads` threads."""
    from benchmarks.shapes import gemms_for

    case.check()
    nnfs_ms, torch_ms = interleaved_medians(case.nnfs_step, case.torch_step, case.repeats, threads)
    gemms = case.gemms or gemms_for(case.name)
    return Result(
        case.name, threads, nnfs_ms, torch_ms, gemm_times(gemms, threads), floor_libraries(gemms)
    )


def floor_libraries(gemms: Sequence[Gemm]) -> str | None:
    """Which of torch's libraries the floor times: "BLAS" (torch.matmul), "oneDNN", or both."""
    found = {"oneDNN" if isinstance(g, OneDNN) else "BLAS" for g in gemms}
    return " + ".join(sorted(found, reverse=True)) if found else None


def elementwise_speedup(threads: int, size: int = 1 << 20, repeats: int = 9) -> dict[str, float]:
    """ms of one tanh over `size` float32 numbers in NumPy and in torch, at `threads` threads.

    NumPy's ufuncs run on one core whatever the BLAS thread count; torch splits elementwise
    kernels over its intra-op threads.
    """
    import torch

    x = np.random.default_rng(0).standard_normal(size, dtype=np.float32)
    out = np.empty_like(x)
    x_t, out_t = torch.from_numpy(x), torch.from_numpy(out)
    numpy_ms, torch_ms = interleaved_medians(
        lambda: np.tanh(x, out=out), lambda: torch.tanh(x_t, out=out_t), repeats, threads
    )
    return {"numpy_ms": numpy_ms, "torch_ms": torch_ms}


def lstm_elementwise_ms(n: int = 32, t: int = 50, h: int = 128, repeats: int = 9) -> float:
    """ms of the elementwise work of one LSTM forward + backward over t steps, and nothing else.

    The least any NumPy LSTM must do between its matrix products: per step forward, the 10
    passes of the gate equations (gates += gx; the four activations as one tanh between two
    scalings, s tanh(s a) + k; c' = f c + i g; tanh(c'); h' = o tanh(c')), per step backward
    the 15 of their derivatives (dh += dy; dc = dc' + dh o (1 - tanh^2 c'); the four gate
    gradients; their activation derivatives (1 - v)(v + k'); dc f). Every call writes into a
    preallocated float32 array that stays in cache, with no Python function, no allocation and
    no cache to store around them, so a real implementation can only take longer. Adding the
    GEMMs of the step (NumPy's side of the floor) gives a lower bound on its time.
    """
    rng = np.random.default_rng(0)
    f32 = np.float32
    a, gx, dv, der = (rng.uniform(-1, 1, (4, n, h)).astype(f32) for _ in range(4))
    c, tanh_c, h_new, tmp, dh, dc, dy, dc_next = (
        rng.uniform(-1, 1, (n, h)).astype(f32) for _ in range(8)
    )
    # Per gate block i, f, g, o: sigma(a) = tanh(a/2)/2 + 1/2 and tanh(a) = 1 tanh(1 a) + 0.
    s = np.array([0.5, 0.5, 1.0, 0.5], f32).reshape(4, 1, 1)
    k = np.array([0.5, 0.5, 0.0, 0.5], f32).reshape(4, 1, 1)
    k_der = np.array([0.0, 0.0, 1.0, 0.0], f32).reshape(4, 1, 1)  # v(1-v), or (1-v)(1+v)
    i, f, g, o = a

    def sequence() -> None:
        for _ in range(t):
            np.add(a, gx, out=a)
            np.multiply(a, s, out=a)
            np.tanh(a, out=a)
            np.multiply(a, s, out=a)
            np.add(a, k, out=a)
            np.multiply(f, c, out=c)
            np.multiply(i, g, out=tmp)
            np.add(c, tmp, out=c)
            np.tanh(c, out=tanh_c)
            np.multiply(o, tanh_c, out=h_new)
        for _ in range(t):
            np.add(dh, dy, out=dh)
            np.multiply(tanh_c, tanh_c, out=tmp)
            np.subtract(1, tmp, out=tmp)
            np.multiply(tmp, o, out=tmp)
            np.multiply(tmp, dh, out=tmp)
            np.add(dc_next, tmp, out=dc)
            np.multiply(dc, g, out=dv[0])
            np.multiply(dc, c, out=dv[1])
            np.multiply(dc, i, out=dv[2])
            np.multiply(dh, tanh_c, out=dv[3])
            np.subtract(1, a, out=der)
            np.add(a, k_der, out=a)  # a now holds v + k' (the next forward overwrites it)
            np.multiply(der, a, out=der)
            np.multiply(dv, der, out=dv)
            np.multiply(dc, f, out=dc_next)

    sequence()  # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        sequence()
        times.append((time.perf_counter() - start) * 1e3)
    return statistics.median(times)
