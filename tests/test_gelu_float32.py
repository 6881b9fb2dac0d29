"""GELU's float32 path (computed in float32 arithmetic) against its float64 path and torch."""

import numpy as np
import pytest

from nnfs import functional as F


def _ulps(approx: np.ndarray, exact: np.ndarray) -> np.ndarray:
    """|approx - exact| in units of the float32 spacing at exact."""
    spacing = np.spacing(np.abs(exact).astype(np.float32)).astype(np.float64)
    return np.abs(approx.astype(np.float64) - exact) / spacing


def test_float32_gelu_is_within_eight_ulps_of_the_float64_result():
    # Below x = -13 the result (< 1e-37) nears float32's subnormal range and loses digits.
    x = np.linspace(-13, 10, 120_001).astype(np.float32)
    y, y64 = F.gelu(x), F.gelu(x.astype(np.float64))
    assert y.dtype == np.float32
    normal = np.abs(y64) > np.finfo(np.float32).tiny  # below that float32 is subnormal
    assert _ulps(y[normal], y64[normal]).max() <= 8
    cdf, _ = F._normal_cdf_float32(x)
    exact = 0.5 * F.erfc(x.astype(np.float64) * -F._INV_SQRT_2)
    normal = exact > np.finfo(np.float32).tiny
    assert _ulps(cdf[normal], exact[normal]).max() <= 9


def test_float32_gelu_grad_is_accurate_on_the_scale_of_its_terms():
    x = np.linspace(-13, 10, 120_001).astype(np.float32)
    g, g64 = F.gelu_grad(x), F.gelu_grad(x.astype(np.float64))
    assert g.dtype == np.float32
    # Phi(x) + x phi(x) cancels near x = -0.75 (where the derivative is 0): measure the error
    # against the larger term, 1 ulp of which is the rounding of the sum.
    x64 = x.astype(np.float64)
    scale = np.maximum(0.5 * F.erfc(x64 * -F._INV_SQRT_2), np.abs(x64) * np.exp(-x64 * x64 / 2))
    ok = scale > np.finfo(np.float32).tiny
    assert _ulps(g[ok] - g64[ok] + scale[ok], scale[ok]).max() <= 10


def test_float32_gelu_matches_torch_float32_and_is_closer_to_the_exact_value():
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(0).standard_normal(100_000).astype(np.float32) * 3
    xt = torch.from_numpy(x).requires_grad_(True)
    yt = torch.nn.functional.gelu(xt)
    yt.sum().backward()
    ours, theirs = F.gelu(x), yt.detach().numpy()
    exact = F.gelu(x.astype(np.float64))
    # torch's float32 x (1 + erf(x / sqrt 2)) / 2 cancels for negative x: absolute errors
    # of about 1e-6 there, which is the tolerance; ours stays within a few ulps.
    np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=2e-6)
    np.testing.assert_allclose(F.gelu_grad(x), xt.grad.numpy(), rtol=1e-6, atol=2e-6)
    assert np.abs(ours - exact).max() < 0.5 * np.abs(theirs - exact).max()
