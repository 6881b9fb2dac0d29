"""Helpers for the optional parity tests against PyTorch (skipped when torch is absent)."""

import pytest

torch = pytest.importorskip("torch", reason="PyTorch is not installed; parity tests skipped")
torch.set_default_dtype(torch.float64)


def t(x):
    """A float64 torch tensor that tracks gradients, from a NumPy array."""
    return torch.tensor(x, dtype=torch.float64, requires_grad=True)
