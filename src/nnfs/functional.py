"""Activation functions and their derivatives as pure functions of the pre-activation.

Every function keeps the floating dtype of its input (float32 in, float32 out; integer input is
computed in float64) and is safe for extreme inputs: `sigmoid(±1000)` and `softmax` of logits
of ±1e4 give finite results and no NumPy warning.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import numpy as np


def _as_float(x: np.ndarray) -> np.ndarray:
    """`x` as an array of floats: float16/32/64 keep their dtype, ints and bools become float64."""
    x = np.asarray(x)
    return x if np.issubdtype(x.dtype, np.floating) else x.astype(np.float64)


def fast_sum(x: np.ndarray, axis: int | tuple[int, ...], keepdims: bool = False) -> np.ndarray:
    """np.sum(x, axis, keepdims=keepdims), as a matrix product where that is faster.

    NumPy's reduction over a short last axis, or over the rows of an (N, D) array, runs 2-6x
    slower than BLAS computing the same sums as a product with a vector of ones: X 1 for the
    last axis, 1^T X for every axis but the last. float32 and float64 take that route; other
    dtypes, empty arrays and other axes take np.sum. (BLAS adds in a different order, so the
    last bits can differ from np.sum's.)
    """
    if x.dtype in _BLAS_FLOATS and x.size:
        last = x.ndim - 1
        if axis == -1 or axis == last:  # the last axis: X 1
            out = x @ _ones(x.shape[-1], x.dtype)
            return out[..., None] if keepdims else out
        if (axis == 0 and last == 1) or axis == tuple(range(last)):  # all but the last: 1^T X
            rows = x.reshape(-1, x.shape[-1])
            out = _ones(rows.shape[0], x.dtype) @ rows
            return out.reshape((1,) * last + out.shape) if keepdims else out
    return np.sum(x, axis=axis, keepdims=keepdims)


_BLAS_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))


def max_keepdims(x: np.ndarray, axis: int) -> np.ndarray:
    """np.max(x, axis, keepdims=True), found as the entries at np.argmax: the same values (a NaN
    wins in both), 4x faster over a short axis, where NumPy's max reduction is slow."""
    index = np.argmax(x, axis=axis, keepdims=True)
    if axis in (-1, x.ndim - 1) and x.flags.c_contiguous:
        # Row r's largest entry sits at flat position r * C + index[r]: one gather, without
        # take_along_axis's broadcast index arrays.
        C = x.shape[-1]
        flat = index.reshape(-1) + np.arange(0, index.size * C, C)
        return x.reshape(-1)[flat].reshape(index.shape)
    return np.take_along_axis(x, index, axis=axis)


@functools.lru_cache(maxsize=32)
def _ones(n: int, dtype: np.dtype) -> np.ndarray:
    """A read-only vector of n ones, made once per (n, dtype): fast_sum's summing vector."""
    ones = np.ones(n, dtype=dtype)
    ones.flags.writeable = False
    return ones


# --8<-- [start:sigmoid]
def sigmoid(x: np.ndarray) -> np.ndarray:
    """sigma(x) = 1 / (1 + exp(-x)), computed without overflow for any x.

    For x >= 0 we use 1 / (1 + e^-x); for x < 0 the equal form e^x / (1 + e^x). With
    z = e^-|x| both read 1 / (1 + z) and z / (1 + z), and z lies in (0, 1]: exp never overflows.

    Shapes: any -> same.
    """
    x = _as_float(x)
    z = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + z), z / (1 + z))


# --8<-- [end:sigmoid]


# --8<-- [start:sigmoid_grad]
def sigmoid_grad(x: np.ndarray) -> np.ndarray:
    """d sigma / dx = sigma(x) (1 - sigma(x)). Shapes: any -> same."""
    s = sigmoid(x)
    return s * (1 - s)


# --8<-- [end:sigmoid_grad]


# --8<-- [start:tanh]
def tanh(x: np.ndarray) -> np.ndarray:
    """tanh(x) = (e^x - e^-x) / (e^x + e^-x) = 2 sigma(2x) - 1. Shapes: any -> same.

    NumPy's `np.tanh` is already stable: it saturates to ±1 without overflow.
    """
    return np.tanh(_as_float(x))


# --8<-- [end:tanh]


# --8<-- [start:tanh_grad]
def tanh_grad(x: np.ndarray) -> np.ndarray:
    """d tanh / dx = 1 - tanh(x)^2. Shapes: any -> same."""
    t = tanh(x)
    return 1 - t * t


