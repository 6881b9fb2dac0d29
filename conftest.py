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


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """Report how many code blocks of the book and README were collected and how they ended."""
    counts = {"passed": 0, "failed": 0, "skipped": 0}
    for outcome in counts:
        for report in terminalreporter.stats.get(outcome, []):
            path = report.nodeid.split("::")[0]
            if path.endswith(".md") and report.when in ("call", "setup"):
                counts[outcome] += 1
    total = sum(counts.values())
    if total:
        terminalreporter.write_line(
            f"book code blocks (docs/**/*.md and README.md): {total} collected, "
            f"{counts['passed']} passed, {counts['failed']} failed, {counts['skipped']} skipped"
        )
