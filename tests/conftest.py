"""Shared fixtures: a seeded Generator, and tolerance constants used across the test suite."""

import numpy as np
import pytest

# A correct backward in float64 with eps = 1e-6 central differences is typically ~1e-9.
GRAD_TOL = 1e-6


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(1234)