# --8<-- [end:tanh_grad]


# --8<-- [start:relu]
def relu(x: np.ndarray) -> np.ndarray:
    """relu(x) = max(0, x). Shapes: any -> same."""
    return np.maximum(_as_float(x), 0)


# --8<-- [end:relu]


# --8<-- [start:relu_grad]
def relu_grad(x: np.ndarray) -> np.ndarray:
    """d relu / dx = 1 where x > 0, else 0 (at the kink x = 0 we pick 0, as PyTorch does)."""
    x = _as_float(x)
    return (x > 0).astype(x.dtype)


# --8<-- [end:relu_grad]


# --8<-- [start:leaky_relu]
def leaky_relu(x: np.ndarray, alpha: float = 0.01) -> np.ndarray:
    """leaky_relu(x) = x for x > 0, alpha x otherwise. Shapes: any -> same."""
    x = _as_float(x)
    # A Python float keeps float32 input float32; a NumPy float64 alpha would promote it.
    return np.where(x > 0, x, float(alpha) * x)


# --8<-- [end:leaky_relu]


# --8<-- [start:leaky_relu_grad]
def leaky_relu_grad(x: np.ndarray, alpha: float = 0.01) -> np.ndarray:
    """d leaky_relu / dx = 1 for x > 0, alpha otherwise (alpha at the kink x = 0)."""
    x = _as_float(x)
    return np.where(x > 0, 1, float(alpha)).astype(x.dtype)


# --8<-- [end:leaky_relu_grad]


# --8<-- [start:softplus]
def softplus(x: np.ndarray) -> np.ndarray:
    """softplus(x) = log(1 + e^x), a smooth ReLU whose derivative is sigma(x).

    Computed as max(x, 0) + log1p(e^-|x|): the exponent is never positive, so softplus(1000)
    is 1000 and softplus(-1000) is about 0, without overflow. Shapes: any -> same.
    """
    x = _as_float(x)
    return np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))


# --8<-- [end:softplus]


# --8<-- [start:logsumexp]
def logsumexp(x: np.ndarray, axis: int = -1, keepdims: bool = False) -> np.ndarray:
    """log sum_j exp(x_j) along `axis`, as m + log sum_j exp(x_j - m) with m = max_j x_j.

    The largest shifted term is exp(0) = 1, so the sum lies in [1, C]: no overflow, and its
    log is finite. Shapes: (..., C, ...) -> the same without `axis` (or size 1 if `keepdims`).
    """
    x = _as_float(x)
    m = max_keepdims(x, axis)
    out = m + np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True))
    return out if keepdims else np.squeeze(out, axis=axis)


# --8<-- [end:logsumexp]


# --8<-- [start:softmax]
def softmax(x: np.ndarray, axis: int = -1) -> np.ndarray:
    """softmax(x)_i = exp(x_i) / sum_j exp(x_j), along `axis`. Shapes: any -> same.

    Subtracting the maximum first changes nothing mathematically (the factor exp(-max)
    cancels) but keeps every exponent <= 0, so logits of 1e4 cannot overflow.
    """
    x = _as_float(x)
    e = x - max_keepdims(x, axis)
    # exp and the division in place, on the array just made: one (..., C) array in all, not
    # three.
    np.exp(e, out=e)
    e /= fast_sum(e, axis=axis, keepdims=True)
    return e


def log_softmax(x: np.ndarray, axis: int = -1) -> np.ndarray:
    """log softmax(x)_i = x_i - logsumexp(x): finite even where softmax underflows to 0."""
    x = _as_float(x)
    return x - logsumexp(x, axis=axis, keepdims=True)


# --8<-- [end:softmax]


# --8<-- [start:softmax_backward]
def softmax_jacobian(x: np.ndarray) -> np.ndarray:
    """Softmax's Jacobian over the last axis: ds_i/dx_j = s_i (delta_ij - s_j) = diag(s) - s s^T.

    Shapes: (..., C) -> (..., C, C). Backward passes never build it (see `softmax_backward`);
    it is here to check that shortcut against the definition.
    """
    s = softmax(x, axis=-1)
    return s[..., :, None] * np.eye(s.shape[-1], dtype=s.dtype) - s[..., :, None] * s[..., None, :]


