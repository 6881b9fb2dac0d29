"""Loaded by pytest before anything imports NumPy.

The test suite works on small arrays, where one BLAS thread is fastest; with OpenBLAS's default
of one thread per core, a machine busy with other work makes the idle BLAS threads spin and a
one-second doc block can take a minute. Readers who set the variable themselves keep their value.
"""

import os
import sys

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
if "numpy" in sys.modules:  # pragma: no cover - a plugin imported NumPy before us
    print("conftest: NumPy was imported before OPENBLAS_NUM_THREADS could be set", file=sys.stderr)