def softmax_backward(s: np.ndarray, grad_out: np.ndarray, axis: int = -1) -> np.ndarray:
    """Vector-Jacobian product of softmax: dL/dx = s * (g - sum_j g_j s_j), given s = softmax(x).

    Multiplying g by the symmetric Jacobian diag(s) - s s^T gives s * g - s (s . g): O(C) work
    per row instead of building the C x C matrix. Shapes: s, grad_out (..., C) -> same.
    """
    # sum_j g_j s_j along `axis` by einsum, which needs no (..., C) temporary for g * s.
    g_last, s_last = np.moveaxis(grad_out, axis, -1), np.moveaxis(s, axis, -1)
    dot = np.expand_dims(np.einsum("...j,...j->...", g_last, s_last), axis)
    grad = grad_out - dot
    grad *= s  # in place: one new array in all
    return grad


# --8<-- [end:softmax_backward]


# ---- erf, erfc and GELU -------------------------------------------------------------------
#
# NumPy has no error function, and GELU needs one. The rational approximations below are those
# of FDLIBM's s_erf.c (Sun Microsystems, 1993; "permission to use, copy, modify, and distribute
# this software is freely granted, provided that this notice is preserved"): minimax fits whose
# error is below one unit in the last place of a float64 on each interval. The code around them
# is ours and vectorized: no Python loop over elements, only over the few intervals.

_ERX = 8.45062911510467529297e-01  # erf(1) rounded to 24 bits, so erx + P/Q is exact to add
# erf(x) = x + x P(x^2)/Q(x^2) on |x| < 0.84375 (coefficients in increasing powers)
_PP = (1.28379167095512558561e-01, -3.25042107247001499370e-01, -2.84817495755985104766e-02,
       -5.77027029648944159157e-03, -2.37630166566501626084e-05)  # fmt: skip
_QQ = (1.0, 3.97917223959155352819e-01, 6.50222499887672944485e-02, 5.08130628187576562776e-03,
       1.32494738004321644526e-04, -3.96022827877536812320e-06)  # fmt: skip
# erf(1 + s) = erx + P(s)/Q(s) on 0.84375 <= |x| < 1.25
_PA = (-2.36211856075265944077e-03, 4.14856118683748331666e-01, -3.72207876035701323847e-01,
       3.18346619901161753674e-01, -1.10894694282396677476e-01, 3.54783043256182359371e-02,
       -2.16637559486879084300e-03)  # fmt: skip
_QA = (1.0, 1.06420880400844228286e-01, 5.40397917702171048937e-01, 7.18286544141962662868e-02,
       1.26171219808761642112e-01, 1.36370839120290507362e-02,
       1.19844998467991074170e-02)  # fmt: skip
# erfc(x) = exp(-x^2 - 0.5625 + R(1/x^2)/S(1/x^2)) / x on 1.25 <= x < 1/0.35 (RA, SA) ...
_RA = (-9.86494403484714822705e-03, -6.93858572707181764372e-01, -1.05586262253232909814e+01,
       -6.23753324503260060396e+01, -1.62396669462573470355e+02, -1.84605092906711035994e+02,
       -8.12874355063065934246e+01, -9.81432934416914548592e+00)  # fmt: skip
_SA = (1.0, 1.96512716674392571292e+01, 1.37657754143519042600e+02, 4.34565877475229228821e+02,
       6.45387271733267880336e+02, 4.29008140027567833386e+02, 1.08635005541779435134e+02,
       6.57024977031928170135e+00, -6.04244152148580987438e-02)  # fmt: skip
# ... and on 1/0.35 <= x < 28 (RB, SB)
_RB = (-9.86494292470009928597e-03, -7.99283237680523006574e-01, -1.77579549177547519889e+01,
       -1.60636384855821916062e+02, -6.37566443368389627722e+02, -1.02509513161107724954e+03,
       -4.83519191608651397019e+02)  # fmt: skip
_SB = (1.0, 3.03380607434824582924e+01, 3.25792512996573918826e+02, 1.53672958608443695994e+03,
       3.19985821950859553908e+03, 2.55305040643316442583e+03, 4.74528541206955367215e+02,
       -2.24409524465858183362e+01)  # fmt: skip


def _horner(z: np.ndarray, coefficients: tuple[float, ...]) -> np.ndarray:
    """c0 + c1 z + c2 z^2 + ..., evaluated from the highest power down (Horner's rule).

    In place on one array: a fresh temporary per step would make this several times slower.
    """
    result = z * coefficients[-1]
    result += coefficients[-2]
    for c in coefficients[-3::-1]:
        result *= z
        result += c
    return result


def _erf_small(x: np.ndarray) -> np.ndarray:
    """x P(x^2)/Q(x^2), for |x| < 0.84375: erf(x) = x + this."""
    z = x * x
    return x * (_horner(z, _PP) / _horner(z, _QQ))


def _erf_near_one(a: np.ndarray) -> np.ndarray:
    """P(s)/Q(s) with s = a - 1, for 0.84375 <= a < 1.25: erf(a) = erx + this."""
    s = a - 1.0
    return _horner(s, _PA) / _horner(s, _QA)


def _erfc_tail(a: np.ndarray) -> np.ndarray:
    """erfc(a) for 1.25 <= a < 28, as exp(-a^2 - 0.5625 + R/S) / a.

    exp(-a^2) is computed as exp(-h^2) exp((h - a)(h + a)), where h is a with the low 32 bits of
    its mantissa cleared: h^2 is then exact, so the large exponent -a^2 loses no digits.
    """
    s = 1.0 / (a * a)
    near = a < 1 / 0.35
    ratio = np.where(near, _horner(s, _RA) / _horner(s, _SA), _horner(s, _RB) / _horner(s, _SB))
    h = (a.view(np.uint64) & np.uint64(0xFFFFFFFF00000000)).view(np.float64)
    return np.exp(-h * h - 0.5625) * np.exp((h - a) * (h + a) + ratio) / a


def _float64_flat(x: np.ndarray) -> tuple[np.ndarray, np.dtype]:
    """A float64 copy of x as a flat array, and the floating dtype the result must have."""
    x = _as_float(x)
    return np.array(x, dtype=np.float64).reshape(-1), x.dtype


# --8<-- [start:erf]
def erf(x: np.ndarray) -> np.ndarray:
    """erf(x) = 2/sqrt(pi) * integral_0^x exp(-t^2) dt, within one ulp of float64 rounding.

    erf is odd, and each interval of |x| has its own rational approximation (FDLIBM's):
    x + x R(x^2) below 0.84375, erx + P/Q(|x| - 1) below 1.25, 1 - erfc(|x|) below 6, and
    exactly 1 from 6 on (1 - erf(6) = 2e-17 is below float64's resolution at 1).
    Computed in float64; float32 input gives float32 output. Shapes: any -> same.
    """
    flat, dtype = _float64_flat(x)
    a = np.abs(flat)
    # The first interval holds most entries in practice: evaluate it on every entry (clipped
    # into range, so nothing overflows), then overwrite the fewer others.
    clipped = np.clip(flat, -0.84375, 0.84375)
    out = clipped + _erf_small(clipped)
    rest = np.flatnonzero(~(a < 0.84375))  # NaN lands here too, and stays NaN
    if rest.size:
        x_rest, a_rest = flat[rest], a[rest]
        near_one = _ERX + _erf_near_one(np.clip(a_rest, 0.84375, 1.25))
        far = np.where(a_rest >= 6, 1.0, 1.0 - _erfc_tail(np.clip(a_rest, 1.25, 6.0)))
        out[rest] = np.copysign(np.where(a_rest < 1.25, near_one, far), x_rest)
    return out.reshape(np.shape(x)).astype(dtype, copy=False)


def erfc(x: np.ndarray) -> np.ndarray:
    """erfc(x) = 1 - erf(x), computed without the cancellation of 1 - erf(x) for large x.

    erfc(10) = 2.1e-45 comes out to full relative precision, where 1 - erf(10) gives 0.
    erfc(-x) = 2 - erfc(x). Computed in float64; float32 input gives float32 output.
    Shapes: any -> same.
    """
    flat, dtype = _float64_flat(x)
    a = np.abs(flat)
    clipped = np.clip(flat, -0.84375, 0.84375)
    r = _erf_small(clipped)
    # From x = 1/4 on, 1 - (x + r) would lose low bits: regroup as 0.5 - (r + (x - 0.5)).
    out = np.where(clipped < 0.25, 1.0 - (clipped + r), 0.5 - (r + (clipped - 0.5)))
    rest = np.flatnonzero(~(a < 0.84375))
    if rest.size:
        x_rest, a_rest = flat[rest], a[rest]
        pq = _erf_near_one(np.clip(a_rest, 0.84375, 1.25))
        # erfc(28) = 6.6e-343 underflows to 0; the tail formula covers 1.25 <= |x| < 28.
        tail = np.where(a_rest >= 28, 0.0, _erfc_tail(np.clip(a_rest, 1.25, 28.0)))
        positive = np.where(a_rest < 1.25, (1.0 - _ERX) - pq, tail)
        negative = np.where(a_rest < 1.25, 1.0 + (_ERX + pq), 2.0 - tail)
        out[rest] = np.where(x_rest > 0, positive, negative)
    return out.reshape(np.shape(x)).astype(dtype, copy=False)


# --8<-- [end:erf]


# --8<-- [start:gelu]
_SQRT_2_OVER_PI = 0.7978845608028654  # sqrt(2 / pi)
_INV_SQRT_2PI = 0.3989422804014327  # 1 / sqrt(2 pi), the normal density at 0
_INV_SQRT_2 = 0.7071067811865476  # 1 / sqrt(2)


def _check_approximate(name: str, approximate: str) -> None:
    if approximate not in ("none", "tanh"):
        raise ValueError(f"{name}: approximate expected one of 'none', 'tanh', got {approximate!r}")


def gelu(x: np.ndarray, approximate: str = "none") -> np.ndarray:
    """GELU(x) = x Phi(x), Phi the standard normal CDF (Hendrycks & Gimpel, 2016).

    approximate="none": Phi(x) = erfc(-x / sqrt 2) / 2, exact to float64 rounding.
    approximate="tanh": Phi(x) ~ (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))) / 2, as in GPT-2.
    Both are torch.nn.functional.gelu's definitions. Shapes: any -> same; dtype kept.
    """
    _check_approximate("gelu", approximate)
    x = _as_float(x)
    if approximate == "tanh":
        # tanh(...) is exactly -1 or 1 beyond |x| = 10, so clipping there changes no result but
        # keeps x^3 from overflowing and gelu(-inf) from being -inf * 0 = NaN.
        x = np.maximum(x, -10.0)
        u = np.minimum(x, 10.0)
        return 0.5 * x * (1 + np.tanh(_SQRT_2_OVER_PI * (u + 0.044715 * u * u * u)))
    if x.dtype == np.float32:  # the same function in float32 arithmetic (gelu_float32)
        return _in_blocks(_gelu_float32, x)
    # Phi(x) underflows to 0 below -38.5: clipping at -40 gives gelu(-inf) = 0, not NaN.
    x = np.maximum(x, -40.0)
    return x * (0.5 * erfc(x * -_INV_SQRT_2))


def gelu_grad(x: np.ndarray, approximate: str = "none") -> np.ndarray:
    """d GELU / dx = Phi(x) + x phi(x), phi(x) = exp(-x^2/2) / sqrt(2 pi), for the exact form;
    (1 + t)/2 + x (1 - t^2) sqrt(2/pi) (1 + 3 * 0.044715 x^2) / 2 for the tanh form, with t the
    tanh above. Shapes: any -> same; dtype kept.
    """
    _check_approximate("gelu_grad", approximate)
    x = _as_float(x)
    if approximate == "tanh":
        u = np.clip(x, -10.0, 10.0)  # beyond +-10 the derivative is exactly 1 or 0
        t = np.tanh(_SQRT_2_OVER_PI * (u + 0.044715 * u * u * u))
        return 0.5 * (1 + t) + 0.5 * u * (1 - t * t) * _SQRT_2_OVER_PI * (1 + 0.134145 * u * u)
    if x.dtype == np.float32:  # the same function in float32 arithmetic (gelu_float32)
        return _in_blocks(_gelu_grad_float32, x)
    u = np.clip(x, -40.0, 40.0)  # beyond +-40 the derivative is exactly 1 or 0
    return 0.5 * erfc(u * -_INV_SQRT_2) + u * (_INV_SQRT_2PI * np.exp(-0.5 * u * u))


# --8<-- [end:gelu]


# --8<-- [start:gelu_float32]
_BLOCK = 1 << 16  # numbers per block: 256 KB of float32


def _in_blocks(fn: Callable[[np.ndarray], np.ndarray], x: np.ndarray) -> np.ndarray:
    """fn(x) for an elementwise fn, evaluated on consecutive blocks of _BLOCK numbers.

    The float32 GELU below makes about thirty passes over its input and keeps a handful of
    temporaries. On a whole activation (BERT's feed-forward layer produces 1.6 million numbers
    per batch) every pass streams from main memory; on one block at a time the temporaries stay
    in the CPU's L2 cache. Same arithmetic, same result, less waiting for memory.
    """
    flat = np.ascontiguousarray(x).reshape(-1)
    out = np.empty_like(flat)
    for start in range(0, flat.size, _BLOCK):
        out[start : start + _BLOCK] = fn(flat[start : start + _BLOCK])
    return out.reshape(x.shape)


def _gelu_float32(x: np.ndarray) -> np.ndarray:
    """x Phi(x) for float32 x, in float32 arithmetic (below -40 Phi is 0: gelu(-inf) = 0)."""
    cdf = _normal_cdf_float32(x)[0]
    cdf *= np.maximum(x, np.float32(-40))
    return cdf


def _gelu_grad_float32(x: np.ndarray) -> np.ndarray:
    """Phi(x) + x phi(x) for float32 x, in float32 arithmetic."""
    cdf, density = _normal_cdf_float32(x, pdf=True)
    density *= np.clip(x, np.float32(-40), np.float32(40))
    density += cdf
    return density


# erfc(z) = t exp(-z^2 + P(t)) with t = 1 / (1 + z/2), for z >= 0: P of degree 9, fitted to
# ln(erfc(z) / t) + z^2 on 0 <= z <= 11 (a weighted least-squares fit iterated to minimax),
# relative error 5e-8 in exact arithmetic. The form is that of Press et al.'s erfcc.
_ERFC_TAIL32 = (-1.265462347, 0.9989176372, 0.3842518849, 0.04575008576, -0.03077415143,
                -0.02122216393, -0.7663084697, 1.208477724, -0.7024840734,
                0.1488539235)  # fmt: skip


def _normal_cdf_float32(x: np.ndarray, pdf: bool = False) -> tuple[np.ndarray, np.ndarray | None]:
    """Phi(x), and phi(x) if asked, for float32 x, computed in float32: GELU's float32 path.

    The float64 path evaluates FDLIBM's erfc on a float64 copy, branch by branch, which is most
    of a float32 BERT's forward time. Here one formula covers every x: Phi(x) = erfc(|x| /
    sqrt 2) / 2 for x < 0 and 1 minus that for x >= 0, without cancellation in either. The
    Gaussian exp(-x^2/2) is exp(-hi^2/2) exp(-(x - hi)(x + hi)/2) with hi = x cut to 12
    significant bits, so that hi^2 is exact and the large exponent loses no digits (as in
    FDLIBM). For x >= -13, Phi is within 9 float32 ulps of the exact value, gelu within 8 and
    gelu_grad within 10 of its larger term (tests/test_gelu_float32.py); torch's float32
    x (1 + erf(x / sqrt 2)) / 2 is off by up to 1e-6 where it cancels. In place where
    possible: every temporary is one more array to pass through the cache.
    """
    u = np.clip(x, np.float32(-40), np.float32(40))  # Phi is exactly 0 or 1 beyond
    positive = u >= 0
    t = np.abs(u)
    t *= np.float32(0.5 * _INV_SQRT_2)
    t += 1.0
    np.reciprocal(t, out=t)  # t = 1 / (1 + z/2), z = |u| / sqrt 2
    hi = (u.view(np.uint32) & np.uint32(0xFFFFF000)).view(np.float32)
    rest = u - hi
    rest *= np.add(u, hi, out=u)  # u is not needed any more: its buffer is reused below
    rest *= np.float32(-0.5)  # -(u^2 - hi^2) / 2, small
    hi *= hi
    hi *= np.float32(-0.5)
    gauss_hi = np.exp(hi, out=hi)  # exp(-hi^2 / 2), hi^2 exact
    tail = np.multiply(t, _ERFC_TAIL32[-1], out=u)  # Horner's rule for P(t), in u's buffer
    for c in _ERFC_TAIL32[-2:0:-1]:
        tail += c
        tail *= t
    tail += _ERFC_TAIL32[0]
    tail += rest
    np.exp(tail, out=tail)
    tail *= t
    tail *= gauss_hi
    tail *= np.float32(0.5)  # Phi(-|u|) = erfc(z) / 2
    # Phi = tail for u < 0, 1 - tail for u >= 0, as tail + [u >= 0] (1 - 2 tail) in t's buffer:
    # np.where on a random sign pattern is ten times slower (a branch per entry).
    cdf = np.multiply(tail, np.float32(-2), out=t)
    cdf += 1.0
    cdf *= positive
    cdf += tail
    if not pdf:
        return cdf, None
    np.exp(rest, out=rest)
    rest *= gauss_hi
    rest *= np.float32(_INV_SQRT_2PI)  # phi(u) = exp(-u^2 / 2) / sqrt(2 pi)
    return cdf, rest


# --8<-- [end:gelu_float32]
